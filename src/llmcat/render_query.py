"""Rendering search results, entries and lineage trees (rich, stdout)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.quantity import format_count
from llmcat.query import Hit, entry_json, lineage_of
from llmcat.render import dump_json, plain, safe, safe_line, stdout_console, write

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


def verdict_cell(verdict: lineage.Verdict, lang: str, width: int = 60) -> Text:
    text = Text(verdict.effective, style=STATUS_STYLE.get(verdict.effective, ""))
    deciding = deciding_conditions(verdict)
    if verdict.effective == "conditional" and deciding:
        text.append(": " + shorten(safe_line(bilingual(deciding[0], lang)), width))
        if len(deciding) > 1:
            text.append(f" (+{len(deciding) - 1})")
    if verdict.declared != verdict.effective:
        text.append(f" [own: {verdict.declared}]", style="dim")
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


def search_table(hits: Sequence[Hit], lang: str, extra_columns: Sequence[tuple[str, str]] = ()) -> None:
    """A table that keeps the id column whole on narrow terminals; less vital columns go first."""
    console = stdout_console()
    narrow = console.width < 100
    table = Table(show_lines=False, pad_edge=False, expand=False, box=None if narrow else box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, style="bold")
    wide_only = not narrow and not extra_columns
    if wide_only:
        table.add_column("kind", no_wrap=True)
    table.add_column("params", justify="right", no_wrap=True)
    table.add_column("languages", no_wrap=True, overflow="ellipsis", max_width=18)
    if not narrow:
        table.add_column("license", no_wrap=True, overflow="ellipsis", max_width=24)
    table.add_column("commercial", overflow="fold", min_width=12)
    for title, _ in extra_columns:
        table.add_column(title, no_wrap=True)
    if wide_only:
        table.add_column("released", no_wrap=True)
    for hit in hits:
        row = _row(hit)
        cells: list[RenderableType] = [plain(row["id"])]
        if wide_only:
            cells.append(plain(row["kind"]))
        cells += [plain(row["params"]), plain(row["langs_short"])]
        if not narrow:
            cells.append(plain(row["license"]))
        cells.append(verdict_cell(hit.verdict, lang, 40 if narrow else 60))
        cells.extend(plain(hit.extra.get(key, "")) for _, key in extra_columns)
        if wide_only:
            cells.append(plain(row["released"]))
        table.add_row(*cells)
    console.print(table)


def search_csv(hits: Sequence[Hit]) -> None:
    buffer = io.StringIO()
    rows = [_row(h) for h in hits]
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write(buffer.getvalue())


def search_markdown(hits: Sequence[Hit]) -> None:
    columns = ["id", "kind", "params", "languages", "license", "commercial", "released"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in (_row(h) for h in hits):
        if row["commercial"] == "conditional" and row["conditions"]:
            row["commercial"] += f" ({row['conditions']})"
        lines.append("| " + " | ".join(safe_line(row[c]).replace("|", "\\|") for c in columns) + " |")
    write("\n".join(lines))


def search_json(hits: Sequence[Hit]) -> None:
    write(dump_json([h.to_json() for h in hits]))


# --- show -------------------------------------------------------------------------------


def show_entry(
    catalog: Catalog, record: Record, verdict: lineage.Verdict, lang: str, hardware_rows: Sequence[dict[str, Any]] = ()
) -> None:
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
        console.print(_hardware(hardware_rows, labels))
    console.print(_links_and_sources(record, labels))


def _kv_table(title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    return table


def _facts(record: Record, labels: dict[str, str]) -> Table:
    table = _kv_table(labels["facts"])
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
    for key in ("params", "training_tokens"):
        if record.get(key):
            table.add_row(key, plain(f"{format_count(record[key])} ({record[key]:,})"))
    for key in ("aliases", "languages", "tags", "generated_by", "stages", "methods", "supports"):
        if record.get(key):
            table.add_row(key, plain(", ".join(record[key])))
    if record.get("size"):
        table.add_row("size", plain(", ".join(f"{k} {format_count(v)}" for k, v in record["size"].items())))
    if record.get("config"):
        table.add_row("config", plain(", ".join(f"{k}={v}" for k, v in record["config"].items())))
    return table


def _licenses(catalog: Catalog, record: Record, verdict: lineage.Verdict, lang: str) -> Table:
    labels = LABELS[lang]
    table = _kv_table(labels["license"])
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
    return Panel(Group(*parts), title=labels["verdict"], title_align="left")


def _lineage(console: Any, catalog: Catalog, record: Record, labels: dict[str, str]) -> None:
    family = lineage_of(catalog, record["id"])
    if not family["ancestors"] and not family["derived"]:
        return
    table = _kv_table(labels["lineage"])
    if family["ancestors"]:
        table.add_row(labels["built_on"], plain(", ".join(family["ancestors"])))
    if family["derived"]:
        table.add_row(labels["used_by"], plain(", ".join(family["derived"])))
    console.print(table)


def _hardware(rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> Table:
    table = Table(title=labels["hardware"] + " / estimates", title_justify="left", pad_edge=False)
    for column in ("mode", "precision", "stated GB", "estimated GB", "source / note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        stated = "" if row.get("stated_gb") is None else f"{row['stated_gb']:g}"
        if row.get("gpus"):
            stated = f"{row['gpus']} x {stated} per GPU"
        estimate = "" if row.get("estimated_gb") is None else f"~{row['estimated_gb']:.1f} (estimate)"
        table.add_row(
            plain(row["mode"]),
            plain(row["precision"]),
            plain(stated),
            plain(estimate),
            plain(row.get("source") or row.get("note") or "", style="dim"),
        )
    return table


def _links_and_sources(record: Record, labels: dict[str, str]) -> Table:
    table = _kv_table(labels["links"] + " / " + labels["sources"])
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


def show_family(name: str, hits: Sequence[Hit], lang: str) -> None:
    console = stdout_console()
    console.print(Text(safe(f"'{name}' is a family or project with {len(hits)} entries:"), style="bold"))
    search_table(hits, lang)


def show_json(record: Record, verdict: lineage.Verdict, extra: dict[str, Any] | None = None) -> None:
    write(dump_json(entry_json(record, verdict, extra)))


# --- why --------------------------------------------------------------------------------


def why_tree(node: lineage.Node, lang: str) -> None:
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
