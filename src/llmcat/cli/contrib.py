"""`llmcat diff`, `llmcat draft` and `llmcat watch`: tools for contributors and reviewers."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, JsonOpt, _check_date, handles_errors
from llmcat.problems import LlmcatError, UsageError


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
@handles_errors
def diff(
    base: Annotated[str, typer.Argument(help="Git revision of the catalog's repository, or a catalog folder.")],
    head: Annotated[
        str | None, typer.Argument(help="Git revision or catalog folder (default: the working tree's catalog).")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = DiffFormat.text,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Entries added, removed and changed between two catalogs, and every verdict that moves; exit 0."""
    from llmcat import render
    from llmcat.diff import diff_specs
    from llmcat.render_contrib import show_diff
    from llmcat.store import catalog_dir

    found = diff_specs(base, head, catalog_dir(catalog))
    for side, ids in found.invalid.items():
        if ids:
            render.note(f"{side}: {len(ids)} file(s) do not validate and are left out: {', '.join(ids)}")
    show_diff(found.to_json(), "json" if as_json else output_format.value)


class HubKind(str, Enum):
    model = "model"
    dataset = "dataset"


EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint", help="Hub base URL (default: $HF_ENDPOINT, else huggingface.co); its host is trusted."),
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per request.")]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, max=10, help="Retries after a timeout, 5xx or 429.")]
DeadlineOpt = Annotated[float, typer.Option("--deadline", min=0.1, help="Seconds for the whole run.")]


def _options(timeout: float, retries: int, deadline: float) -> Any:
    from llmcat.net.client import Options

    return Options(concurrency=4, per_host=4, timeout=timeout, retries=retries, deadline=deadline)


def _valid_catalog(catalog: Path | None) -> tuple[Path, Any]:
    from llmcat.store import catalog_dir
    from llmcat.validate import validate_catalog

    root = catalog_dir(catalog)
    return root, validate_catalog(root)[1]


@app.command()
@handles_errors
def draft(
    repo_id: Annotated[str, typer.Argument(help="Hugging Face repo id, org/name.")],
    kind: Annotated[HubKind, typer.Option("--kind", help="Model or dataset repository.")] = HubKind.model,
    entry_id: Annotated[str | None, typer.Option("--id", help="Catalog id (default: from the repo name).")] = None,
    endpoint: EndpointOpt = None,
    out: Annotated[
        str | None, typer.Option("--out", help="File to create (default: the catalog's folder); - for stdout.")
    ] = None,
    timeout: TimeoutOpt = 10.0,
    retries: RetriesOpt = 2,
    deadline: DeadlineOpt = 60.0,
    catalog: CatalogOpt = None,
) -> None:
    """Draft a catalog entry from the Hub's metadata; what the Hub cannot say is left as TODOs."""
    from llmcat import draft as drafting
    from llmcat import render
    from llmcat.fields import HF_PATTERN
    from llmcat.models import FOLDER_BY_KIND
    from llmcat.net import hub

    if not re.match(HF_PATTERN, repo_id):
        raise UsageError(f"'{repo_id}' is not a Hugging Face repo id such as org/name")
    new_id = entry_id or drafting.default_id(repo_id)
    if not drafting.valid_id(new_id):
        raise UsageError(f"'{new_id}' is not a valid catalog id; give one with --id")
    root, cat = _valid_catalog(catalog)
    found = drafting.existing(cat, new_id, repo_id)
    if found is not None:
        raise LlmcatError(f"the catalog already has {found['id']} ({cat.paths[found['id']]}); edit it instead")
    base, trusted = hub.endpoint(endpoint)
    result = hub.draft_from_hub(cat, repo_id, kind.value, new_id, base, trusted, _options(timeout, retries, deadline))
    text = drafting.draft_text(result, repo_id)
    if out == "-":
        render.write(text)
    else:
        path = Path(out) if out else root / FOLDER_BY_KIND[kind.value] / f"{new_id}.yaml"
        drafting.write_new(path, text)
        render.note(f"wrote {path}")
    for line in result.notes:
        render.note(f"note: {line}")
    render.note(f"{len(result.todos)} TODO(s) to resolve against primary sources; then llmcat validate and diff")


class WatchFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
@handles_errors
def watch(
    org: Annotated[
        list[str] | None, typer.Option("--org", help="Hub organization; repeatable (default: those the catalog links).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", callback=_check_date, help="Only repositories created on or after it.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Newest repositories per organization.")] = 50,
    endpoint: EndpointOpt = None,
    output_format: Annotated[WatchFormat, typer.Option("--format", help="Output format.")] = WatchFormat.text,
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = 10.0,
    retries: RetriesOpt = 2,
    deadline: DeadlineOpt = 120.0,
    catalog: CatalogOpt = None,
) -> None:
    """Hub repositories of the tracked organizations that have no entry yet, newest first; exit 1 if a listing failed."""
    from llmcat import render
    from llmcat.net import hub
    from llmcat.render_contrib import show_watch
    from llmcat.watch import candidates, tracked_orgs

    _, cat = _valid_catalog(catalog)
    orgs = list(dict.fromkeys(org or tracked_orgs(cat)))
    base, trusted = hub.endpoint(endpoint)
    found, errors = hub.listings(orgs, base, trusted, _options(timeout, retries, deadline), limit)
    report = {"orgs": orgs, "candidates": candidates(found, cat, since), "errors": errors}
    show_watch(report, "json" if as_json else output_format.value)
    for error in errors:
        render.error(f"could not list {error['org']}: {error['detail']} ({error['url']})")
    if errors:
        raise typer.Exit(1)
