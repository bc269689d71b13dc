"""`llmcat links` and `llmcat audit`: network checks (httpx is imported only from here on)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, JsonOpt, NoCacheOpt, complete_ids, handles_errors, open_for_query
from llmcat.problems import UsageError


class NetFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


IdsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Ids, aliases or families (default: every entry).", autocompletion=complete_ids),
]
ConcurrencyOpt = Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Requests at once, in all.")]
PerHostOpt = Annotated[int, typer.Option("--per-host", min=1, max=64, help="Requests at once to one host.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per request.")]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, max=10, help="Retries after a timeout, 5xx or 429.")]
DeadlineOpt = Annotated[float, typer.Option("--deadline", min=0.1, help="Seconds for the whole run.")]
TtlOpt = Annotated[str, typer.Option("--cache-ttl", help="Reuse results younger than this (1d, 12h, 30m, 0).")]
PrivateOpt = Annotated[bool, typer.Option("--allow-private", help="Also fetch URLs on private or local addresses.")]


def _ids(catalog: object, names: list[str] | None) -> list[str]:
    from llmcat import query
    from llmcat.catalog import Catalog

    assert isinstance(catalog, Catalog)
    if not names:
        return list(catalog.records)
    ids: list[str] = []
    for name in names:
        ids.extend(i for i in query.resolve(catalog, name) if i not in ids)
    return ids


def _ttl(text: str, no_cache: bool) -> float:
    from llmcat.net.cache import parse_ttl

    try:
        return 0.0 if no_cache else parse_ttl(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@app.command()
@handles_errors
def links(
    names: IdsArg = None,
    concurrency: ConcurrencyOpt = 16,
    per_host: PerHostOpt = 4,
    timeout: TimeoutOpt = 10.0,
    retries: RetriesOpt = 2,
    deadline: DeadlineOpt = 300.0,
    cache_ttl: TtlOpt = "1d",
    allow_private: PrivateOpt = False,
    output_format: Annotated[NetFormat, typer.Option("--format", help="Output format.")] = NetFormat.text,
    as_json: JsonOpt = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Check every URL the entries cite (links and sources); exit 1 if any is broken or refused."""
    from llmcat import render_net
    from llmcat.net.cache import ResultCache
    from llmcat.net.client import Options
    from llmcat.net.links import check_links, collect

    cat = open_for_query(catalog, no_cache)
    cited = collect(cat, _ids(cat, names))
    options = Options(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        allow_private=allow_private,
    )
    cache = ResultCache("links", _ttl(cache_ttl, no_cache))
    with render_net.progress_bar(len(cited), progress and not as_json) as tick:
        report = check_links(cited, options, cache, tick).to_json()
    fmt = NetFormat.json if as_json else output_format
    {
        NetFormat.text: render_net.links_text,
        NetFormat.json: render_net.links_json,
        NetFormat.github: render_net.links_github,
    }[fmt](report)
    if any(r["state"] not in ("ok", "redirected") for r in report["results"]):
        raise typer.Exit(1)


@app.command()
@handles_errors
def audit(
    names: IdsArg = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Hub API base URL (default: $HF_ENDPOINT, else huggingface.co).")
    ] = None,
    concurrency: ConcurrencyOpt = 8,
    per_host: PerHostOpt = 4,
    timeout: TimeoutOpt = 10.0,
    retries: RetriesOpt = 2,
    deadline: DeadlineOpt = 300.0,
    cache_ttl: TtlOpt = "1d",
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Compare entries with their Hugging Face Hub metadata; report drift, never edit files."""
    from llmcat import render, render_net
    from llmcat.net.audit import audit as run_audit
    from llmcat.net.audit import endpoint_of
    from llmcat.net.cache import ResultCache
    from llmcat.net.client import Options

    base = endpoint_of(endpoint)
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint '{base}' must be an http(s) URL")
    cat = open_for_query(catalog, no_cache)
    options = Options(concurrency=concurrency, per_host=per_host, timeout=timeout, retries=retries, deadline=deadline)
    report = run_audit(cat, _ids(cat, names), base, options, ResultCache("hub", _ttl(cache_ttl, no_cache))).to_json()
    if as_json:
        render.write(render.dump_json(report))
    else:
        render_net.audit_text(report)
    if report["drift"] or report["errors"]:
        raise typer.Exit(1)
