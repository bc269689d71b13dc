"""Generated artefacts must match the code that generates them."""

from __future__ import annotations

import json
import re

import pytest

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


@pytest.mark.parametrize(
    ("kind", "path", "bad", "good"),
    [
        ("model", ("id",), "Bad_ID", "chatglm-6b"),
        ("model", ("released",), "2023-13-01", "2023-03-14"),
        ("model", ("name",), "Bad\x1b[31m Model", "Good Model"),
        ("model", ("links", "repo"), "https://exa\u202emple.com/x", "https://example.com/x"),
        ("model", ("links", "repo"), "ftp://example.com/x", "https://example.com/x"),
        ("model", ("links", "huggingface"), "https://huggingface.co/a/b", "THUDM/chatglm-6b"),
        ("model", ("languages", "items"), "zh_CN", "zh-Hans"),
    ],
)
def test_exported_schema_patterns_refuse_what_validate_refuses(
    kind: str, path: tuple[str, ...], bad: str, good: str
) -> None:
    schema = json.loads((ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    node = schema
    for part in path:
        node = node["items"] if part == "items" else _resolve(schema, node)["properties"][part]
    pattern = _pattern(schema, node)
    assert not re.search(pattern, bad) and re.search(pattern, good)


def _resolve(schema: dict, node: dict) -> dict:  # type: ignore[type-arg]
    if "$ref" in node:
        return schema["$defs"][node["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return node


def _pattern(schema: dict, node: dict) -> str:  # type: ignore[type-arg]
    for option in node.get("anyOf", [node]):
        option = _resolve(schema, option)
        if "pattern" in option:
            return str(option["pattern"])
    raise AssertionError(f"no pattern in {node}")


def test_database_reference_matches_the_schema() -> None:
    from llmcat.database import database_doc

    committed = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
    assert committed == database_doc(), "docs/database.md is stale: run python scripts/gen_schema.py"
