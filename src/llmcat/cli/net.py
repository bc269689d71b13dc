"""`llmcat links` and `llmcat audit`: network checks (httpx is imported only from here on)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, JsonOpt, NoCacheOpt, complete_ids, handles_errors, open_for_query
from llmcat.net.states import HOST_INTERVALS
from llmcat.problems import UsageError

if TYPE_CHECKING:
    from llmcat.net.client import Options


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
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Seconds for one request as a whole: connect, headers and body.")
]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, max=10, help="Retries after a timeout, 5xx or 429.")]
DeadlineOpt = Annotated[float, typer.Option("--deadline", min=0.1, help="Seconds for the whole run.")]
TtlOpt = Annotated[str, typer.Option("--cache-ttl", help="Reuse results younger than this (1d, 12h, 30m, 0).")]
PrivateOpt = Annotated[bool, typer.Option("--allow-private", help="Also fetch URLs on private or local addresses.")]
RateLimitOpt = Annotated[
    bool, typer.Option("--fail-on-rate-limit", help="Exit 1 when a URL is still rate-limited (429) after the retries.")
]
MinIntervalOpt = Annotated[
    float,
    typer.Option(
        "--min-interval", min=0.0, help="Seconds between request starts to one host (hosts not in --host-interval)."
    ),
]
HostIntervalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--host-interval",
        metavar="HOST=SECONDS",
        help="Seconds between request starts to HOST and its subdomains; repeatable "
        f"(defaults: {', '.join(f'{host}={seconds:g}' for host, seconds in HOST_INTERVALS.items())}).",
    ),
]


def _options(
    *,
    concurrency: int,
    per_host: int,
    timeout: float,
    retries: int,
    deadline: float,
    allow_private: bool,
    min_interval: float,
    host_interval: list[str] | None,
) -> Options:
    from llmcat.net.client import Options
    from llmcat.net.pacing import parse_host_interval

    options = Options(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        allow_private=allow_private,
        min_interval=min_interval,
    )
    try:
        options.host_intervals.update(parse_host_interval(text) for text in host_interval or [])
    except ValueError as exc:
        raise UsageError(f"--host-interval: {exc}") from None
    return options


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
    fail_on_rate_limit: RateLimitOpt = False,
    min_interval: MinIntervalOpt = 0.0,
    host_interval: HostIntervalOpt = None,
    output_format: Annotated[NetFormat, typer.Option("--format", help="Output format.")] = NetFormat.text,
    as_json: JsonOpt = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Check every URL the entries cite (links and sources); exit 1 if any fails (see the states)."""
    from llmcat import render_net
    from llmcat.net.cache import Asked, ResultCache
    from llmcat.net.links import check_links, collect

    options = _options(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        allow_private=allow_private,
        min_interval=min_interval,
        host_interval=host_interval,
    )
    cache = ResultCache("links", _ttl(cache_ttl, no_cache), Asked(allow_private=allow_private))
    cat = open_for_query(catalog, no_cache)
    cited = collect(cat, _ids(cat, names))
    with render_net.progress_bar(len(cited), progress and not as_json) as tick:
        checked = check_links(cited, options, cache, tick, fail_on_rate_limit)
    report = checked.to_json()
    fmt = NetFormat.json if as_json else output_format
    {
        NetFormat.text: render_net.links_text,
        NetFormat.json: render_net.links_json,
        NetFormat.github: render_net.links_github,
    }[fmt](report)
    if checked.failed:
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
    allow_private: PrivateOpt = False,
    fail_on_rate_limit: RateLimitOpt = False,
    min_interval: MinIntervalOpt = 0.0,
    host_interval: HostIntervalOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Compare entries with their Hugging Face Hub metadata; report drift, never edit files."""
    from llmcat import render, render_net
    from llmcat.net.audit import audit as run_audit
    from llmcat.net.audit import endpoint_of, hf_token, prepare
    from llmcat.net.cache import Asked, ResultCache
    from llmcat.net.policy import Refused, check_scheme

    base = endpoint_of(endpoint)
    try:
        check_scheme(base)
    except Refused:
        raise UsageError(f"--endpoint '{base}' must be an http(s) URL with a host") from None
    options = _options(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        allow_private=allow_private,
        min_interval=min_interval,
        host_interval=host_interval,
    )
    token = hf_token()
    prepare(options, base, token)
    cache = ResultCache("hub", _ttl(cache_ttl, no_cache), Asked(allow_private=allow_private, token=token is not None))
    cat = open_for_query(catalog, no_cache)
    checked = run_audit(cat, _ids(cat, names), base, options, cache)
    report = checked.to_json()
    if as_json:
        render.write(render.dump_json(report))
    else:
        render_net.audit_text(report)
    if checked.failed(fail_on_rate_limit):
        raise typer.Exit(1)
