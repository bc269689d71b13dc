"""`llmcat watch` against a fake Hub on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Hub, Result

Run = Callable[..., Result]


def watch(run: Run, hub: Hub, catalog: Path, *args: str) -> Result:
    return run("watch", *args, "--endpoint", hub[0], "--catalog", str(catalog), "--retries", "0")


def test_the_tracked_organizations_repositories_without_an_entry_newest_first(
    run: Run, hub: Hub, hub_catalog: Path
) -> None:
    result = watch(run, hub, hub_catalog, "--json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["orgs"] == ["org"]  # from links.huggingface
    assert [c["id"] for c in data["candidates"]] == ["org/new-13b", "org/old-1b"]  # org/base-7b has an entry
    assert data["candidates"][0] == {
        "id": "org/new-13b",
        "org": "org",
        "license": "apache-2.0",
        "downloads": 1200,
        "created": "2023-09-01T08:00:00.000Z",
    }
    assert hub[1][0][0] == "/api/models?author=org&sort=createdAt&direction=-1&limit=50"


def test_since_and_several_orgs(run: Run, hub: Hub, hub_catalog: Path) -> None:
    result = watch(run, hub, hub_catalog, "--org", "org", "--org", "lab2", "--since", "2023-08")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        "2023-09-01  org/new-13b  license apache-2.0  1,200 downloads",
        "2023-08-05  lab2/tiny-chat  license mit  40 downloads",
        "2 repositories without an entry, of 2 organization(s)",
    ]


def test_markdown_lists_draft_commands(run: Run, hub: Hub, hub_catalog: Path) -> None:
    result = watch(run, hub, hub_catalog, "--format", "markdown")
    assert result.exit_code == 0, result
    assert "| 2023-09-01 | `org/new-13b` | apache-2.0 | 1,200 | `llmcat draft org/new-13b` |" in result.stdout


def test_a_listing_that_fails_is_reported_and_exits_1(run: Run, hub: Hub, hub_catalog: Path) -> None:
    result = watch(run, hub, hub_catalog, "--org", "org", "--org", "broken", "--json")
    assert result.exit_code == 1, result
    data = json.loads(result.stdout)
    assert [e["org"] for e in data["errors"]] == ["broken"]
    assert [c["id"] for c in data["candidates"]] == ["org/new-13b", "org/old-1b"]
    assert "error: could not list broken: HTTP 200 but the answer is not JSON" in result.stderr.replace("\n", " ")


def test_a_bad_since_is_a_usage_error(run: Run, hub: Hub, hub_catalog: Path) -> None:
    assert watch(run, hub, hub_catalog, "--since", "last week").exit_code == 2
