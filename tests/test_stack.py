"""`llmcat stack`: the combined verdict, terms and licenses of entries shipped together."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import GOLDEN, update_golden

Run = Callable[..., object]
STACK = ("chatglm-6b", "belle-train-1m-cn", "fastchat")


def _json(run: Run, *args: str) -> dict:  # type: ignore[type-arg]
    result = run("stack", *args, "--format", "json")
    assert result.exit_code == 0, result  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined,no-any-return]


def test_the_stack_verdict_is_the_most_restrictive_of_its_entries(run: Run) -> None:
    bill = _json(run, *STACK)
    own = {e["id"]: e["commercial_use"]["effective"] for e in bill["entries"]}
    rank = ["no", "unknown", "conditional", "yes"]
    worst = min(own.values(), key=rank.index)
    assert bill["commercial_use"]["effective"] == worst
    assert bill["commercial_use"]["deciding"] == [i for i in STACK if own[i] == worst]
    assert all(r["path"][0] in bill["commercial_use"]["deciding"] for r in bill["commercial_use"]["reasons"])


def test_shared_terms_are_listed_once_with_every_entry_they_come_from(run: Run) -> None:
    bill = _json(run, "fastchat", "peft")  # both Apache-2.0 toolkits
    texts = [t["en"] for t in bill["obligations"]]
    assert len(texts) == len(set(texts)) and texts
    assert all(t["entries"] == ["fastchat", "peft"] for t in bill["obligations"])
    assert [lic["id"] for lic in bill["licenses"]] == ["apache-2.0"]


def test_the_verdict_keeps_the_shape_of_show_json(run: Run) -> None:
    show = json.loads(run("show", "chatglm-6b", "--json").stdout)["commercial_use"]  # type: ignore[attr-defined]
    bill = _json(run, "chatglm-6b")["commercial_use"]
    assert set(show) <= set(bill)
    assert {k: bill[k] for k in ("declared", "effective")} == {k: show[k] for k in ("declared", "effective")}
    assert all(set(c) >= {"en", "zh", "license", "status"} for c in bill["conditions"])


def test_notice_text_is_pinned(run: Run) -> None:
    result = run("stack", *STACK, "--format", "notice")
    expected_file = GOLDEN / "stack" / "notice.txt"
    if update_golden():
        expected_file.write_text(result.stdout, encoding="utf-8")  # type: ignore[attr-defined]
    assert result.stdout == expected_file.read_text(encoding="utf-8"), result  # type: ignore[attr-defined]


def test_cyclonedx_bom_validates_against_the_official_schema(run: Run) -> None:
    validation = pytest.importorskip("cyclonedx.validation.json", reason="cyclonedx-python-lib (test extra) is needed")
    from cyclonedx.schema import SchemaVersion

    result = run("stack", *STACK, "alpaca-7b", "--format", "cyclonedx")
    assert result.exit_code == 0, result  # type: ignore[attr-defined]
    text = result.stdout  # type: ignore[attr-defined]
    error = validation.JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)[:2000]
    bom = json.loads(text)
    refs = {c["bom-ref"]: c for c in bom["components"]}
    assert refs["chatglm-6b"]["type"] == "machine-learning-model" and "modelCard" in refs["chatglm-6b"]
    assert refs["belle-train-1m-cn"]["type"] == "data" and refs["fastchat"]["type"] == "library"
    assert "llama-7b" in refs, "the lineage of alpaca-7b is part of the BOM"
    depends = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert "llama-7b" in depends["alpaca-7b"] and all(dep in refs for deps in depends.values() for dep in deps)


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("nosuch-model",), 1, "no entry"),
        (("pythia",), 2, "pick one id"),
        (("apache-2.0",), 2, "is a license"),
        (("chatglm-6b", "--json", "--format", "notice"), 2, "one format"),
    ],
)
def test_bad_stacks_are_clear_errors(run: Run, args: tuple[str, ...], code: int, says: str) -> None:
    result = run("stack", *args)
    assert result.exit_code == code and says in result.stderr, result  # type: ignore[attr-defined]
