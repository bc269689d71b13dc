"""Rendering search results, entries and lineage trees (rich, stdout)."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.quantity import format_count
from llmcat.query import Hit, entry_json, lineage_of
from llmcat.render import (
    dump_json,
    dump_yaml,
    json_line,
    plain,
    safe,
    safe_line,
    stdout_console,
    stream_is_unicode,
    write,
)
from llmcat.thresholds import license_conditions

if TYPE_CHECKING:  # panels (show) and trees (why) are imported by the commands that draw them
    from rich.panel import Panel
    from rich.tree import Tree

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
    rows = [_row(hit) for hit in hits]
    verdicts = [verdict_cell(hit.verdict, lang) for hit in hits]
    columns = [
        _Column("id", [cell(r["id"]) for r in rows], style="bold"),
        # Never dropped where kinds mix (which rows are models must be plain at any width).
        _Column("kind", [cell(r["kind"]) for r in rows], drop=0 if len({r["kind"] for r in rows}) > 1 else 1),
        _Column("params", [cell(r["params"]) for r in rows], justify="right", drop=5),
        _Column("languages", [cell(r["langs_short"]) for r in rows], floor=9, drop=4),
        _Column("license", [cell(r["license"]) for r in rows], floor=10, drop=3),
        _Column("commercial", verdicts if styled else [v.plain for v in verdicts], floor=VERDICT_FLOOR, fills=True),
        *(
            _Column(title, [cell(hit.extra.get(key, "")) for hit in hits], drop=drop)
            for title, key, drop in extra_columns
        ),
        _Column("released", [cell(r["released"]) for r in rows], drop=2),
    ]
    fitted = fit_columns(columns, console.width)
    if styled:
        console.print(_line_table(fitted, narrow=console.width < 100), soft_wrap=True)
    else:
        write(_plain_table(fitted, narrow=console.width < 100))


def _fitted(cell: Text | str, column: _Column) -> Text:
    """A cell cut (with an ellipsis) or padded to its column's width."""
    if isinstance(cell, str):
        cell = Text(cell)
    if cell.cell_len > column.size:
        cell = cell.copy()
        cell.truncate(column.size, overflow="ellipsis")
    room = column.size - cell.cell_len
    if room <= 0:
        return cell
    if column.justify == "right":
        return Text(" " * room).append_text(cell)
    padded = cell.copy()
    padded.pad_right(room)
    return padded


def _line_table(columns: list[_Column], *, narrow: bool = False) -> Text:
    """The look of `_table` for one-line cells, built as lines of text: rich's Table costs
    ~0.4 ms a row (measuring, wrapping, cropping every cell), 10 s for 25,000 hits, where
    cutting and padding each cell to its known width costs a few microseconds."""
    gap = Text("  ")
    lines = [gap.join(_fitted(Text(c.title, style="table.header"), c) for c in columns)]
    if not narrow:
        lines.append(Text("─" * lines[0].cell_len))
    lines.extend(
        gap.join(_fitted(cell, column) for cell, column in zip(cells, columns, strict=True))
        for cells in zip(*(column.cells for column in columns), strict=True)
    )
    return Text("\n").join(lines)


def _plain_fitted(text: str, column: _Column) -> str:
    width = cell_len(text)
    if width > column.size:  # as Text.truncate(overflow="ellipsis") cuts
        text, width = set_cell_size(text, column.size - 1) + "…", column.size
    pad = " " * (column.size - width)
    return pad + text if column.justify == "right" else text + pad


def _plain_table(columns: list[_Column], *, narrow: bool = False) -> str:
    """`_line_table` as plain text, for output that is not a terminal."""
    lines = ["  ".join(_plain_fitted(c.title, c) for c in columns).rstrip()]
    if not narrow:
        lines.append("─" * cell_len(lines[0]))
    lines.extend(
        "  ".join(
            _plain_fitted(cell if isinstance(cell, str) else cell.plain, column)
            for cell, column in zip(cells, columns, strict=True)
        ).rstrip()
        for cells in zip(*(column.cells for column in columns), strict=True)
    )
    return "\n".join(lines)


