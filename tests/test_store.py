"""The catalog database: reused when nothing changed, rebuilt on any change or damage; one
query path whether it was stored, built now or built in memory."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llmcat import build, freshness, query, store
from llmcat.discover import discover
from llmcat.fsutil import cache_dir
from llmcat.problems import LlmcatError
from tests.conftest import CATALOG, GOLDEN, ROOT, Result


def _databases() -> list[Path]:
    return sorted(cache_dir().glob("catalog-*.sqlite"))


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any) -> None:
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(build, "write_database", fail)


def test_second_load_reads_the_database(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    first = store.open_catalog(root)
    assert len(_databases()) == 1
    _no_build(monkeypatch)
    warm = store.open_catalog(root)
    assert warm.location == str(_databases()[0])
    assert dict(warm.records.items()) == dict(first.records.items())


def test_an_edit_invalidates_the_database(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    store.open_catalog(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7B v2"
    assert len(_databases()) == 1  # replaced, not added


def test_a_change_in_llmcat_code_rebuilds(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    store.open_catalog(root)
    before = freshness._code_stamps()
    monkeypatch.setattr(freshness, "_code_stamps", lambda: [*before, ("new.py", 1, 1)])
    built: list[Path] = []
    original = build.write_database
    monkeypatch.setattr(build, "write_database", lambda root, *rest: built.append(root) or original(root, *rest))
    store.open_catalog(root)
    assert built == [root.resolve()]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_database_is_rebuilt(damage: str, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    store.open_catalog(root)
    target = _databases()[0]
    data = target.read_bytes()
    target.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"x" * len(data), "empty": b""}[damage])
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7B"
    assert sqlite3.connect(target).execute("PRAGMA user_version").fetchone()[0] >= 1


def test_an_invalid_catalog_is_never_stored(mini_catalog: Callable[[str | None], Path]) -> None:
    with pytest.raises(LlmcatError):
        store.open_catalog(mini_catalog("cycle"))
    assert _databases() == []
    assert list(cache_dir().glob(".catalog-*")) == []  # no temporary file left either


def test_no_cache_builds_the_same_database_in_memory(mini_catalog: Callable[[str | None], Path]) -> None:
    memory = store.open_catalog(mini_catalog(None), use_cache=False)
    assert _databases() == [] and memory.location == ":memory:"
    stored = store.open_catalog(mini_catalog(None))
    assert dict(memory.records.items()) == dict(stored.records.items())


def test_an_unwritable_cache_folder_answers_from_memory_with_one_warning(
    run: Callable[..., Result], mini_catalog: Callable[[str | None], Path], tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    root = mini_catalog(None)
    result = run("search", "--catalog", str(root), env={"LLMCAT_CACHE_DIR": str(blocked / "cache")})
    assert result.exit_code == 0 and "base-7b" in result.stdout, result
    assert result.stderr.count("warning:") == 1 and "answering from memory" in " ".join(result.stderr.split()), result


QUERIES = [
    query.Query(),
    query.Query(langs=["zh"], commercial=True),
    query.Query(text="骆驼"),
    query.Query(kinds=["dataset"], no_conditions=True, sort="name"),
    query.Query(family="pythia", params=(1_000_000_000, 7_000_000_000), sort="params"),
    query.Query(license="apache-2.0", tag="chat", sort="released", limit=5),
    query.Query(org="eleuther", status="available"),
]


def _filtered_in_python(q: query.Query) -> list[str]:
    """The same query answered from the YAML files by plain Python (the filters' meaning)."""
    from llmcat import languages, lineage
    from llmcat.catalog import fold
    from llmcat.validate import validate_catalog

    _, catalog = validate_catalog(CATALOG)
    verdicts = lineage.cache_for(catalog)
    kept = []
    for r in catalog.records.values():
        effective = verdicts.get(r["id"]).effective
        if r["kind"] not in (q.kinds or ["model", "dataset", "toolkit"]):
            continue
        if q.text and fold(q.text) not in "\n".join(
            fold(p)
            for p in [
                r["id"],
                r.get("name", ""),
                *r.get("aliases", []),
                r.get("organization", ""),
                r.get("family", ""),
                *r.get("tags", []),
                r["summary"]["en"],
                r["summary"]["zh"],
            ]
        ):
            continue
        if any(not any(languages.matches(lang, t) for t in r.get("languages", [])) for lang in q.langs):
            continue
        if q.license and q.license not in r.get("license", {}).values():
            continue
        if q.org and fold(q.org) not in fold(r.get("organization", "")):
            continue
        if q.tag and fold(q.tag) not in [fold(t) for t in r.get("tags", [])]:
            continue
        if q.family and fold(q.family) != fold(r.get("family") or ""):
            continue
        low, high = q.params
        if (low is not None or high is not None) and not (
            r.get("params") and (low is None or r["params"] >= low) and (high is None or r["params"] <= high)
        ):
            continue
        if q.status and r.get("status", "available") != q.status:
            continue
        if q.commercial and effective not in ("yes", "conditional"):
            continue
        if q.no_conditions and effective != "yes":
            continue
        kept.append(r)
    keys = {
        "id": lambda r: (r["kind"], r["id"]),
        "name": lambda r: (fold(r["name"]), r["id"]),
        "params": lambda r: (r.get("params") is None, r.get("params") or 0, r["id"]),
        "released": lambda r: (r.get("released") is None, r.get("released") or "", r["id"]),
    }
    kept.sort(key=keys[q.sort])
    return [r["id"] for r in kept][: q.limit]


@pytest.mark.parametrize("q", QUERIES, ids=range(len(QUERIES)))
def test_sql_filters_answer_exactly_as_the_records_do(q: query.Query) -> None:
    found = [h.record["id"] for h in query.search(store.open_catalog(CATALOG), q)]
    assert found == _filtered_in_python(q) and (found or q.text)


HEAVY = ("yaml", "pydantic", "llmcat.models", "llmcat.validate", "httpx")
# What a text query need not load at all: each costs start-up time on every run.
NOT_FOR_TEXT = ("hashlib", "csv", "tempfile", "rich.tree")


@pytest.mark.parametrize(
    ("args", "unwanted"),
    [
        (["search", "--lang", "zh", "--commercial", "--json"], HEAVY),
        (["search", "--lang", "zh", "--commercial"], HEAVY + NOT_FOR_TEXT),
        (["show", "chatglm-6b"], HEAVY + NOT_FOR_TEXT),
        (["why", "alpaca-7b"], HEAVY + tuple(m for m in NOT_FOR_TEXT if m != "rich.tree")),  # why draws one
        (["fit", "--vram", "8"], HEAVY + NOT_FOR_TEXT),
    ],
    ids=["search-json", "search", "show", "why", "fit"],
)
def test_warm_queries_import_only_what_they_need(tmp_path: Path, args: list[str], unwanted: tuple[str, ...]) -> None:
    env = {**os.environ, "LLMCAT_CACHE_DIR": str(tmp_path / "cache")}
    script = (
        "import sys; from llmcat.cli import main\n"
        f"sys.argv = ['llmcat', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"loaded = [m for m in {unwanted!r} if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    for run in ("cold", "warm"):
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        loaded = done.stderr.rsplit("LOADED=", 1)[1]
        if run == "warm":
            assert loaded == "", loaded


def _damage_entry_pages(path: Path) -> None:
    """Garbage over every page after the tables' first pages (where the records are), size kept."""
    conn = sqlite3.connect(path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    first = (
        1
        + conn.execute("SELECT max(rootpage) FROM sqlite_master WHERE name NOT LIKE '%\\_%' ESCAPE '\\'").fetchone()[0]
    )
    conn.close()
    data = bytearray(path.read_bytes())
    data[page * first :] = b"\xff" * (len(data) - page * first)
    path.write_bytes(bytes(data))


def test_damage_found_while_reading_is_an_error_and_removes_the_database(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat.dbcatalog import DamagedDatabase

    stored = store.open_catalog(CATALOG)
    path = Path(stored.location)
    stored.conn.close()
    _damage_entry_pages(path)
    opened = store._open_stored(CATALOG.resolve(), path, freshness.fingerprint(discover(CATALOG.resolve())))
    assert opened is not None  # the metadata pages are whole: the damage is found while reading
    with pytest.raises(DamagedDatabase, match="damaged"):
        list(opened.records.values())
    assert not path.exists()
    _damage_entry_pages(Path(store.open_catalog(CATALOG).location))
    result = run("search", "--json")
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr, result
    assert run("show", "chatglm-6b").exit_code == 0


def test_a_failure_that_is_not_damage_is_an_error_and_keeps_the_database() -> None:
    from llmcat.problems import LlmcatError

    stored = store.open_catalog(CATALOG)
    path = Path(stored.location)
    with pytest.raises(LlmcatError, match="cannot be read") as raised:
        stored.conn.execute("DELETE FROM entries")  # a read-only connection: SQLITE_READONLY
    assert "damaged" not in str(raised.value) and path.exists()
    assert store.open_catalog(CATALOG).location == str(path)


def test_the_collector_is_paused_for_bulk_work_and_restored() -> None:
    import gc

    from llmcat.gcpause import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores the outer block's state
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Change the content, keep the size and the mtime: what a coarse-timestamp file system
    (or `cp -p`) can leave behind."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def _touch_all(root: Path) -> None:
    for path in root.rglob("*.yaml"):
        os.utime(path)  # now: too recent to trust by its mtime


def test_a_recent_file_is_checked_by_content(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    store.open_catalog(root)
    _same_size_edit(root / "models" / "base-7b.yaml", "Base-7B", "Base-7X")
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7X"


def test_files_old_enough_are_trusted_and_no_longer_hashed(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    store.open_catalog(root).conn.close()
    racy = [row[0] for row in sqlite3.connect(_databases()[0]).execute("SELECT file FROM racy")]
    assert "models/base-7b.yaml" in racy
    later = time.time_ns() + freshness.RACY_NS + 1
    monkeypatch.setattr(store.time, "time_ns", lambda: later)
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7B"
    assert sqlite3.connect(_databases()[0]).execute("SELECT count(*) FROM racy").fetchone()[0] == 0


def test_content_check_catches_edits_that_keep_old_mtimes(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))  # long ago: trusted
    store.open_catalog(root)
    _same_size_edit(root / "models" / "base-7b.yaml", "Base-7B", "Base-7X")
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7B"  # what mtimes alone can see
    monkeypatch.setenv(freshness.CHECK_ENV, "content")
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7X"


def test_an_unknown_cache_check_is_a_clear_error(run: Callable[..., Result]) -> None:
    result = run("search", env={freshness.CHECK_ENV: "sometimes"})
    assert result.exit_code == 1 and "LLMCAT_CACHE_CHECK" in result.stderr and "Traceback" not in result.stderr


def _age_all(root: Path) -> None:
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from llmcat import validate

    read: list[str] = []
    original = validate.check_file

    def counting(path: Path, root: Path) -> Any:
        read.append(path.name)
        return original(path, root)

    monkeypatch.setattr(validate, "check_file", counting)
    return read


def test_a_rebuild_reads_only_the_files_that_changed(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _age_all(root)
    first = store.open_catalog(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    read = _count_reads(monkeypatch)
    again = store.open_catalog(root)
    assert read == ["base-7b.yaml"]
    assert again.records["base-7b"]["name"] == "Base-7B v2"
    assert {i: r for i, r in again.records.items() if i != "base-7b"} == {
        i: r for i, r in first.records.items() if i != "base-7b"
    }


def test_a_rebuild_still_checks_the_rules_across_entries(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _age_all(root)
    store.open_catalog(root)
    (root / "datasets" / "web-data.yaml").unlink()  # base-7b, unchanged, was trained on it
    read = _count_reads(monkeypatch)
    with pytest.raises(LlmcatError, match=r"models/base-7b\.yaml.*dangling-reference"):
        store.open_catalog(root)
    assert read == []


@pytest.mark.parametrize("case", sorted(p.name for p in (GOLDEN / "cases").iterdir()))
def test_a_build_finds_the_same_errors_without_the_rules_that_only_warn(
    case: str, mini_catalog: Callable[[str | None], Path]
) -> None:
    from llmcat.validate import validate_catalog

    root = mini_catalog(case)
    everything, _ = validate_catalog(root)
    errors_only, _ = validate_catalog(root, warnings=False)
    assert errors_only.errors == everything.errors
    assert {p.code for p in errors_only.problems} <= {p.code for p in everything.problems}


@pytest.mark.parametrize("case", ["inherited-restriction", "fullwidth-alias"])
def test_a_build_does_not_look_for_the_lines_of_warnings_it_does_not_keep(
    case: str, mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import validate

    located: list[Any] = []
    original = validate._positions
    monkeypatch.setattr(validate, "_positions", lambda args: located.append(args) or original(args))
    root = mini_catalog(case)
    assert validate.validate_catalog(root)[0].warnings and located  # `llmcat validate` reports them
    located.clear()
    store.open_catalog(root)
    assert located == []


def test_a_rebuild_that_reads_every_file_again_stays_within_sqlites_variable_limit(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import database

    if not hasattr(sqlite3.Connection, "setlimit"):  # Python 3.11 on
        pytest.skip("no Connection.setlimit")
    root = mini_catalog(None)
    for n in range(40):
        (root / "models" / f"m-{n}.yaml").write_text(_model(f"m-{n}", "base_model: base-7b\n"), encoding="utf-8")
    _age_all(root)
    store.open_catalog(root).conn.close()
    for path in root.rglob("*.yaml"):  # same content, new mtimes: every file is read again
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    connect = sqlite3.connect

    def limited(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 25)  # a row of `entries`, not 43 ids
        return conn

    monkeypatch.setattr(sqlite3, "connect", limited)
    monkeypatch.setattr(database, "IN_BATCH", 10)  # what 500 is to SQLite's limits of 999 and 32,766
    warnings: list[str] = []
    again = store.open_catalog(root, warn=warnings.append)
    assert warnings == [] and again.location != ":memory:"
    assert len(again.records) == 43


def test_files_too_recent_at_the_last_build_are_read_again(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    store.open_catalog(root)
    (root / "models" / "extra.yaml").write_text("x", encoding="utf-8")  # any change: a rebuild
    read = _count_reads(monkeypatch)
    with pytest.raises(LlmcatError):
        store.open_catalog(root)
    assert len(read) == len(list(root.rglob("*.yaml")))


def test_cache_command_lists_databases_prunes_and_clears_only_its_own_files(
    run: Callable[..., Result], mini_catalog: Callable[[str | None], Path], tmp_path: Path
) -> None:
    import shutil

    root = mini_catalog(None)
    assert run("search", "--catalog", str(root)).exit_code == 0
    listed = json.loads(run("cache", "--json").stdout)
    assert listed["cache_dir"] == str(cache_dir())
    assert [(c["root"], c["entries"], c["exists"]) for c in listed["databases"]] == [(str(root.resolve()), 3, True)]
    assert str(root.resolve()) in run("cache", env={"COLUMNS": "200"}).stdout
    gone = tmp_path / "gone"
    shutil.copytree(root, gone)
    assert run("search", "--catalog", str(gone)).exit_code == 0
    shutil.rmtree(gone)
    old = time.time() - 3 * 86400
    (cache_dir() / "links.json").write_text(
        json.dumps(
            {
                "format": 2,
                "results": {
                    "a": {"checked_at": old, "ttl": 86400, "result": {}},
                    "b": {"checked_at": time.time(), "ttl": 86400, "result": {}},
                },
            }
        ),
        encoding="utf-8",
    )
    pruned = json.loads(run("cache", "--prune", "--json").stdout)
    assert pruned["removed_databases"] == [str(gone.resolve())] and pruned["expired_results"] == 1
    listed = json.loads(run("cache", "--json").stdout)
    assert [c["root"] for c in listed["databases"]] == [str(root.resolve())]
    assert [(n["name"], n["results"]) for n in listed["network"]] == [("links", 1)]
    keep = cache_dir() / "notes.txt"
    keep.write_text("not llmcat's", encoding="utf-8")
    cleared = json.loads(run("cache", "--clear", "--json").stdout)
    assert cleared["removed_files"] == 2 and cleared["removed_bytes"] > 0
    assert json.loads(run("cache", "--json").stdout)["databases"] == [] and keep.exists()


def _model(entry_id: str, extra: str = "") -> str:
    return (
        f"id: {entry_id}\nkind: model\nname: {entry_id}\norganization: Example Lab\n"
        "summary:\n  en: A model of the rebuild tests.\n  zh: 重建测试使用的模型。\n"
        "languages: [en]\nlicense:\n  weights: apache-2.0\n"
        f"{extra}sources:\n  - url: https://example.org/m\n    primary: true\n    about: [license]\n"
    )


def test_after_an_edit_only_the_entry_and_those_whose_lineage_reaches_it_get_new_verdicts(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import lineage

    root = mini_catalog(None)
    (root / "licenses" / "research.yaml").write_text(
        (root / "licenses" / "apache-2.0.yaml")
        .read_text(encoding="utf-8")
        .replace("id: apache-2.0", "id: research")
        .replace("commercial: yes", "commercial: 'no'")
        .replace("spdx: Apache-2.0", "spdx: LicenseRef-Research"),
        encoding="utf-8",
    )
    (root / "models" / "chat-7b.yaml").write_text(
        _model("chat-7b", "base_model: base-7b\nlineage_note:\n  en: Reviewed.\n  zh: 已审阅。\n"), encoding="utf-8"
    )
    (root / "models" / "other-1b.yaml").write_text(_model("other-1b"), encoding="utf-8")
    _age_all(root)
    store.open_catalog(root).conn.close()
    path = root / "models" / "base-7b.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("weights: apache-2.0", "weights: research"), encoding="utf-8"
    )
    computed: list[str] = []
    original = lineage.verdict
    monkeypatch.setattr(
        lineage,
        "verdict",
        lambda catalog, entry_id, *rest, **named: (
            computed.append(entry_id) or original(catalog, entry_id, *rest, **named)
        ),
    )
    again = store.open_catalog(root)
    assert sorted(set(computed)) == ["base-7b", "chat-7b"]
    assert again.verdicts["chat-7b"]["effective"] == "no"
    monkeypatch.setattr(lineage, "verdict", original)
    fresh = store.open_catalog(root, use_cache=False)
    assert {i: again.verdicts[i] for i in again.records} == {i: fresh.verdicts[i] for i in fresh.records}


@pytest.mark.parametrize("needle", ["骆驼", "羊驼", "a", "chat", "llama-7b", "悟道·天鹰", "neox", '"x', "%", "_"])
def test_text_search_without_trigram_finds_the_same_entries(needle: str) -> None:
    catalog = store.open_catalog(CATALOG)
    with_fts = [h.record["id"] for h in query.search(catalog, query.Query(text=needle))]
    catalog.text_search = "instr"  # what a SQLite without the trigram tokenizer gets
    assert [h.record["id"] for h in query.search(catalog, query.Query(text=needle))] == with_fts


def test_a_reader_keeps_reading_while_a_rebuild_replaces_the_database(
    mini_catalog: Callable[[str | None], Path],
) -> None:
    root = mini_catalog(None)
    reader = store.open_catalog(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert store.open_catalog(root).records["base-7b"]["name"] == "Base-7B v2"
    assert reader.records["base-7b"]["name"] == "Base-7B"  # its own, whole, previous database
    assert len(query.search(reader, query.Query())) == 2


def test_export_writes_the_same_database_with_the_usual_permissions(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "out" / "llmcat.db"
    result = run("export", "--format", "sqlite", str(out))
    assert result.exit_code == 0 and "wrote" in result.stderr, result
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    exported = sqlite3.connect(out)
    stored = store.open_catalog(CATALOG)
    assert exported.execute("SELECT id, record, verdict FROM entries ORDER BY rowid").fetchall() == (
        stored.conn.execute("SELECT id, record, verdict FROM entries ORDER BY rowid").fetchall()
    )
    assert run("export", str(tmp_path)).exit_code != 0  # a folder is not a file to write


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in ("entries", "languages", "tags", "licenses", "edges", "generators", "names", "outputs"):
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def test_a_rebuild_in_place_holds_what_a_full_build_writes(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import database

    root = mini_catalog(None)
    (root / "models" / "chat-7b.yaml").write_text(
        _model("chat-7b", "base_model: base-7b\nlineage_note:\n  en: Reviewed.\n  zh: 已审阅。\n"), encoding="utf-8"
    )
    (root / "models" / "old-1b.yaml").write_text(_model("old-1b"), encoding="utf-8")
    _age_all(root)
    store.open_catalog(root).conn.close()
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B 骆驼 v2"), encoding="utf-8")
    (root / "models" / "old-1b.yaml").unlink()
    (root / "models" / "new-2b.yaml").write_text(_model("new-2b", "aliases: [Base-7B]\n"), encoding="utf-8")
    in_place: list[tuple[list[str], set[str]]] = []
    original = database.Writer.finish

    def finish(writer: database.Writer, catalog: Any, removed: Any, *rest: Any) -> None:
        if not writer.fresh:
            in_place.append((sorted(writer.added), set(removed)))
        original(writer, catalog, removed, *rest)

    monkeypatch.setattr(database.Writer, "finish", finish)
    updated = store.open_catalog(root)
    assert in_place == [(["base-7b", "new-2b"], {"old-1b"})]
    fresh = store.open_catalog(root, use_cache=False)
    assert _tables(updated.conn) == _tables(fresh.conn)
    for needle in ("骆驼", "base-7b 骆驼", "old-1b", "new-2b", "v2"):
        q = query.Query(text=needle)
        assert [h.to_json() for h in query.search(updated, q)] == [h.to_json() for h in query.search(fresh, q)]
    assert list(updated.records) == list(fresh.records) and updated.resolve("base-7b") == ["base-7b"]


def test_a_rebuild_removes_an_entrys_rows_through_indexes_not_scans() -> None:
    # Each file read again deletes its rows from every link table: a scan there made a rebuild
    # of 2,000 touched files at 100k take 23 s (quadratic) instead of seconds.
    from llmcat.database import LINK_TABLES

    conn = store.open_catalog(CATALOG).conn
    for table in LINK_TABLES:
        plan = " ".join(
            row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN DELETE FROM {table} WHERE entry_id = ?", ("x",))
        )
        assert plan.startswith("SEARCH") and "INDEX" in plan, (table, plan)
