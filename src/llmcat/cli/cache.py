"""`llmcat cache`: what the index cache holds, and clearing it."""

from __future__ import annotations

from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import JsonOpt, handles_errors


@app.command()
@handles_errors
def cache(
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove every index and cached network result (nothing else).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Where the index cache is and the indexes in it (catalog, entries, size, age); --clear empties it."""
    from llmcat import index
    from llmcat.fsutil import cache_dir

    if clear:
        files, size = index.clear_cache()
        if as_json:
            render.write(
                render.dump_json({"cache_dir": str(cache_dir()), "removed_files": files, "removed_bytes": size})
            )
        else:
            render.note(f"removed {files} file(s), {size / 1e6:.1f} MB, from {cache_dir()}")
        return
    from llmcat.render_query import cache_table

    found = index.cached_indexes()
    if as_json:
        render.write(render.dump_json({"cache_dir": str(cache_dir()), "indexes": [c._asdict() for c in found]}))
    else:
        cache_table(str(cache_dir()), found)
