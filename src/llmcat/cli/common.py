"""Options shared by several commands, and the error edge of the CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from llmcat import render
from llmcat.problems import LlmcatError, UsageError

if TYPE_CHECKING:
    from llmcat.dbcatalog import DbCatalog
    from llmcat.query import Query

F = TypeVar("F", bound=Callable[..., Any])

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog folder (default: $LLMCAT_CATALOG, else the catalog shipped with llmcat).",
        file_okay=False,
        show_default=False,
    ),
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Build the catalog database in memory from the YAML files; keep nothing.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the documented contract) to stdout.")]


class OutputFormat(str, Enum):
    """The formats of search, show and fit (render_query.FORMATS); --json is --format json."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    yaml = "yaml"


FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="Output format (table, or json/csv/markdown/yaml for tools).")
]


def output_format(fmt: OutputFormat, as_json: bool) -> str:
    """`--json` is `--format json`; with another --format it asks for two formats: a usage error."""
    if as_json and fmt not in (OutputFormat.table, OutputFormat.json):
        raise UsageError(f"--json and --format {fmt.value} ask for two formats; use one")
    return "json" if as_json else fmt.value


def handles_errors(func: F) -> F:
    """Expected failures become `error: ...` on stderr and their exit code; no traceback.
    (Failed writes to stdout and stderr are the process edge's: see `llmcat.__main__`.)"""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LlmcatError as exc:
            render.error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


class Policy(str, Enum):
    strict = "strict"
    declared = "declared"


class Kind(str, Enum):
    model = "model"
    dataset = "dataset"
    toolkit = "toolkit"
    license = "license"


class StatusChoice(str, Enum):
    available = "available"
    gated = "gated"
    removed = "removed"
    superseded = "superseded"


class UiLang(str, Enum):
    en = "en"
    zh = "zh"


def _check_date(value: str | None) -> str | None:
    if not value:  # absent, or empty (an unset shell variable): no date
        return None
    from llmcat.dates import date_problem

    problem = date_problem(value)
    if problem:
        raise typer.BadParameter(problem)
    return value


def _check_params(value: str | None) -> str | None:
    if not value or not value.strip():  # absent or empty: no filter
        return None
    from llmcat.quantity import QuantityError, parse_range

    try:
        parse_range(value)
    except QuantityError as exc:
        hint = "" if "write" in str(exc) else "; write e.g. 6B..13B, 7B.., ..1B or 7B"
        raise typer.BadParameter(f"{exc}{hint}") from None
    return value


def _empty_is_none(value: str | None) -> str | None:
    """An empty filter value (``--org ""``) is no filter."""
    return value if value and value.strip() else None


def _drop_empty(values: list[str] | None) -> list[str] | None:
    return [v for v in values if v.strip()] if values else values


def complete_ids(incomplete: str) -> list[str]:
    """Shell completion: entry ids of the default catalog."""
    try:
        from llmcat.store import catalog_dir, open_catalog

        catalog = open_catalog(catalog_dir(None))
    except Exception:  # completion must never break the shell
        return []
    return [i for i in catalog.records if i.startswith(incomplete)]


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", callback=_check_date, help="Answer for this date (YYYY-MM[-DD]) using license_history."),
]
PolicyOpt = Annotated[
    Policy, typer.Option("--policy", help="strict: lineage counts; declared: the entry's own license only.")
]
LangUiOpt = Annotated[
    UiLang | None, typer.Option("--lang-ui", help="Language of summaries and conditions (default: from the locale).")
]
LangOpt = Annotated[
    list[str] | None,
    typer.Option("--lang", callback=_drop_empty, help="Language tag; repeatable; zh also matches zh-Hans and zh-Hant."),
]
CommercialOpt = Annotated[
    bool, typer.Option("--commercial", help="Only entries whose effective verdict is yes or conditional.")
]
NoConditionsOpt = Annotated[bool, typer.Option("--no-conditions", help="Only entries whose effective verdict is yes.")]
KindOpt = Annotated[list[Kind] | None, typer.Option("--kind", help="Entry kind; repeatable.")]
LicenseOpt = Annotated[
    str | None, typer.Option("--license", callback=_empty_is_none, help="License id, e.g. apache-2.0.")
]
OrgOpt = Annotated[
    str | None, typer.Option("--org", callback=_empty_is_none, help="Organization (substring, case-insensitive).")
]
TagOpt = Annotated[
    str | None, typer.Option("--tag", callback=_empty_is_none, help="Tag, or a toolkit's method (qlora, dpo, gguf).")
]
FamilyOpt = Annotated[str | None, typer.Option("--family", callback=_empty_is_none, help="Model family, e.g. pythia.")]
ParamsOpt = Annotated[
    str | None,
    typer.Option(
        "--params",
        callback=_check_params,
        help="Total parameters (of a mixture of experts too, not the active ones), as a range: 6B..13B, 7B.., "
        "..1B. One value means the counts that round to it as written: 7B is 6.5B up to 7.5B (LLaMA-7B's 6.7B "
        "is in), 6.7B is 6.65B up to 6.75B.",
    ),
]
StatusOpt = Annotated[StatusChoice | None, typer.Option("--status", help="Entry status.")]


def build_query(
    *,
    text: str | None = None,
    lang: list[str] | None = None,
    commercial: bool = False,
    no_conditions: bool = False,
    kind: list[Kind] | None = None,
    license_id: str | None = None,
    org: str | None = None,
    tag: str | None = None,
    family: str | None = None,
    params: str | None = None,
    status: StatusChoice | None = None,
    as_of: str | None = None,
    policy: Policy = Policy.strict,
    sort: str = "id",
    limit: int | None = None,
) -> Query:
    from llmcat.quantity import parse_range
    from llmcat.query import Query

    return Query(
        text=text,
        langs=list(lang or []),
        commercial=commercial,
        no_conditions=no_conditions,
        kinds=[k.value for k in kind or []],
        license=license_id,
        org=org,
        tag=tag,
        family=family,
        params=parse_range(params) if params else (None, None),
        status=status.value if status else None,
        as_of=as_of,
        policy="declared" if policy == Policy.declared else "strict",
        sort=sort,
        limit=limit,
    )


def open_for_query(catalog: Path | None, no_cache: bool) -> DbCatalog:
    from llmcat.store import catalog_dir, open_catalog

    return open_catalog(catalog_dir(catalog), use_cache=not no_cache, warn=_warn)


def _warn(message: str) -> None:
    render.note(f"warning: {message}")