def _table(columns: list[_Column], *, narrow: bool = False) -> Table:
    """A table of sized columns under a header rule (no rule and no box on narrow terminals):
    one line per row, except where the filling column may wrap (``fold``)."""
    table = Table(box=None if narrow else box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=not narrow)
    for column in columns:
        justify: Any = column.justify
        table.add_column(
            column.title,
            width=column.size,
            no_wrap=not column.fold,
            overflow="fold" if column.fold else "ellipsis",
            justify=justify,
        )
    for cells in zip(*(column.cells for column in columns), strict=True):
        table.add_row(*cells)
    return table


class _Column:
    """A table column: its cells, the narrowest it may become, when it is dropped (never: 0),
    whether it takes the room the others leave (``fills``) and wraps rather than cuts (``fold``)."""

    def __init__(
        self,
        title: str,
        cells: Sequence[Text | str],
        *,
        floor: int = 0,
        drop: int = 0,
        fills: bool = False,
        fold: bool = False,
        justify: str = "left",
        style: str = "",
    ) -> None:
        self.title = title
        self.cells = cells
        if style:
            for cell in cells:
                if isinstance(cell, Text):
                    cell.stylize(style)
        self.natural = max([cell_len(title), *(c.cell_len if isinstance(c, Text) else cell_len(c) for c in cells)])
        self.floor = min(floor, self.natural) if floor else self.natural
        self.drop = drop
        self.fills = fills
        self.fold = fold
        self.justify = justify
        self.size = self.natural


VERDICT_FLOOR = len("conditional (3) [own: yes]:…")
COLUMN_GAP = 2  # two padding spaces, or one and the box's blank separator


def fit_columns(columns: list[_Column], width: int) -> list[_Column]:
    """The columns to show within ``width``, each given a ``size``.

    Columns are dropped, least vital first, until every kept one fits at its floor; then each
    gets room up to its natural width, left to right, the filling column (the verdict, which
    ends in an ellipsis) last. Columns that are never dropped (the id) are never cut either,
    unless nothing else is left to give way.
    """
    kept = list(columns)
    while True:
        room = width - COLUMN_GAP * (len(kept) - 1)
        droppable = [c for c in kept if c.drop]
        if sum(c.floor for c in kept) <= room or not droppable:
            break
        kept.remove(min(droppable, key=lambda c: c.drop))
    spare = room - sum(c.floor for c in kept)
    for column in sorted(kept, key=lambda c: c.fills):
        column.size = column.floor + max(0, min(spare, column.natural - column.floor))
        spare -= column.size - column.floor
    filling = next((c for c in kept if c.fills), None)
    if spare < 0 and filling:  # nothing left to drop: the filling column gives way
        filling.size = max(filling.size + spare, 3)
    return kept


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


# --- show -------------------------------------------------------------------------------


def show_entry(
    catalog: Catalog, record: Record, verdict: lineage.Verdict, lang: str, hardware_rows: Sequence[dict[str, Any]] = ()
) -> None:
    from rich.panel import Panel

    labels = LABELS[lang]
    console = stdout_console()
    title = Text(safe(record.get("name", record["id"])), style="bold")
    title.append(f"  ({record['id']}, {record['kind']})", style="dim")
    body: list[RenderableType] = [plain(bilingual(record.get("summary"), lang))]
    if record.get("notes"):
        body.append(Text(""))
        body.append(Text(f"{labels['notes']}: ", style="bold") + plain(bilingual(record["notes"], lang)))
    console.print(Panel(Group(*body), title=title, title_align="left"))
    console.print(_facts(record, labels))
    console.print(_licenses(catalog, record, verdict, lang))
    console.print(_verdict_panel(verdict, lang))
    _lineage(console, catalog, record, labels)
    if hardware_rows:
        console.print(_hardware(hardware_rows, labels, console.width))
    console.print(_links_and_sources(record, labels))


class KeyValues:
    """Titled rows of a bold key and a value wrapped in the column after the longest key.

    It looks like a borderless two-column rich Table, at about half the cost to render: the
    values are wrapped once, not measured first, and lines are not padded to the full width.
    """

    MIN_VALUE_WIDTH = 20

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, Text]] = []

    def add_row(self, key: str, value: Text) -> None:
        self.rows.append((safe_line(key), value))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from Text(self.title, style="table.title").render(console)
        yield Segment.line()
        key_width = max((cell_len(key) for key, _ in self.rows), default=0)
        indent = key_width + 2
        side_by_side = options.max_width - indent >= self.MIN_VALUE_WIDTH
        if not side_by_side:
            indent = 2
        key_style = console.get_style("bold")
        for key, value in self.rows:
            if not side_by_side and key:
                yield Segment(key, key_style)
                yield Segment.line()
            lines = value.wrap(console, max(options.max_width - indent, 1), overflow="fold")
            for number, line in enumerate(lines):
                if number == 0 and side_by_side:
                    yield Segment(key, key_style)
                    yield Segment(" " * (indent - cell_len(key)))
                else:
                    yield Segment(" " * indent)
                line.rstrip()
                yield from line.render(console)
                yield Segment.line()


