"""Write the JSON Schemas under schema/ from the pydantic models."""

from __future__ import annotations

from pathlib import Path

from llmcat.schema import schema_files, with_schema_table

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for name, text in schema_files().items():
        (ROOT / "schema" / name).write_text(text, encoding="utf-8")
        print(f"wrote schema/{name}")
    readme = ROOT / "README.md"
    readme.write_text(with_schema_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print("updated the schema table in README.md")
