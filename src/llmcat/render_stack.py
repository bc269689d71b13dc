"""Rendering a stack's compliance bill (`llmcat stack`)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from llmcat import lineage
from llmcat.render import plain, stdout_console
from llmcat.render_query import LABELS, STATUS_STYLE, bilingual
from llmcat.safetext import safe
from llmcat.stack import Bill, Term

STACK_LABELS = {
    "en": {"title": "Stack", "deciding": "decided by", "licenses": "License texts to ship"},
    "zh": {"title": "技术栈", "deciding": "决定于", "licenses": "需随产品附带的许可证文本"},
}


def stack_text(stack: Bill, lang: str) -> None:
    labels = {**LABELS[lang], **STACK_LABELS[lang]}
    console = stdout_console()
    head = Text(stack.effective, style="bold " + STATUS_STYLE.get(stack.effective, ""))
    head.append(safe(f"  ({labels['deciding']}: {', '.join(stack.deciding)})"), style="dim")
    parts: list[RenderableType] = [head]
    parts.extend(plain("  because " + reason.text) for reason in stack.reasons)
    for entry in stack.entries:
        verdict = stack.verdicts[entry["id"]]
        line = Text(safe(f"{entry['id']} ({entry['kind']}): "))
        line.append(verdict.effective, style=STATUS_STYLE.get(verdict.effective, ""))
        line.append(safe(f"  own license {verdict.declared}"), style="dim")
        parts.append(line)
    parts.extend(_terms(labels["conditions"], stack.conditions, lang))
    parts.extend(_terms(labels["obligations"], stack.obligations, lang))
    if stack.licenses:
        parts.append(Text(labels["licenses"] + ":", style="bold"))
        parts.extend(
            plain(f"  - {lic['name']} ({lic['spdx']}) {lic.get('url', '')}".rstrip()) for lic in stack.licenses
        )
    parts.append(Text(lineage.DISCLAIMER, style="dim italic"))
    console.print(Panel(Group(*parts), title=Text(labels["title"] + ": " + labels["verdict"]), title_align="left"))


def _terms(title: str, terms: list[Term], lang: str) -> list[RenderableType]:
    if not terms:
        return []
    rows: list[RenderableType] = [Text(title + ":", style="bold")]
    for term in terms:
        text = bilingual({"en": term.en, "zh": term.zh}, lang)
        rows.append(plain(f"  - {text} [{', '.join(term.licenses)}; {', '.join(term.entries)}]"))
    return rows