def _facts(record: Record, labels: dict[str, str]) -> KeyValues:
    table = KeyValues(labels["facts"])
    for key in (
        "organization",
        "family",
        "released",
        "status",
        "status_note",
        "replaced_by",
        "architecture",
        "origin",
        "override_reason",
    ):
        if record.get(key):
            table.add_row(key, plain(record[key]))
    if record.get("context_length"):
        table.add_row("context_length", plain(f"{record['context_length']:,} tokens"))
    for key in ("params", "active_params", "training_tokens"):
        if record.get(key):
            table.add_row(key, plain(f"{format_count(record[key])} ({record[key]:,})"))
    for variant in record.get("quantized", []):
        where = variant.get("huggingface") or variant.get("modelscope") or variant.get("url")
        bits = f" {variant['bits']}-bit" if variant.get("bits") else ""
        table.add_row("quantized", plain(f"{variant['format']}{bits}: {where}"))
    for key in ("aliases", "languages", "tags", "stages", "methods", "supports"):
        if record.get(key):
            table.add_row(key, plain(", ".join(record[key])))
    if record.get("generated_by"):
        table.add_row("generated_by", plain("; ".join(map(generator_text, record["generated_by"]))))
    if record.get("size"):
        table.add_row("size", plain(", ".join(f"{k} {format_count(v)}" for k, v in record["size"].items())))
    if record.get("config"):
        table.add_row("config", plain(", ".join(f"{k}={v}" for k, v in record["config"].items())))
    return table


_NAMED = {"product": "product named, model version not stated", "vendor": "only the vendor is named"}


def generator_text(generator: dict[str, str]) -> str:
    """'ChatGPT (product named, model version not stated: <note>)'."""
    said = [part for part in (_NAMED.get(generator.get("named", "model")), generator.get("note")) if part]
    return f"{generator['model']} ({': '.join(said)})" if said else generator["model"]


def _licenses(catalog: Catalog, record: Record, verdict: lineage.Verdict, lang: str) -> KeyValues:
    labels = LABELS[lang]
    table = KeyValues(labels["license"])
    for key, lic in record.get("license", {}).items():
        lic_record = catalog.get(lic) or {}
        status = lic_record.get("commercial", "unknown")
        line = Text(safe(f"{lic} ({lic_record.get('name', '?')}), commercial: "))
        line.append(status, style=STATUS_STYLE.get(status, ""))
        table.add_row(key, line)
        for condition in lic_record.get("conditions", []):
            table.add_row("", plain("- " + bilingual(condition, lang)))
    for change in record.get("license_history", []):
        what = ", ".join(f"{k}: {change[k]}" for k in ("weights", "data", "code") if k in change)
        note = f" ({change['note']})" if change.get("note") else ""
        table.add_row(labels["history"], plain(f"since {change['since']}: {what}{note}"))
        table.add_row("", plain(change["source"], style="dim"))
    return table


def _verdict_panel(verdict: lineage.Verdict, lang: str) -> Panel:
    from rich.panel import Panel

    labels = LABELS[lang]
    head = Text(f"{verdict.effective}", style="bold " + STATUS_STYLE.get(verdict.effective, ""))
    head.append(f"  (own license: {verdict.declared}; policy {verdict.policy}", style="dim")
    head.append(f"; as of {verdict.as_of})" if verdict.as_of else ")", style="dim")
    parts: list[RenderableType] = [head]
    for reason in verdict.reasons:
        parts.append(plain("  because " + reason.text))
    if verdict.override_reason:
        parts.append(plain("  override: " + verdict.override_reason))
    if verdict.conditions:
        parts.append(Text(labels["conditions"] + ":", style="bold"))
        parts.extend(plain("  - " + bilingual(c, lang)) for c in verdict.conditions)
    if verdict.obligations:
        parts.append(Text(labels["obligations"] + ":", style="bold"))
        parts.extend(plain("  - " + bilingual(c, lang)) for c in verdict.obligations)
    if verdict.caveats:
        parts.append(Text(labels["caveats"] + ":", style="bold"))
        parts.extend(plain("  - " + c) for c in verdict.caveats)
    parts.append(Text(lineage.DISCLAIMER, style="dim italic"))
    return Panel(Group(*parts), title=Text(labels["verdict"]), title_align="left")


