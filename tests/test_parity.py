"""One query path: every id of the shipped catalog gives the same `show`, `show --json`, `why`
and `why --json` whether its database was just built, read back from the cache folder, or
built in memory (`--no-cache`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat import store
from llmcat.cli import query as query_cli
from tests.conftest import CATALOG, Result

COMMANDS = (("show",), ("show", "--json"), ("why",), ("why", "--json"))


def _outputs(run: Callable[..., Result], ids: list[str]) -> dict[tuple[str, ...], tuple[int, str, str]]:
    out = {}
    for entry_id in ids:
        for command in COMMANDS:
            result = run(command[0], entry_id, *command[1:])
            out[(entry_id, *command)] = (result.exit_code, result.stdout, result.stderr)
    return out


def test_every_id_reads_the_same_built_warm_and_uncached(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = store.open_catalog(CATALOG)  # built now: the database this run wrote
    warm = store.open_catalog(CATALOG)  # read back from the cache folder
    memory = store.open_catalog(CATALOG, use_cache=False)
    assert fresh.location == warm.location != memory.location == ":memory:"
    ids = list(fresh.records)
    assert len(ids) > 100 and any(fresh.records[i]["kind"] == "license" for i in ids)
    seen = []
    for catalog in (fresh, warm, memory):
        monkeypatch.setattr(query_cli, "open_for_query", lambda _root, _no_cache, c=catalog: c)
        seen.append(_outputs(run, ids))
    assert seen[0] == seen[1] == seen[2]
    failed = [key for key, (code, _, err) in seen[0].items() if code != 0 or err]
    assert failed == []


def test_show_license_works_warm_and_cold_through_the_cli(run: Callable[..., Result], tmp_path: Path) -> None:
    cold = run("show", "apache-2.0", env={"LLMCAT_CACHE_DIR": str(tmp_path / "fresh")})
    warm = run("show", "apache-2.0", env={"LLMCAT_CACHE_DIR": str(tmp_path / "fresh")})
    uncached = run("show", "apache-2.0", "--no-cache")
    assert cold.exit_code == 0 and cold.stdout == warm.stdout == uncached.stdout, cold
    for expected in (
        "Apache-2.0",
        "commercial  yes",
        "https://www.apache.org/licenses/LICENSE-2.0",
        "use it directly",
        "inherit it",
        "Obligations",
    ):
        assert expected in cold.stdout, expected
