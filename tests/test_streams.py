"""Every command under hostile standard streams: encodings that cannot carry the catalog's
text, a closed stdout or stderr, a full disk, a reader that leaves early. These run the real
process (`python -m llmcat`), since the stream state is the point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.conftest import Result

Run = Callable[..., Result]
Llmcat = Callable[..., subprocess.CompletedProcess[bytes]]

ENCODINGS: dict[str, dict[str, str]] = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "gbk": {"PYTHONIOENCODING": "gbk"},  # carries Chinese, not the catalog's emoji
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "C locale": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "", "PYTHONCOERCECLOCALE": "0"},
}
# (arguments, exit code, how stdout is read back); every command under ASCII, the strictest,
COMMANDS: list[tuple[tuple[str, ...], int, str]] = [
    (("search",), 0, "text"),
    (("search", "--json"), 0, "json"),
    (("search", "--format", "csv"), 0, "text"),
    (("search", "--format", "markdown"), 0, "text"),
    (("search", "--format", "yaml"), 0, "yaml"),
    (("show", "peft", "--json"), 0, "json"),
    (("show", "chatglm-6b", "--lang-ui", "zh"), 0, "text"),
    (("show", "chatglm-6b", "--json"), 0, "json"),
    (("why", "chatglm-6b", "--lang-ui", "zh"), 0, "text"),
    (("why", "chatglm-6b", "--json"), 0, "json"),
    (("fit", "--vram", "24", "--lang", "zh"), 0, "text"),
    (("validate",), 0, "text"),
    (("validate", "--format", "json"), 0, "json"),
    (("schema",), 0, "json"),
    (("show", "悟道·天鹰x"), 1, "text"),
]
# and a few under each of the others.
SAMPLE = [COMMANDS[1], COMMANDS[6]]  # search --json holds the catalog's emoji, which gbk lacks


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index cache for the module: every test here reads the shipped catalog."""
    cache = tmp_path_factory.mktemp("cache")
    env = {**os.environ, "LLMCAT_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-m", "llmcat", "search", "--limit", "1"], env=env, capture_output=True, check=True)
    return cache


@pytest.fixture
def llmcat(shared_cache: Path) -> Llmcat:
    base = {**os.environ, "LLMCAT_CACHE_DIR": str(shared_cache), "NO_COLOR": "1", "COLUMNS": "100"}

    def _run(*args: str, env: dict[str, str] | None = None, shell: str = "") -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "llmcat", *args]
        if shell:  # a redirection applied by sh, e.g. '>&-'
            command = ["sh", "-c", f'exec "$@" {shell}', "sh", *command]
        return subprocess.run(command, env={**base, **(env or {})}, capture_output=True)

    return _run


def _read_back(kind: str, text: str) -> object:
    if kind == "json":
        return json.loads(text)
    if kind == "yaml":
        return yaml.safe_load(text)
    return text


def test_every_command_works_whatever_the_output_encoding(llmcat: Llmcat, run: Run) -> None:
    cases = [("ascii", ENCODINGS["ascii"], case) for case in COMMANDS]
    cases += [(name, env, case) for name, env in ENCODINGS.items() if name != "ascii" for case in SAMPLE]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda c: llmcat(*c[2][0], env=c[1]), cases))
    for (name, _, (args, code, kind)), result in zip(cases, done, strict=True):
        where = f"{name}: llmcat {' '.join(args)}: {result.stderr.decode('utf-8', 'replace')[-2000:]}"
        assert result.returncode == code, where
        assert b"Traceback" not in result.stderr and b"Error:" not in result.stderr, where
        encoding = "ascii" if name == "C locale" else name
        shown = _read_back(kind, result.stdout.decode(encoding))  # strict: only what the stream carries
        result.stderr.decode(encoding)
        if kind != "text":  # the whole document, non-ASCII escaped in its own syntax
            assert shown == _read_back(kind, run(*args).stdout), where


def test_text_the_stream_cannot_carry_is_shown_escaped(llmcat: Llmcat) -> None:
    shown = llmcat("show", "chatglm-6b", "--lang-ui", "zh", env=ENCODINGS["ascii"])
    assert "\\u5907\\u6ce8:" in shown.stdout.decode("ascii")  # 备注: (notes)
    missing = llmcat("show", "天鹰x", env=ENCODINGS["latin-1"])
    assert "\\u5929\\u9e70x" in missing.stderr.decode("latin-1")


def test_a_closed_stdout_is_one_error_line_and_exit_1(llmcat: Llmcat) -> None:
    done = llmcat("search", shell=">&-")
    assert done.returncode == 1 and done.stderr.decode() == "error: cannot write to stdout: it is closed\n"
    quiet = llmcat("search", "no-such-words-anywhere", shell=">&-")  # nothing to write: nothing lost
    assert quiet.returncode == 0, quiet.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_error_line_and_exit_1(llmcat: Llmcat) -> None:
    for args in (("search", "--json"), ("show", "chatglm-6b"), ("validate", "--format", "json")):
        done = llmcat(*args, shell="> /dev/full")
        assert done.returncode == 1, done
        assert done.stderr.decode() == "error: cannot write to stdout: No space left on device\n"


def test_a_closed_or_full_stderr_does_not_change_the_exit_code(llmcat: Llmcat) -> None:
    assert llmcat("search", "--json", shell="2>&-").returncode == 0
    assert llmcat("show", "no-such-entry", shell="2>&-").returncode == 1
    if Path("/dev/full").exists():
        assert llmcat("search", "--commercial", shell="2>/dev/full").returncode == 0


def _reader_leaves_at_once(args: list[str], cache: Path) -> tuple[int, str]:
    """Like `llmcat ... | head -c 0`: the pipe is closed before the command writes."""
    env = {**os.environ, "LLMCAT_CACHE_DIR": str(cache)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmcat", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    return proc.wait(), stderr


@pytest.mark.parametrize("args", [["show", "chatglm-6b"], ["why", "chatglm-6b"], ["search"], ["search", "--json"]])
def test_a_reader_that_leaves_early_is_not_an_error(args: list[str], shared_cache: Path) -> None:
    code, stderr = _reader_leaves_at_once(args, shared_cache)
    assert code == 0 and stderr == "", stderr


def test_a_reader_that_leaves_early_keeps_the_commands_own_exit_code(
    tmp_path: Path, mini_catalog: Callable[[str | None], Path]
) -> None:
    broken = mini_catalog("missing-fields")
    code, stderr = _reader_leaves_at_once(["validate", "--catalog", str(broken)], tmp_path)
    assert code == 1 and "FAILED" in stderr and "Traceback" not in stderr, stderr


def test_non_ascii_arguments_are_read_as_utf8_under_the_c_locale(llmcat: Llmcat) -> None:
    found = llmcat("show", "悟道·天鹰", "--json", env=ENCODINGS["C locale"])
    assert found.returncode == 0 and json.loads(found.stdout)["id"] == "aquila-7b", found.stderr