def _lineage(console: Any, catalog: Catalog, record: Record, labels: dict[str, str]) -> None:
    family = lineage_of(catalog, record["id"])
    if not family["ancestors"] and not family["derived"]:
        return
    table = KeyValues(labels["lineage"])
    if family["ancestors"]:
        table.add_row(labels["built_on"], plain(", ".join(family["ancestors"])))
    if family["derived"]:
        table.add_row(labels["used_by"], plain(", ".join(family["derived"])))
    console.print(table)


def _hardware(rows: Sequence[dict[str, Any]], labels: dict[str, str], width: int) -> Group:
    stated, estimated, setting = [], [], []
    for row in rows:
        figure = "" if row.get("stated_gib") is None else f"{row['stated_gib']:g}"
        if row.get("measured") in ("load", "runs-on"):
            figure += f" ({row['measured']})"
        stated.append(plain(f"{row['gpus']} x {figure} per GPU" if row.get("gpus") else figure))
        estimate = row.get("estimated_gib")
        derived = " from base" if row.get("derived_from_base") else ""
        estimated.append(plain("" if estimate is None else f"~{estimate:.1f}{derived}"))
        tokens = "" if row.get("context") is None else f"{row['context']}"
        setting.append(plain(tokens + (f" x{row['batch']}" if (row.get("batch") or 1) > 1 else "")))
    columns = [
        _Column("mode", [plain(row["mode"]) for row in rows]),
        _Column("precision", [plain(row["precision"]) for row in rows]),
        _Column("tokens", setting),
        _Column("stated GiB", stated),
        _Column("estimated GiB", estimated),
        _Column(
            "source / note",
            [plain(row.get("source") or row.get("note") or "", style="dim") for row in rows],
            floor=20,
            fills=True,
            fold=True,
        ),
    ]
    title = Text(labels["hardware"] + " / estimates (GiB; a card sold as '24 GB' holds 24 GiB)", style="table.title")
    return Group(title, _table(fit_columns(columns, width), narrow=width < 100))


def _links_and_sources(record: Record, labels: dict[str, str]) -> KeyValues:
    table = KeyValues(labels["links"] + " / " + labels["sources"])
    for key, value in record.get("links", {}).items():
        shown = f"https://huggingface.co/{value}" if key == "huggingface" else value
        table.add_row(key, plain(shown))
    for source in record.get("sources", []):
        table.add_row("source", plain(source["url"]))
        detail = "supports: " + ", ".join(source["about"])
        if source.get("note"):
            detail += f" ({source['note']})"
        table.add_row("", plain(detail, style="dim"))
    return table


def show_license(record: Record, verdict: lineage.Verdict, lang: str, users: dict[str, list[str]]) -> None:
    """A license page: names, SPDX id, commercial status, every condition and obligation, what
    it is based on, its text, and the entries that use it directly or inherit it."""
    from rich.panel import Panel

    labels = LABELS[lang]
    console = stdout_console()
    title = Text(safe(record["name"]), style="bold")
    title.append(f"  ({record['id']}, license)", style="dim")
    body: list[RenderableType] = [plain(bilingual(record.get("summary"), lang))]
    if record.get("notes"):
        body += [Text(""), Text(f"{labels['notes']}: ", style="bold") + plain(bilingual(record["notes"], lang))]
    console.print(Panel(Group(*body), title=title, title_align="left"))
    facts = KeyValues(labels["facts"])
    facts.add_row("spdx", plain(record["spdx"]))
    status = record["commercial"]
    facts.add_row("commercial", Text(status, style=STATUS_STYLE.get(status, "")))
    for key in ("url", "based_on"):
        if record.get(key):
            facts.add_row(key, plain(record[key]))
    for key in ("hub_ids", "applies_to_outputs_of"):
        if record.get(key):
            facts.add_row(key, plain(", ".join(record[key])))
    console.print(facts)
    terms = KeyValues(labels["license"])
    for label, items in (
        (labels["conditions"], license_conditions(record)),
        (labels["obligations"], record.get("obligations", [])),
    ):
        for number, item in enumerate(items):
            terms.add_row(label if number == 0 else "", plain("- " + bilingual(item, lang)))
    if terms.rows:
        console.print(terms)
    console.print(_license_users(users, labels))
    console.print(_links_and_sources(record, labels))
    console.print(Text(lineage.DISCLAIMER, style="dim italic"))
    del verdict  # the license's own status is its verdict; shown above


