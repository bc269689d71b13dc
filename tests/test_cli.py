"""The CLI through typer's runner: exit codes, formats, stdout/stderr discipline."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result

Run = Callable[..., Result]


def test_validate_json_is_one_parseable_document(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("validate", "--catalog", str(mini_catalog("dangling-reference")), "--format", "json")
    assert result.exit_code == 1, result
    doc = json.loads(result.stdout)
    assert doc["status"] == "fail" and doc["errors"] == 2
    first = doc["problems"][0]
    assert set(first) == {"path", "line", "column", "field", "message", "code", "severity"}
    assert (first["field"], first["code"], first["line"]) == ("base_model", "dangling-reference", 16)


def test_validate_github_annotations(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("validate", "--catalog", str(mini_catalog("bad-id")), "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=catalog/models/Bad_Id.yaml,line=1,col=1,title=bad-id id::")


def test_validate_auto_picks_github_under_actions(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("validate", "--catalog", str(mini_catalog("bad-id")), env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error "), result


def test_warnings_pass_unless_strict(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = str(mini_catalog("inherited-restriction"))
    assert run("validate", "--catalog", root).exit_code == 0
    assert run("validate", "--catalog", root, "--strict").exit_code == 1


def test_validate_paths_limit_the_report(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog("dangling-reference")
    result = run("validate", "--catalog", str(root), str(root / "models" / "base-7b.yaml"))
    assert result.exit_code == 0 and result.stdout == "", result


def test_usage_errors_exit_2(run: Run) -> None:
    assert run("validate", "--format", "xml").exit_code == 2
    assert run("search", "--params", "lots").exit_code == 2
    assert run("search", "--as-of", "yesterday").exit_code == 2


def test_missing_catalog_folder_is_an_error_not_a_traceback(run: Run, tmp_path: Path) -> None:
    result = run("search", "--catalog", str(tmp_path / "nope"))
    assert result.exit_code in (1, 2), result
    assert "Traceback" not in result.stderr


def test_invalid_catalog_refuses_queries(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("search", "--catalog", str(mini_catalog("cycle")))
    assert result.exit_code == 1
    assert "llmcat validate" in result.stderr and result.stdout == ""


def test_search_zh_commercial_excludes_llama_v1_lineage(run: Run) -> None:
    result = run("search", "--lang", "zh", "--commercial", "--json")
    assert result.exit_code == 0, result
    hits = json.loads(result.stdout)
    ids = {h["id"] for h in hits}
    assert "chatglm-6b" in ids and "aquila-7b" in ids
    assert not ids & {"chinese-alpaca-7b", "chinese-llama-7b", "belle-llama-7b-2m", "luotuo-lora-7b-0.3"}
    for hit in hits:
        assert hit["commercial_use"]["effective"] in ("yes", "conditional")
        assert any(lang == "zh" or lang.startswith("zh-") for lang in hit["languages"])


def test_search_text_matches_chinese_aliases(run: Run) -> None:
    result = run("search", "骆驼", "--json")
    assert "luotuo-lora-7b-0.3" in {h["id"] for h in json.loads(result.stdout)}


def test_search_params_range_and_sort(run: Run) -> None:
    hits = json.loads(run("search", "--family", "pythia", "--params", "1B..7B", "--sort", "params", "--json").stdout)
    params = [h["params"] for h in hits]
    assert params == sorted(params) and all(1e9 <= p <= 7e9 for p in params)


def test_search_formats(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("search", "--family", "dolly", "--format", "csv").stdout)))
    assert {r["id"] for r in rows} >= {"dolly-v2-12b", "dolly-v1-6b"}
    markdown = run("search", "--family", "dolly", "--format", "markdown").stdout
    assert markdown.splitlines()[0].startswith("| id | kind |")
    assert "dolly-v2-12b" in run("search", "--family", "dolly", "--format", "yaml").stdout


def test_empty_search_says_so_on_stderr(run: Run) -> None:
    result = run("search", "no-such-thing-anywhere")
    assert result.exit_code == 0 and result.stdout == "" and "no entries" in result.stderr
    assert json.loads(run("search", "no-such-thing-anywhere", "--json").stdout) == []


def test_show_json_contract(run: Run) -> None:
    entry: dict[str, Any] = json.loads(run("show", "chatglm-6b", "--json").stdout)
    assert entry["params"] == 6_200_000_000
    use = entry["commercial_use"]
    assert use["effective"] == "conditional" and use["declared"] == "conditional"
    assert any("regist" in c["en"].lower() for c in use["conditions"])
    assert [c["since"] for c in entry["license_history"]] == ["2023-03-14", "2023-07-08"]
    assert any(row["precision"] == "int4" and row["stated_gib"] == 6 for row in entry["memory"])


def test_show_text_has_conditions_history_and_sources(run: Run) -> None:
    out = run("show", "chatglm-6b").stdout
    for needle in ("registration", "since 2023-07-08", "Stated hardware", "https://github.com/THUDM/ChatGLM-6B"):
        assert needle in out, needle


def test_show_chinese_ui(run: Run) -> None:
    out = run("show", "chatglm-6b", "--lang-ui", "zh").stdout
    assert "商用判断" in out


def test_show_alias_and_family(run: Run) -> None:
    assert json.loads(run("show", "悟道·天鹰", "--json").stdout)["id"] == "aquila-7b"
    family = run("show", "pythia")
    assert "pythia-12b" in family.stdout and "family" in family.stdout


def test_show_unknown_suggests(run: Run) -> None:
    result = run("show", "chatglm-6")
    assert result.exit_code == 1
    assert "did you mean" in result.stderr and "chatglm-6b" in result.stderr


def test_why_marks_the_deciding_node(run: Run) -> None:
    out = run("why", "alpaca-7b").stdout
    assert "llama-7b" in out and "decides the verdict" in out and "not legal advice" in out
    tree = json.loads(run("why", "alpaca-7b", "--json").stdout)
    assert tree["effective"] == "no" and any(c["decisive"] for c in tree["children"])


def test_as_of_answers_for_the_date(run: Run) -> None:
    before = json.loads(run("show", "chatglm-6b", "--json", "--as-of", "2023-04-01").stdout)
    assert before["commercial_use"]["effective"] == "no"


def test_fit_8gib_includes_chatglm_at_int4_for_short_inputs(run: Run) -> None:
    hits = json.loads(run("fit", "--vram", "8", "--context", "512", "--json").stdout)
    fit = next(h for h in hits if h["id"] == "chatglm-6b")["fit"]
    assert (fit["mode"], fit["precision"], fit["context"]) == ("inference", "int4", 512)
    assert fit["memory_gib"] <= 8 and fit["margin_gib"] == pytest.approx(8 - fit["memory_gib"], abs=0.011)
    assert fit["basis"] in ("stated", "estimated") and fit["why"]
    assert set(fit["breakdown"]) == {
        "weights",
        "kv_cache",
        "activations",
        "logits",
        "gradients",
        "optimizer",
        "adapters",
        "overhead",
    }


def test_fit_24gib_zh_commercial(run: Run) -> None:
    hits = json.loads(run("fit", "--vram", "24", "--lang", "zh", "--commercial", "--json").stdout)
    ids = {h["id"] for h in hits}
    assert "chatglm-6b" in ids and not ids & {"chinese-alpaca-7b"}
    assert all(h["fit"]["memory_gib"] <= 24 for h in hits)


def test_search_fits(run: Run) -> None:
    hits = json.loads(run("search", "--fits", "8GB", "--family", "pythia", "--json").stdout)
    assert hits and all("fit" in h for h in hits)


def test_catalog_text_is_never_markup_or_escape_codes(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "en: A base model used by the golden tests.", 'en: "[bold red]loud[/] cleared"'
    )
    path.write_text(text, encoding="utf-8")
    out = run("show", "base-7b", "--catalog", str(root), env={"COLUMNS": "200"}).stdout
    assert "[bold red]loud[/]" in out


def test_escape_codes_in_catalog_text_are_refused_before_any_query(
    run: Run, mini_catalog: Callable[[str | None], Path]
) -> None:
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("en: A base model used by the golden tests.", 'en: "\\e[2J cleared"'), "utf-8")
    result = run("show", "base-7b", "--catalog", str(root))
    assert result.exit_code == 1 and "\x1b" not in result.stdout + result.stderr, result


def test_narrow_terminal_keeps_ids_whole(run: Run) -> None:
    out = run("search", "--lang", "zh", "--commercial", env={"COLUMNS": "60"}).stdout
    assert "llama-3-chinese-8b-instruct-v3" in out and "chatglm-6b" in out


def test_schema_command_prints_json_schema(run: Run) -> None:
    schema = json.loads(run("schema", "--kind", "license").stdout)
    assert "commercial" in schema["properties"]


def test_version(run: Run) -> None:
    assert run("--version").stdout.startswith("llmcat ")


def test_main_registers_the_requested_command_or_all(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from llmcat.cli import _requested

    assert _requested(["show", "chatglm-6b"]) == "show"
    assert _requested(["--version"]) is None and _requested(["serch"]) is None
    env = {**os.environ, "LLMCAT_CACHE_DIR": str(tmp_path), "COLUMNS": "100", "NO_COLOR": "1"}

    def llmcat(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "llmcat", *args], env=env, capture_output=True, text=True)

    listed = llmcat("--help").stdout
    assert all(name in listed for name in ("search", "show", "why", "fit", "validate", "schema", "links", "audit"))
    assert listed.index("search") < listed.index("validate")
    shown = llmcat("show", "chatglm-6b", "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == "chatglm-6b"
    typo = llmcat("serch")
    assert typo.returncode == 2 and "Did you mean 'search'?" in typo.stderr


def test_the_collector_is_off_during_start_up_and_on_when_the_command_runs() -> None:
    import subprocess
    import sys

    script = (
        "import gc, sys\n"
        "import typer.main\n"
        "def run(*_, **__):\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
        "    raise SystemExit(3)\n"
        "typer.main.Typer.__call__ = run\n"
        "sys.argv = ['llmcat', 'show', 'chatglm-6b']\n"
        "from llmcat.__main__ import main\n"
        "main()\n"
        "print('not reached: the process ends in main')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_output_is_flushed_and_exit_codes_kept_by_the_fast_exit(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "LLMCAT_CACHE_DIR": str(tmp_path), "NO_COLOR": "1"}

    def llmcat(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "llmcat", *args], env=env, capture_output=True, text=True)

    shown = llmcat("search", "--json")
    assert shown.returncode == 0 and len(json.loads(shown.stdout)) > 100  # all of a long output arrives
    missing = llmcat("show", "no-such-entry")
    assert missing.returncode == 1 and "no entry" in missing.stderr
    assert llmcat("search", "--format", "xml").returncode == 2


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "LLMCAT_CACHE_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "llmcat", "search", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # like `| head -c 10`: the rest of the JSON meets a closed pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 0 and "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def test_search_json_is_one_list_with_one_entry_per_line(run: Run) -> None:
    out = run("search", "--family", "pythia", "--json").stdout
    hits = json.loads(out)
    lines = out.splitlines()
    assert len(hits) > 1 and lines[0] == "[" and lines[-1] == "]" and len(lines) == len(hits) + 2
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == hits


def test_json_from_stored_texts_is_the_decoded_entry_for_every_entry() -> None:
    from llmcat import query
    from llmcat.store import open_catalog
    from tests.conftest import CATALOG

    catalog = open_catalog(CATALOG)
    everything = query.Query(kinds=["model", "dataset", "toolkit", "license"])
    stored = query.search(catalog, everything)
    dated = query.search(catalog, everything._replace(as_of="2024-01-01", policy="lenient"))
    assert len(stored) == len(dated) >= 300
    shared: dict[int, str] = {}
    for hit in [*stored, *dated]:
        hit.extra.update({"fit": {"precision": "int4", "name": "\u202e"}, "fit_memory": "1.0"})
        assert json.loads(hit.json_text()) == hit.to_json() and "fit" in hit.to_json()
        assert json.loads(hit.json_text(shared)) == hit.to_json()  # extras encoded once per object
        hit.extra.update({"name": "an extra that replaces a field"})  # the slow path then
        assert json.loads(hit.json_text()) == hit.to_json()


def test_search_and_fit_write_their_hits_with_the_collector_paused_and_restore_it(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from llmcat import render_query

    paused: list[bool] = []
    write_hits = render_query.write_hits

    def spy(*args: Any, **kwargs: Any) -> None:
        paused.append(not gc.isenabled())
        write_hits(*args, **kwargs)

    monkeypatch.setattr(render_query, "write_hits", spy)
    assert gc.isenabled()
    for args in (["search", "--json"], ["fit", "--vram", "24", "--json"]):
        assert run(*args).exit_code == 0
    assert paused == [True, True] and gc.isenabled()
