"""Rendering search results, entries and lineage trees (rich, stdout)."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from llmcat import lineage
from llmcat.quantity import format_count
from llmcat.query import Hit
from llmcat.render import (
    dump_yaml,
    json_line,
    plain,
    safe_line,
    stdout_console,
    stream_is_unicode,
    write,
)

if TYPE_CHECKING:  # panels (show) and trees (why) are imported by the commands that draw them
    pass

from llmcat.render_table import Column, fit_columns, line_table, plain_table, table
from llmcat.safetext import safe

VERDICT_FLOOR = len("conditional (3) [own: yes]:…")
STATUS_STYLE = {"yes": "green", "conditional": "yellow", "no": "red", "unknown": "magenta"}
LABELS = {
    "en": {
        "summary": "Summary",
        "facts": "Key facts",
        "license": "Licenses",
        "verdict": "Commercial use",
        "lineage": "Lineage",
        "hardware": "Stated hardware",
        "links": "Links",
        "sources": "Sources",
        "notes": "Notes",
        "history": "History",
        "conditions": "Conditions",
        "obligations": "Obligations",
        "caveats": "Caveats",
        "built_on": "Built on",
        "used_by": "Used by",
    },
    "zh": {
        "summary": "简介",
        "facts": "要点",
        "license": "许可证",
        "verdict": "商用判断",
        "lineage": "谱系",
        "hardware": "官方硬件需求",
        "links": "链接",
        "sources": "来源",
        "notes": "备注",
        "history": "变更记录",
        "conditions": "条件",
        "obligations": "义务",
        "caveats": "注意",
        "built_on": "基于",
        "used_by": "被使用于",
    },
}


def ui_language(choice: str | None) -> str:
    """--lang-ui, else Chinese when the locale is Chinese, else English."""
    if choice:
        return choice
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


def bilingual(value: dict[str, str] | None, lang: str) -> str:
    if not value:
        return ""
    return value.get(lang) or value.get("en", "")


def deciding_conditions(verdict: lineage.Verdict) -> list[dict[str, str]]:
    """The conditions that make a verdict conditional (not every clause of every license)."""
    return [c for c in verdict.conditions if c.get("status") == verdict.effective] or verdict.conditions


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def verdict_cell(verdict: lineage.Verdict, lang: str) -> Text:
    """One line: the verdict, how many deciding conditions, the entry's own verdict where the
    lineage changed it, then the first deciding condition (cut to the column by the table)."""
    text = Text(verdict.effective, style=STATUS_STYLE.get(verdict.effective, ""))
    deciding = deciding_conditions(verdict) if verdict.effective == "conditional" else []
    if len(deciding) > 1:
        text.append(f" ({len(deciding)})")
    if verdict.declared != verdict.effective:
        text.append(f" [own: {verdict.declared}]", style="dim")
    if deciding:
        text.append(": " + safe_line(shorten(bilingual(deciding[0], lang), 200)))
    return text


def _row(hit: Hit) -> dict[str, str]:
    r = hit.record
    return {
        "id": r["id"],
        "kind": r["kind"],
        "name": r.get("name", ""),
        "params": format_count(r.get("params")),
        "languages": ",".join(r.get("languages", [])),
        "langs_short": _short_languages(r.get("languages", [])),
        "license": lineage.license_id(r, hit.verdict.as_of) or "",
        "commercial": hit.verdict.effective,
        "conditions": "; ".join(c["en"] for c in deciding_conditions(hit.verdict))
        if hit.verdict.effective == "conditional"
        else "",
        "released": r.get("released", ""),
    }


def _short_languages(tags: Sequence[str]) -> str:
    return ",".join(tags) if len(tags) <= 4 else ",".join(tags[:3]) + f" +{len(tags) - 3}"


def search_table(hits: Sequence[Hit], lang: str, extra_columns: Sequence[tuple[str, str, int]] = ()) -> None:
    """One line per entry, laid out by `fit_columns`; fixed widths also spare rich from
    measuring every cell, most of the cost of printing a table. ``extra_columns`` are (title,
    key in ``Hit.extra``, drop order: 0 never, else after the standard columns, lowest first).
    Output that is not a terminal gets the same layout as plain text, cells as strings (no
    styles to carry: at 25,000 rows that is most of the time saved)."""
    console = stdout_console()
    styled = console.is_terminal
    cell: Any = plain if styled else safe
    rows: list[dict[str, str]] = []
    verdicts: list[Text | str] = []
    for hit in hits:
        rows.append(_row(hit))
        verdict = verdict_cell(hit.verdict, lang)
        verdicts.append(verdict if styled else verdict.plain)
        hit.release()  # its cells are all the table needs of it
    columns = [
        Column("id", [cell(r["id"]) for r in rows], style="bold"),
        # Never dropped where kinds mix (which rows are models must be plain at any width).
        Column("kind", [cell(r["kind"]) for r in rows], drop=0 if len({r["kind"] for r in rows}) > 1 else 1),
        Column("params", [cell(r["params"]) for r in rows], justify="right", drop=5),
        Column("languages", [cell(r["langs_short"]) for r in rows], floor=9, drop=4),
        Column("license", [cell(r["license"]) for r in rows], floor=10, drop=3),
        Column("commercial", verdicts, floor=VERDICT_FLOOR, fills=True),
        *(
            Column(title, [cell(hit.extra.get(key, "")) for hit in hits], drop=drop)
            for title, key, drop in extra_columns
        ),
        Column("released", [cell(r["released"]) for r in rows], drop=2),
    ]
    fitted = fit_columns(columns, console.width)
    if styled:
        console.print(line_table(fitted, narrow=console.width < 100), soft_wrap=True)
    else:
        write(plain_table(fitted, narrow=console.width < 100))


Extra = Sequence[tuple[str, str, int]]  # (title, key in Hit.extra, drop order), as search_table takes


def _flat_row(hit: Hit, extra_columns: Extra) -> dict[str, str]:
    row = _row(hit)
    row.update({title: str(hit.extra.get(key, "")) for title, key, _ in extra_columns})
    return row


def search_csv(hits: Sequence[Hit], extra_columns: Extra = ()) -> None:
    import csv

    buffer = io.StringIO()
    rows = [_flat_row(h, extra_columns) for h in hits]
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: safe(value) for key, value in row.items()} for row in rows)
    write(buffer.getvalue())


def search_markdown(hits: Sequence[Hit], extra_columns: Extra = ()) -> None:
    columns = ["id", "kind", "params", "languages", "license", "commercial", "released"]
    columns += [title for title, _, _ in extra_columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in (_flat_row(h, extra_columns) for h in hits):
        if row["commercial"] == "conditional" and row["conditions"]:
            row["commercial"] += f" ({row['conditions']})"
        lines.append("| " + " | ".join(safe_line(row[c]).replace("|", "\\|") for c in columns) + " |")
    write("\n".join(lines))


def search_yaml(hits: Sequence[Hit], extra_columns: Extra = ()) -> None:

    write(dump_yaml([h.to_json() for h in hits]))


def search_json(hits: Sequence[Hit], extra_columns: Extra = ()) -> None:
    """A JSON list with one compact entry per line, each assembled from the stored texts
    (`Hit.json_text`): tens of thousands of hits are never decoded nor encoded by Python's
    pure-Python indenting encoder (2.4 s for 15,740 hits at 100k entries, README)."""
    if not hits:
        write("[]")
        return
    out = sys.stdout
    unicode = stream_is_unicode()
    encoded: dict[Any, str] = {}  # extras the hits share (`fit`), encoded once
    out.write("[\n")
    last = len(hits) - 1
    for number, hit in enumerate(hits):
        out.write("  " + json_line(hit.json_text(encoded), unicode) + (",\n" if number < last else "\n"))
    out.write("]\n")


# The machine formats of a list of hits, shared by search, show and fit: one registry, one meaning
# of --format (and --json is --format json). The table is drawn by `search_table`.
HIT_FORMATS: dict[str, Callable[[Sequence[Hit], Extra], None]] = {
    "json": search_json,
    "csv": search_csv,
    "markdown": search_markdown,
    "yaml": search_yaml,
}
FORMATS = ("table", *HIT_FORMATS)


def write_hits(hits: Sequence[Hit], fmt: str, lang: str, extra_columns: Extra = ()) -> None:
    if fmt == "table":
        search_table(hits, lang, extra_columns)
    else:
        HIT_FORMATS[fmt](hits, extra_columns)


# --- cache ------------------------------------------------------------------------------


def cache_table(folder: str, databases: Sequence[Any], network: Sequence[Any] = ()) -> None:
    """The catalog databases in the cache folder (catalog root, entries, size, age) and the
    network result files."""
    import time

    console = stdout_console()
    console.print(Text(safe(f"cache folder: {folder}"), style="bold"))
    if not databases:
        console.print(Text("no catalog database yet: the first query writes one"))
    else:
        now = time.time()
        columns = [
            Column(
                "catalog",
                [plain(c.root + ("" if c.exists else "  (gone: --prune removes it)")) for c in databases],
                fills=True,
                fold=True,
            ),
            Column("entries", [plain(f"{c.entries:,}") for c in databases], justify="right"),
            Column("size", [plain(f"{c.size / 1e6:.1f} MB") for c in databases], justify="right"),
            Column("built", [plain(_age(now - c.built)) for c in databases], justify="right"),
        ]
        console.print(table(fit_columns(columns, console.width), narrow=console.width < 100))
    for item in network:
        console.print(
            plain(
                f"network results ({item.name}): {item.results:,}, {item.expired:,} expired, {item.size / 1e6:.1f} MB"
            )
        )


def _age(seconds: float) -> str:
    for unit, span in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= span:
            return f"{seconds / span:.0f} {unit} ago"
    return f"{max(seconds, 0):.0f} s ago"