def license_use_counts(users: dict[str, list[str]]) -> str:
    direct, inherited = len(users["direct"]), len(users["inherited"])
    return f"{direct} entr{'y' if direct == 1 else 'ies'} use it directly, {inherited} more inherit it through their lineage"


def _license_users(users: dict[str, list[str]], labels: dict[str, str]) -> KeyValues:
    table = KeyValues(labels["used_by"])
    table.add_row("", plain(license_use_counts(users)))
    if users["direct"]:
        table.add_row("directly", plain(", ".join(users["direct"])))
    if users["inherited"]:
        table.add_row("inherited", plain(", ".join(users["inherited"])))
    if users["history"]:
        table.add_row("history", plain(", ".join(users["history"]) + " (named in license_history)"))
    if users["based_on_it"]:
        table.add_row("based on it", plain(", ".join(users["based_on_it"])))
    return table


def why_license(record: Record, users: dict[str, list[str]]) -> None:
    """`why` on a license: what it decides, in one line, instead of a tree."""
    status = record["commercial"]
    line = Text(safe(f"{record['id']} is a license, not an entry with a lineage: it says commercial use "))
    line.append(status, style=STATUS_STYLE.get(status, ""))
    line.append(safe(f" for what it governs; {license_use_counts(users)}. `llmcat why ENTRY` shows an entry's tree."))
    stdout_console().print(line)


def show_family(name: str, hits: Sequence[Hit], lang: str) -> None:
    console = stdout_console()
    console.print(Text(safe(f"'{name}' is a family or project with {len(hits)} entries:"), style="bold"))
    search_table(hits, lang)


def show_json(record: Record, verdict: lineage.Verdict, extra: dict[str, Any] | None = None) -> None:
    write(dump_json(entry_json(record, verdict, extra)))


def show_yaml(record: Record, verdict: lineage.Verdict, extra: dict[str, Any] | None = None) -> None:

    write(dump_yaml(entry_json(record, verdict, extra)))


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
            _Column(
                "catalog",
                [plain(c.root + ("" if c.exists else "  (gone: --prune removes it)")) for c in databases],
                fills=True,
                fold=True,
            ),
            _Column("entries", [plain(f"{c.entries:,}") for c in databases], justify="right"),
            _Column("size", [plain(f"{c.size / 1e6:.1f} MB") for c in databases], justify="right"),
            _Column("built", [plain(_age(now - c.built)) for c in databases], justify="right"),
        ]
        console.print(_table(fit_columns(columns, console.width), narrow=console.width < 100))
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


# --- why --------------------------------------------------------------------------------


def why_tree(node: lineage.Node, lang: str) -> None:
    from rich.tree import Tree

    console = stdout_console()
    tree = Tree(_node_label(node))
    _grow(tree, node)
    console.print(tree)
    console.print(Text(lineage.DISCLAIMER, style="dim italic"))


def _node_label(node: lineage.Node) -> Text:
    label = Text()
    if node.role != "entry":
        label.append(f"{node.role}: ", style="dim")
    label.append(safe(node.id), style="bold")
    if node.kind not in ("missing", "generator"):
        label.append(f" ({node.kind})", style="dim")
    lic = f" license {node.license}" if node.license else ""
    label.append(safe(lic) + " -> own ")
    label.append(node.declared, style=STATUS_STYLE.get(node.declared, ""))
    if node.effective != node.declared:
        label.append(", effective ")
        label.append(node.effective, style=STATUS_STYLE.get(node.effective, ""))
    if not node.propagates:
        label.append(
            "  (caveat only, does not lower the verdict)"
            if node.effective == "unknown"
            else "  (does not lower the verdict)",
            style="dim",
        )
    if node.decisive:
        label.append("  <- decides the verdict", style="bold red")
    if node.override_reason:
        label.append(safe(f"  override: {node.override_reason}"), style="italic")
    return label


def _grow(tree: Tree, node: lineage.Node) -> None:
    for child in node.children:
        branch = tree.add(_node_label(child))
        _grow(branch, child)
