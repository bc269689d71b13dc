"""`llmcat export`: the catalog as a file for other tools (CSV, JSON Lines, Markdown, SQLite)."""

from __future__ import annotations

import os
import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import (
    AsOfOpt,
    CatalogOpt,
    CommercialOpt,
    FamilyOpt,
    KindOpt,
    LangOpt,
    LangUiOpt,
    LicenseOpt,
    NoCacheOpt,
    NoConditionsOpt,
    OrgOpt,
    ParamsOpt,
    Policy,
    PolicyOpt,
    StatusOpt,
    TagOpt,
    build_query,
    handles_errors,
    open_for_query,
)
from llmcat.problems import LlmcatError, UsageError


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    markdown = "markdown"
    sqlite = "sqlite"


OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write to this file (replaced whole) instead of stdout.", dir_okay=False)
]


@app.command()
@handles_errors
def export(
    path: Annotated[Path | None, typer.Argument(help="Same as --out.", dir_okay=False, show_default=False)] = None,
    output_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv and jsonl: every field and the verdicts; markdown: an awesome-list document; "
            "sqlite: the catalog database (docs/database.md), a file only.",
        ),
    ] = ExportFormat.csv,
    out: OutOpt = None,
    lang: LangOpt = None,
    commercial: CommercialOpt = False,
    no_conditions: NoConditionsOpt = False,
    kind: KindOpt = None,
    license_id: LicenseOpt = None,
    org: OrgOpt = None,
    tag: TagOpt = None,
    family: FamilyOpt = None,
    params: ParamsOpt = None,
    status: StatusOpt = None,
    as_of: AsOfOpt = None,
    policy: PolicyOpt = Policy.strict,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write the catalog, or the entries that pass search's filters, for other tools."""
    target = _target(path, out)
    filtered = any([lang, commercial, no_conditions, kind, license_id, org, tag, family, params, status, as_of])
    if output_format == ExportFormat.sqlite:
        if target is None:
            raise UsageError("--format sqlite writes a database file: give --out FILE")
        if filtered or policy != Policy.strict:
            raise UsageError("--format sqlite holds the whole catalog; the filters apply to csv, jsonl and markdown")
        _export_sqlite(target, catalog)
        return
    from llmcat import export as formats
    from llmcat import query
    from llmcat.render_query import ui_language

    cat = open_for_query(catalog, no_cache)
    q = build_query(
        lang=lang,
        commercial=commercial,
        no_conditions=no_conditions,
        kind=kind,
        license_id=license_id,
        org=org,
        tag=tag,
        family=family,
        params=params,
        status=status,
        as_of=as_of,
        policy=policy,
    )
    hits = query.search(cat, q)
    if output_format == ExportFormat.csv:
        text = formats.to_csv(hits)
    elif output_format == ExportFormat.jsonl:
        text = formats.to_jsonl(hits)
    else:
        text = formats.to_markdown(hits, ui_language(lang_ui.value if lang_ui else None))
    if target is None:
        render.write(text)
    else:
        write_file(target, text)
        render.note(f"wrote {target} ({output_format.value}, {len(hits)} entries)")


def _target(path: Path | None, out: Path | None) -> Path | None:
    if path is not None and out is not None and path != out:
        raise UsageError(f"two files to write ({path} and --out {out}); give one")
    return out or path


def _export_sqlite(target: Path, catalog: Path | None) -> None:
    from llmcat.store import catalog_dir, export_sqlite

    try:
        built = export_sqlite(catalog_dir(catalog), target)
    except OSError as exc:
        raise LlmcatError(f"cannot write {target}: {exc.strerror or exc}") from None
    entries = len(built.records)
    built.conn.close()
    render.note(f"wrote {target} (sqlite, {entries} entries)")


def write_file(target: Path, text: str) -> None:
    """Write beside the target and rename: a reader never sees half a file, and a failure leaves
    the old file as it was."""
    folder = target.resolve().parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise LlmcatError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise LlmcatError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
