"""Generated artefacts must match the code that generates them."""

from __future__ import annotations

from llmcat.schema import schema_files, with_schema_table
from tests.conftest import ROOT


def test_committed_json_schemas_match_the_models() -> None:
    for name, text in schema_files().items():
        committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
        assert committed == text, f"schema/{name} is stale: run python scripts/gen_schema.py"


def test_readme_schema_table_matches_the_models() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_schema_table(readme) == readme, "README schema table is stale: run python scripts/gen_schema.py"


def test_cli_reference_matches_the_commands() -> None:
    from llmcat.cli.reference import cli_reference

    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference(), "docs/cli.md is stale: run python scripts/gen_schema.py"


def test_database_reference_matches_the_schema() -> None:
    from llmcat.database import database_doc

    committed = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
    assert committed == database_doc(), "docs/database.md is stale: run python scripts/gen_schema.py"
