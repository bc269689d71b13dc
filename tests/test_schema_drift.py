"""Generated artefacts must match the code that generates them."""

from __future__ import annotations

from llmcat.schema import schema_files
from tests.conftest import ROOT


def test_committed_json_schemas_match_the_models() -> None:
    for name, text in schema_files().items():
        committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
        assert committed == text, f"schema/{name} is stale: run python scripts/gen_schema.py"
