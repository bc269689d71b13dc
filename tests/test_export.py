"""`llmcat export`: CSV and JSON Lines with every field, an awesome-list Markdown document,
the SQLite database; the generated catalog documents stay in step with the catalog."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from llmcat.export import CSV_COLUMNS
from llmcat.models import MODEL_BY_KIND
from tests.conftest import ROOT

Run = Callable[..., Any]


def _nested(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _schema_columns() -> set[str]:
    wanted = set()
    for model in MODEL_BY_KIND.values():
        for name, info in model.model_fields.items():
            inner = _nested(info.annotation)
            flattened = inner is not None and typing.get_origin(info.annotation) is not list
            if (flattened and name != "summary") or name in ("summary", "notes", "lineage_note"):
                wanted.update(f"{name}_{sub}" for sub in inner.model_fields)  # type: ignore[union-attr]
            else:
                wanted.add(name)
    return wanted - {"generated_by_model"}


def test_csv_has_a_column_for_every_field_of_every_kind() -> None:
    missing = _schema_columns() - set(CSV_COLUMNS)
    assert not missing, f"fields without a CSV column: {sorted(missing)}"


def test_csv_and_jsonl_carry_the_same_entries_and_verdicts_as_search(run: Run) -> None:
    args = ("--lang", "zh", "--commercial")
    searched = json.loads(run("search", *args, "--json").stdout)
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv", *args).stdout)))
    lines = [json.loads(line) for line in run("export", "--format", "jsonl", *args).stdout.splitlines()]
    assert [r["id"] for r in rows] == [h["id"] for h in searched] == [e["id"] for e in lines]
    assert lines == searched
    for row, hit in zip(rows, searched, strict=True):
        assert row["commercial_effective"] == hit["commercial_use"]["effective"]
        assert row["license_weights"] == hit["license"].get("weights", "")


def test_markdown_groups_by_kind_and_family_in_both_languages(run: Run) -> None:
    english = run("export", "--format", "markdown").stdout
    chinese = run("export", "--format", "markdown", "--lang-ui", "zh").stdout
    assert english.index("## Models") < english.index("## Datasets") < english.index("## Toolkits")
    assert "### pythia" in english and "(`chatglm-6b`)" in english
    assert "## 模型" in chinese and "可商用" in chinese


@pytest.mark.parametrize(("name", "lang"), [("catalog.md", "en"), ("catalog.zh.md", "zh")])
def test_generated_catalog_documents_match_the_catalog(run: Run, name: str, lang: str) -> None:
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    made = run("export", "--format", "markdown", "--lang-ui", lang).stdout
    assert committed == made, f"docs/{name} is stale: run python scripts/gen_schema.py"


def _readme_commands(tool: str) -> list[str]:
    """The SQL of each `sqlite3 llmcat.db "..."` or `duckdb -c "..."` the README shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The database for other tools") :]
    block = section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]
    return re.findall(rf'^{tool} "(.*?)"', block, flags=re.MULTILINE | re.DOTALL)


@pytest.fixture
def exported(run: Run, tmp_path: Path) -> Path:
    out = tmp_path / "llmcat.db"
    result = run("export", "--format", "sqlite", str(out))
    assert result.exit_code == 0, result
    return out


def test_sqlite_export_answers_the_readme_queries_in_sqlite3(exported: Path) -> None:
    queries = _readme_commands("sqlite3 llmcat.db")
    assert len(queries) == 2
    with sqlite3.connect(exported) as db:
        (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
        answers = [db.execute(sql).fetchall() for sql in queries]
    assert count == len(list((ROOT / "catalog").glob("*/*.yaml")))
    assert all(answers), answers


def test_sqlite_export_answers_the_readme_query_in_duckdb(exported: Path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is a test extra (pip install -e '.[test]')")
    scanner = pytest.importorskip("duckdb_extension_sqlite_scanner", reason="DuckDB's sqlite extension is a test extra")
    (statements,) = _readme_commands("duckdb -c")
    *setup, query = [s.strip() for s in statements.split(";") if s.strip()]
    assert setup[:2] == ["INSTALL sqlite", "LOAD sqlite"]  # downloaded once by DuckDB; here, the wheel's copy
    extension = (
        Path(scanner.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "sqlite_scanner.duckdb_extension"
    )
    with duckdb.connect() as con:
        con.execute(f"LOAD '{extension}'")
        for statement in setup[2:]:
            con.execute(statement.replace("'llmcat.db'", f"'{exported}'"))
        counts = dict(con.execute(query).fetchall())
    with sqlite3.connect(exported) as db:
        expected = dict(db.execute("SELECT license, count(*) FROM entries WHERE kind = 'model' GROUP BY license"))
    assert counts == expected


def test_sqlite_export_opens_in_datasette_with_its_text_search(exported: Path) -> None:
    app = pytest.importorskip("datasette.app", reason="Datasette is a test extra (pip install -e '.[test]')")

    async def ask(path: str) -> Any:
        response = await app.Datasette(files=[str(exported)]).client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    one = asyncio.run(ask("/llmcat/entries.json?id=chatglm-6b&_shape=array&_col=commercial"))
    found = asyncio.run(ask("/llmcat/entries.json?_search=chatglm&_shape=array&_col=id"))
    assert one == [{"id": "chatglm-6b", "commercial": "conditional"}]
    assert "chatglm-6b" in [row["id"] for row in found]


def test_export_writes_a_file_whole_and_refuses_what_cannot_be(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    assert run("export", "--format", "csv", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,kind,name")
    assert run("export", "--format", "sqlite").exit_code == 2
    assert run("export", "--format", "sqlite", "--out", str(tmp_path / "x.db"), "--lang", "zh").exit_code == 2
    assert run("export", str(tmp_path / "a.csv"), "--out", str(tmp_path / "b.csv")).exit_code == 2
    missing = run("export", "--format", "csv", "--out", str(tmp_path / "no" / "such" / "folder.csv"))
    assert missing.exit_code == 1 and "cannot write" in missing.stderr, missing


@pytest.mark.parametrize(("fmt", "name"), [("csv", "export.csv"), ("markdown", "export.md"), ("jsonl", "export.jsonl")])
def test_export_of_the_golden_catalog_is_pinned(
    run: Run, mini_catalog: Callable[[str | None], Path], fmt: str, name: str
) -> None:
    from tests.conftest import GOLDEN, update_golden

    result = run("export", "--format", fmt, "--catalog", str(mini_catalog(None)))
    expected = GOLDEN / "export" / name
    if update_golden():
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == expected.read_text(encoding="utf-8"), result
