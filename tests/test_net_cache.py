"""The network results cache: keyed by how a URL was asked, expired results pruned."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llmcat.net.cache import Asked, ResultCache, prune_expired
from tests.conftest import Result
from tests.netserver import State, serve

Run = Callable[..., Result]
OK = {"url": "u", "state": "ok"}


@pytest.fixture
def server() -> Iterator[tuple[str, State]]:
    with serve() as running:
        yield running


def test_a_result_got_with_allow_private_is_never_replayed_to_a_default_run(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = mini_catalog(None)
    path = root / "datasets" / "web-data.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("https://example.org/web-data", base + "/ok"), "utf-8")
    allowed = run("links", "web-data", "--catalog", str(root), "--allow-private", "--json")
    assert allowed.exit_code == 0, allowed
    default = run("links", "web-data", "--catalog", str(root), "--json")
    assert default.exit_code == 1, default
    (result,) = json.loads(default.stdout)["results"]
    assert result["state"] == "refused" and result["cached"] is False
    again = json.loads(run("links", "web-data", "--catalog", str(root), "--allow-private", "--json").stdout)
    assert again["summary"]["cached"] == 1 and state.hits["/ok"] == 1


def test_a_401_got_without_a_token_is_not_served_once_the_token_is_set(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "links:\n  huggingface: org/gated-model\n", encoding="utf-8")
    args = ("audit", "base-7b", "--catalog", str(root), "--endpoint", base, "--json")
    anonymous = run(*args)
    assert anonymous.exit_code == 1, anonymous
    assert [d["hub"] for d in json.loads(anonymous.stdout)["drift"]] == ["HTTP 401"]
    with_token = run(*args, env={"HF_TOKEN": "secret-token"})
    assert with_token.exit_code == 0, with_token
    assert state.hits["/api/models/org/gated-model"] == 2
    run(*args, env={"HF_TOKEN": "secret-token"})
    assert state.hits["/api/models/org/gated-model"] == 2  # now cached, under the token's key


def test_results_are_used_while_younger_than_both_their_ttl_and_the_runs() -> None:
    day = ResultCache("links", 86400, now=1000.0)
    day.put("u", OK)
    day.save()
    assert ResultCache("links", 86400, now=1000.0 + 7200).get("u") == OK
    assert ResultCache("links", 3600, now=1000.0 + 7200).get("u") is None
    hour = ResultCache("links", 3600, now=1000.0)
    hour.put("u", OK)
    hour.save()
    assert ResultCache("links", 86400, now=1000.0 + 7200).get("u") is None


def test_how_it_was_asked_is_part_of_the_key() -> None:
    cache = ResultCache("hub", 60, Asked(allow_private=True, token=True), now=0.0)
    cache.put("u", OK)
    cache.save()
    for asked in (Asked(), Asked(allow_private=True), Asked(token=True)):
        assert ResultCache("hub", 60, asked, now=1.0).get("u") is None, asked
    assert ResultCache("hub", 60, Asked(allow_private=True, token=True), now=1.0).get("u") == OK


def test_only_settled_states_are_cached() -> None:
    cache = ResultCache("links", 60, now=0.0)
    for state in ("ok", "redirected", "broken", "rate_limited", "server_error", "timeout", "refused", "error"):
        cache.put(state, {"url": state, "state": state})
    cache.save()
    later = ResultCache("links", 60, now=1.0)
    assert [s for s in ("ok", "redirected", "broken", "rate_limited", "error") if later.get(s)] == [
        "ok",
        "redirected",
        "broken",
    ]


def test_expired_results_are_dropped_when_the_cache_is_written() -> None:
    old = ResultCache("links", 10, now=0.0)
    old.put("old", OK)
    old.save()
    new = ResultCache("links", 10, now=100.0)
    new.put("new", OK)
    new.save()
    results = json.loads(new.path.read_text(encoding="utf-8"))["results"]
    assert list(results) == ["public anonymous new"]


def test_prune_expired_counts_what_it_drops() -> None:
    for name in ("links", "hub"):
        cache = ResultCache(name, 10, now=0.0)
        cache.put("a", OK)
        cache.put("b", OK)
        cache.save()
    keep = ResultCache("hub", 1000, now=0.0)
    keep.put("c", OK)
    keep.save()
    assert prune_expired(now=5.0) == 0
    assert prune_expired(now=20.0) == 4
    assert prune_expired(now=20.0) == 0
    assert ResultCache("hub", 1000, now=20.0).get("c") == OK


def test_a_cache_file_of_another_shape_is_ignored_and_rewritten(tmp_path: Path) -> None:
    cache = ResultCache("links", 60, now=0.0)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text(json.dumps({"https://x": {"checked_at": 0, "result": OK}}), encoding="utf-8")
    assert ResultCache("links", 60, now=1.0).get("https://x") is None
    assert prune_expired(now=1.0) == 0
    assert json.loads(cache.path.read_text(encoding="utf-8")) == {"format": 2, "results": {}}
