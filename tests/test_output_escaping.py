"""Every output format escapes what must not reach a terminal raw: escape sequences, BEL,
OSC (a hyperlink or title), bidi overrides, zero-width characters; markdown cells also keep
their table intact (`|` and newlines)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import Result

Run = Callable[..., Result]

HOSTILE = "Evil\x1b[31m \x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u202edrow\u200b | a\nb"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202e]")


def _quoted(text: str) -> str:
    return json.dumps(text)  # a YAML double-quoted scalar can hold any JSON string


@pytest.fixture
def hostile_catalog(mini_catalog: Callable[[str | None], Path]) -> Path:
    root = mini_catalog(None)
    (root / "models" / "evil-7b.yaml").write_text(
        "id: evil-7b\nkind: model\n"
        f"name: {_quoted(HOSTILE)}\norganization: {_quoted(HOSTILE)}\n"
        "summary:\n  en: A model used by a test.\n  zh: 测试使用的模型。\n"
        "languages: [en]\nparams: 7B\nlicense:\n  weights: evil-license\n"
        "sources:\n  - url: https://example.org/model\n    primary: true\n    about: [params]\n",
        encoding="utf-8",
    )
    (root / "licenses" / "evil-license.yaml").write_text(
        "id: evil-license\nkind: license\nname: Evil License\nspdx: LicenseRef-Evil\nurl: https://example.org/license\n"
        "commercial: conditional\n"
        f"conditions:\n  - en: {_quoted(HOSTILE)}\n    zh: 需要登记。\n"
        "summary:\n  en: A license used by a test.\n  zh: 测试使用的许可证。\n"
        "sources:\n  - url: https://example.org/license\n    primary: true\n    about: [commercial]\n",
        encoding="utf-8",
    )
    return root


def _refused(result: Result, run: Run, catalog: Path) -> bool:
    """Whether the catalog was refused, for the hostile text only: a validator that rejects such
    text protects the terminal too. Any other refusal is a broken test catalog."""
    if result.exit_code != 1 or "error(s)" not in result.stderr:
        return False
    report = json.loads(run("validate", "--format", "json", "--catalog", str(catalog)).stdout)
    fields = {p["field"] for p in report["problems"]}
    assert fields <= {"name", "organization", "conditions[0].en"}, report
    return True


@pytest.mark.parametrize(
    "args",
    [
        ["search"],
        ["search", "--format", "csv"],
        ["search", "--format", "markdown"],
        ["search", "--format", "yaml"],
        ["search", "--json"],
        ["show", "evil-7b"],
        ["show", "evil-7b", "--json"],
        ["why", "evil-7b"],
        ["why", "evil-7b", "--json"],
    ],
)
def test_no_format_writes_control_bidi_or_zero_width_characters_raw(
    args: list[str], hostile_catalog: Path, run: Run
) -> None:
    result = run(*args, "--catalog", str(hostile_catalog))
    assert not RAW.search(result.stdout) and not RAW.search(result.stderr), result
    if _refused(result, run, hostile_catalog):
        return
    assert result.exit_code == 0, result
    assert "\\u001b" in result.stdout or "\\e" in result.stdout or args[0] == "why", result
    assert "\\u202e" in result.stdout.lower() or args[0] == "why", result


def test_machine_formats_keep_the_text_exact(hostile_catalog: Path, run: Run) -> None:
    found = run("search", "--json", "--catalog", str(hostile_catalog))
    if _refused(found, run, hostile_catalog):
        return
    entry = next(h for h in json.loads(found.stdout) if h["id"] == "evil-7b")
    assert entry["name"] == HOSTILE  # JSON escapes are lossless
    listed = yaml.safe_load(run("search", "--format", "yaml", "--catalog", str(hostile_catalog)).stdout)
    assert next(h for h in listed if h["id"] == "evil-7b")["name"] == HOSTILE


def test_markdown_cells_keep_the_table_intact(hostile_catalog: Path, run: Run) -> None:
    shown = run("search", "--format", "markdown", "--catalog", str(hostile_catalog))
    if _refused(shown, run, hostile_catalog):
        return
    lines = shown.stdout.splitlines()
    row = next(line for line in lines if line.startswith("| evil-7b "))
    assert len(lines) == 5 and "a b" in row  # one line per entry: the newline became a space
    assert row.count("|") - row.count("\\|") == 8  # seven cells; the text's `|` is escaped


# The line and paragraph separators and the Arabic letter mark: not caught by a plain
# control-character class, refused by validation and escaped by output like the rest.
SEPARATORS = "line\u2028next\u2029para \u061cmark"


def test_validation_refuses_the_characters_output_escapes(mini_catalog: Callable[[str | None], Path], run: Run) -> None:
    root = mini_catalog(None)
    entry = root / "models" / "base-7b.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("en: A base model used by the golden tests.", f"en: {_quoted(SEPARATORS)}"), "utf-8")
    result = run("validate", "--catalog", str(root), "--format", "json")
    assert result.exit_code == 1, result
    assert [p["field"] for p in json.loads(result.stdout)["problems"]] == ["summary.en"]


def test_json_from_stored_texts_escapes_what_a_tampered_database_holds(
    mini_catalog: Callable[[str | None], Path], run: Run
) -> None:
    import sqlite3

    from llmcat.database import plain
    from llmcat.fsutil import cache_dir

    root = mini_catalog(None)
    assert run("search", "--catalog", str(root)).exit_code == 0  # builds the database
    (database,) = cache_dir().glob("catalog-*.sqlite")
    with sqlite3.connect(database) as conn:
        (record,) = conn.execute("SELECT record FROM entries WHERE id = 'base-7b'").fetchone()
        tampered = json.dumps({**json.loads(record), "name": SEPARATORS}, ensure_ascii=False)
        verdict = conn.execute("SELECT verdict FROM entries WHERE id = 'base-7b'").fetchone()[0]
        conn.execute(
            "UPDATE entries SET record = ?, plain = ? WHERE id = 'base-7b'", (tampered, plain(tampered, verdict))
        )
        flags = dict(conn.execute("SELECT id, plain FROM entries"))
    assert flags.pop("base-7b") == 0 and set(flags.values()) == {1}  # only its texts need the escaping pass
    for args in (["search", "--json"], ["fit", "--vram", "80", "--json"]):
        found = run(*args, "--catalog", str(root))
        assert found.exit_code == 0 and not RAW.search(found.stdout), found
        assert not re.search("[\u2028\u2029\u061c]", found.stdout) and "\\u2028" in found.stdout, found
        assert next(h for h in json.loads(found.stdout) if h["id"] == "base-7b")["name"] == SEPARATORS
