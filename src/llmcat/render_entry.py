"""Rendering one entry (`show`), a license's page, and lineage trees (`why`) (rich, stdout)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.quantity import format_count
from llmcat.query import Hit, entry_json, lineage_of
from llmcat.render import (
    dump_json,
    dump_yaml,
    plain,
    safe_line,
    stdout_console,
    write,
)
from llmcat.render_query import LABELS, STATUS_STYLE, bilingual, search_table
from llmcat.render_table import Column, fit_columns, table
from llmcat.safetext import safe
from llmcat.thresholds import license_conditions

if TYPE_CHECKING:  # panels (show) and trees (why) are imported by the commands that draw them
    from rich.panel import Panel
    from rich.tree import Tree


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
        Column("mode", [plain(row["mode"]) for row in rows]),
        Column("precision", [plain(row["precision"]) for row in rows]),
        Column("tokens", setting),
        Column("stated GiB", stated),
        Column("estimated GiB", estimated),
        Column(
            "source / note",
            [plain(row.get("source") or row.get("note") or "", style="dim") for row in rows],
            floor=20,
            fills=True,
            fold=True,
        ),
    ]
    title = Text(labels["hardware"] + " / estimates (GiB; a card sold as '24 GB' holds 24 GiB)", style="table.title")
    return Group(title, table(fit_columns(columns, width), narrow=width < 100))


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
    if node.set_aside:
        label.append("  (set aside by override_reason)", style="dim")
    elif not node.propagates:
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
