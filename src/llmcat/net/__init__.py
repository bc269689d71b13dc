"""Network checks (links, Hub audit). The only package that imports httpx."""
