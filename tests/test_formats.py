"""One registry of output formats for search, show and fit: --format json is --json, and every
command that lists entries speaks csv, markdown and yaml too."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
import yaml

from tests.conftest import Result

Run = Callable[..., Result]


@pytest.mark.parametrize(
    "args", [["search", "--family", "dolly"], ["show", "chatglm-6b"], ["show", "pythia"], ["fit", "--vram", "8"]]
)
def test_format_json_is_json(run: Run, args: list[str]) -> None:
    assert run(*args, "--format", "json").stdout == run(*args, "--json").stdout


@pytest.mark.parametrize("args", [["show", "chatglm-6b"], ["show", "apache-2.0"], ["fit", "--vram", "8"]])
def test_show_and_fit_speak_csv_markdown_and_yaml(run: Run, args: list[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert rows and {"id", "kind", "commercial"} <= set(rows[0])
    markdown = run(*args, "--format", "markdown").stdout.splitlines()
    assert markdown[0].startswith("| id | kind |") and len(markdown) == len(rows) + 2
    loaded = yaml.safe_load(run(*args, "--format", "yaml").stdout)
    as_json = json.loads(run(*args, "--json").stdout)
    assert loaded == as_json


def test_fit_csv_carries_the_fit_columns(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("fit", "--vram", "8", "--format", "csv").stdout)))
    assert rows and all(row["at"] and row["GiB"] for row in rows)
