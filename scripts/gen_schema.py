"""Write the generated artefacts: JSON Schemas (schema/), the README field table, docs/cli.md, docs/database.md,
docs/catalog.md and docs/catalog.zh.md (the catalog as a list people read on GitHub)."""

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
    from llmcat.cli.reference import cli_reference

    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    print("wrote docs/cli.md")
    from llmcat.database import database_doc

    (ROOT / "docs" / "database.md").write_text(database_doc(), encoding="utf-8")
    print("wrote docs/database.md")
    from llmcat import export, query
    from llmcat.store import default_catalog_dir, open_catalog

    hits = query.search(open_catalog(default_catalog_dir(), use_cache=False), query.Query())
    for name, lang in (("catalog.md", "en"), ("catalog.zh.md", "zh")):
        text = export.to_markdown(hits, lang)
        (ROOT / "docs" / name).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote docs/{name}")
