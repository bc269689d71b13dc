"""How tables and key/value sections are laid out at any terminal width."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from llmcat.render_entry import KeyValues
from llmcat.render_query import VERDICT_FLOOR
from llmcat.render_table import Column, fit_columns
from tests.conftest import Result

Run = Callable[..., Result]


def _table_lines(out: str) -> list[str]:
    """Body lines of a search table: the header and, on wide terminals, the rule dropped."""
    lines = out.splitlines()
    return lines[2:] if lines[1].startswith("─") else lines[1:]


@pytest.mark.parametrize("width", [50, 60, 80, 100, 120, 200])  # the longest id is 30 characters
def test_search_table_is_one_line_per_entry_with_ids_whole(run: Run, width: int) -> None:
    ids = [h["id"] for h in json.loads(run("search", "--lang", "zh", "--commercial", "--json").stdout)]
    out = run("search", "--lang", "zh", "--commercial", env={"COLUMNS": str(width)}).stdout
    lines = _table_lines(out)
    assert [line.split()[0] for line in lines] == ids
    assert max(cell_len(line) for line in out.splitlines()) <= width


def test_search_table_drops_the_least_vital_columns_first(run: Run) -> None:
    def header(width: int) -> list[str]:
        return run("search", "--lang", "zh", "--commercial", env={"COLUMNS": str(width)}).stdout.split("\n")[0].split()

    assert header(160) == ["id", "kind", "params", "languages", "license", "commercial", "released"]
    assert header(80) == ["id", "kind", "params", "commercial"]  # kinds mix: kind stays
    assert header(46)[:2] == ["id", "kind"] and header(46)[2].startswith("comm")  # the longest id is 30 characters


def test_search_table_shows_when_the_lineage_lowered_the_verdict(run: Run) -> None:
    out = run("search", "luotuo-translated-alpaca", env={"COLUMNS": "120"}).stdout
    assert "no [own: yes]" in out


def test_fit_keeps_precision_and_memory_on_narrow_terminals(run: Run) -> None:
    out = run("fit", "--vram", "24", env={"COLUMNS": "60"}).stdout
    assert out.split("\n")[0].split() == ["id", "commercial", "at", "GiB"]


def _column(title: str, natural: int, *, floor: int = 0, drop: int = 0, fills: bool = False) -> Column:
    return Column(title, [Text("x" * natural)], floor=floor, drop=drop, fills=fills)


@pytest.mark.parametrize(
    ("id_width", "width", "expected"),
    [
        (10, 100, [("id", 10), ("commercial", 76), ("released", 10)]),  # the verdict takes the rest
        (30, 40, [("id", 30), ("commercial", 8)]),  # drops what it may, then the verdict gives way
    ],
    ids=["room-to-spare", "too-narrow"],
)
def test_fit_columns_keeps_ids_whole_and_fills_with_the_verdict(
    id_width: int, width: int, expected: list[tuple[str, int]]
) -> None:
    columns = [
        _column("id", id_width),
        _column("commercial", 200, floor=VERDICT_FLOOR, fills=True),
        _column("released", 10, drop=1),
    ]
    assert [(c.title, c.size) for c in fit_columns(columns, width)] == expected


def _render(renderable: KeyValues, width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, highlight=False).print(renderable)
    return out.getvalue().splitlines()


def test_key_values_wrap_under_the_value_column() -> None:
    section = KeyValues("Facts")
    section.add_row("org", Text("word " * 30))
    section.add_row("family", Text("short"))
    lines = _render(section, 50)
    assert lines[0] == "Facts"
    assert lines[1].startswith("org     word")
    assert all(line.startswith(" " * 8 + "word") for line in lines[2:-1])
    assert lines[-1] == "family  short"
    assert max(cell_len(line) for line in lines) <= 50
    assert all(line == line.rstrip() for line in lines)


def test_key_values_stack_on_terminals_too_narrow_for_two_columns() -> None:
    section = KeyValues("Facts")
    section.add_row("a-rather-long-key", Text("value"))
    assert _render(section, 30) == ["Facts", "a-rather-long-key", "  value"]


def test_key_values_show_keys_literally() -> None:
    section = KeyValues("Links")
    section.add_row("[red]x\x1b[2J", Text("v"))
    assert _render(section, 60)[1].startswith("[red]x\\u001b[2J")


def test_a_table_keeps_the_cells_of_its_hits_not_their_decoded_records(capsys: pytest.CaptureFixture[str]) -> None:
    from llmcat import query, render_query, store
    from tests.conftest import CATALOG

    hits = query.search(store.open_catalog(CATALOG), query.Query(text="chat"))
    render_query.search_table(hits, "en")
    shown = capsys.readouterr().out
    assert len(hits) > 10 and all(hit.record["id"] in shown for hit in hits)  # decoded again on demand
    fresh = query.search(store.open_catalog(CATALOG), query.Query(text="chat"))
    render_query.search_table(fresh, "en")
    assert not any(hit._record or hit._verdict for hit in fresh)  # a table of 56,000 fits: 880 -> 355 MB
