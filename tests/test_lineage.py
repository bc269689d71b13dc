"""Commercial-use verdicts on real catalog entries with known answers, and their invariants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.validate import validate_catalog
from tests.conftest import CATALOG, Result


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    report, cat = validate_catalog(CATALOG)
    assert not report.errors, [p.format() for p in report.errors]
    return cat


def effective(cat: Catalog, entry_id: str, **kw: object) -> str:
    return lineage.verdict(cat, entry_id, **kw).effective  # type: ignore[arg-type]


def test_llama_v1_based_chinese_model_is_no(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "chinese-alpaca-7b")
    assert verdict.effective == "no"
    assert any(r.license == "llama-license" for r in verdict.reasons)


def test_permissive_weights_tuned_on_alpaca_data_are_no(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "luotuo-lora-7b-0.3")
    assert verdict.declared == "yes"
    assert verdict.effective == "no"
    assert any(r.path[-1] == "alpaca-data" for r in verdict.reasons)


def test_dolly_v2_is_yes(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "dolly-v2-12b")
    assert verdict.effective == "yes", verdict.reasons
    assert catalog.records["dolly-v2-12b"]["base_model"] == "pythia-12b"


def test_chatglm_is_conditional_on_registration(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "chatglm-6b")
    assert verdict.effective == "conditional"
    assert any("regist" in c["en"].lower() for c in verdict.conditions)


def test_as_of_uses_the_license_history(catalog: Catalog) -> None:
    assert effective(catalog, "chatglm-6b", as_of="2023-05-01") == "no"
    assert effective(catalog, "chatglm-6b", as_of="2023-08-01") == "conditional"


def test_declared_policy_ignores_the_lineage(catalog: Catalog) -> None:
    assert effective(catalog, "luotuo-lora-7b-0.3", policy="declared") == "yes"


def test_mixed_license_data_is_a_caveat_not_a_verdict(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "pythia-12b")
    assert verdict.effective == "yes"
    assert any("the-pile" in c for c in verdict.caveats)


def test_openai_generator_terms_stay_a_condition_of_research_only_data(catalog: Catalog) -> None:
    verdict = lineage.verdict(catalog, "belle-train-2m-cn")
    assert verdict.effective == "no"
    assert any(c.get("license") == "openai-terms" for c in verdict.conditions)


@pytest.mark.parametrize(
    "entry_id",
    [
        "belle-train-0.5m-cn",
        "belle-train-1m-cn",
        "belle-train-2m-cn",
        "belle-7b-2m",
        "belle-llama-7b-2m",
        "alpaca-data-zh-51k",
    ],
)
def test_stated_research_only_terms_beat_the_license_file(catalog: Catalog, entry_id: str) -> None:
    verdict = lineage.verdict(catalog, entry_id, policy="declared")
    assert verdict.declared == "no", verdict.reasons
    assert verdict.reasons[0].license.endswith("-research-only")


def test_effective_never_looser_than_upstream_on_the_real_catalog(catalog: Catalog) -> None:
    for record in catalog.entries():
        covered = set(record.get("override_covers", []))
        mine = lineage.RANK[effective(catalog, record["id"])]
        if record.get("base_model") and record["base_model"] not in covered:
            assert mine <= lineage.RANK[effective(catalog, record["base_model"])], record["id"]
        for dataset in record.get("trained_on", []) + record.get("derived_from", []):
            if dataset in covered:
                continue
            theirs = effective(catalog, dataset)
            if theirs in ("no", "conditional"):
                assert mine <= lineage.RANK[theirs], (record["id"], dataset)


STATUSES = ["yes", "conditional", "no", "unknown"]


@st.composite
def lineages(draw: st.DrawFn) -> Catalog:
    """Random acyclic lineages: models on earlier models and on datasets, with random licenses."""
    records: dict[str, dict[str, object]] = {}
    for status in STATUSES:
        records[f"lic-{status}"] = {
            "id": f"lic-{status}",
            "kind": "license",
            "commercial": status,
            "conditions": [{"en": f"c-{status}", "zh": "条件"}] if status == "conditional" else [],
        }
    n_data = draw(st.integers(1, 4))
    for i in range(n_data):
        records[f"d{i}"] = {
            "id": f"d{i}",
            "kind": "dataset",
            "license": {"data": f"lic-{draw(st.sampled_from(STATUSES))}"},
        }
    n_models = draw(st.integers(1, 6))
    for i in range(n_models):
        model: dict[str, object] = {
            "id": f"m{i}",
            "kind": "model",
            "license": {"weights": f"lic-{draw(st.sampled_from(STATUSES))}"},
            "trained_on": draw(st.lists(st.sampled_from([f"d{j}" for j in range(n_data)]), max_size=3, unique=True)),
        }
        if i and draw(st.booleans()):
            model["base_model"] = f"m{draw(st.integers(0, i - 1))}"
        records[model["id"]] = model  # type: ignore[index]
    return Catalog("generated", records)


@settings(max_examples=200, deadline=None)
@given(lineages())
def test_property_effective_is_the_most_restrictive_explicit_term(cat: Catalog) -> None:
    for record in cat.entries(("model",)):
        verdict = lineage.verdict(cat, record["id"])
        mine = lineage.RANK[verdict.effective]
        assert mine <= lineage.RANK[verdict.declared]
        if record.get("base_model"):
            assert mine <= lineage.RANK[lineage.verdict(cat, record["base_model"]).effective]
        for dataset in record.get("trained_on", []):
            theirs = lineage.verdict(cat, dataset).effective
            if theirs in ("no", "conditional"):
                assert mine <= lineage.RANK[theirs]


def _overriding(covers: list[str]) -> Catalog:
    records = {
        "lic-yes": {"id": "lic-yes", "kind": "license", "commercial": "yes"},
        "lic-cond": {"id": "lic-cond", "kind": "license", "commercial": "conditional"},
        "lic-no": {"id": "lic-no", "kind": "license", "commercial": "no"},
        "own-data": {"id": "own-data", "kind": "dataset", "license": {"data": "lic-no"}},
        "their-base": {"id": "their-base", "kind": "model", "license": {"weights": "lic-cond"}},
        "own-model": {
            "id": "own-model",
            "kind": "model",
            "license": {"weights": "lic-yes"},
            "base_model": "their-base",
            "trained_on": ["own-data"],
            "override_reason": "the data owner released the model",
            "override_covers": covers,
        },
    }
    return Catalog("t", records)  # type: ignore[arg-type]


def test_override_reason_sets_aside_only_the_upstream_entries_it_covers() -> None:
    verdict = lineage.verdict(_overriding(["own-data"]), "own-model")
    assert verdict.effective == "conditional"  # the base model it does not cover still counts
    assert verdict.override_reason == "the data owner released the model"
    assert [r.path[-1] for r in verdict.reasons] == ["their-base"]
    assert lineage.verdict(_overriding(["own-data", "their-base"]), "own-model").effective == "yes"


@pytest.mark.parametrize(
    ("added", "code"),
    [
        ('override_reason: "the data owner released it"\n', "override-scope"),
        ("override_covers: [web-data]\n", "override-scope"),
        ('override_reason: "the data owner released it"\noverride_covers: [base-7b]\n', "override-covers-not-upstream"),
    ],
)
def test_an_override_says_why_and_names_upstream_entries_it_covers(
    run: Callable[..., Result], mini_catalog: Callable[[str | None], Path], added: str, code: str
) -> None:
    root = mini_catalog(None)
    entry = root / "models" / "base-7b.yaml"
    entry.write_text(entry.read_text(encoding="utf-8") + added, encoding="utf-8")
    result = run("validate", "--catalog", str(root), "--format", "json")
    assert result.exit_code == 1, result
    assert code in [p["code"] for p in json.loads(result.stdout)["problems"]]
    fine = 'override_reason: "the data owner released it"\noverride_covers: [web-data]\n'
    entry.write_text(entry.read_text(encoding="utf-8").replace(added, fine), encoding="utf-8")
    assert run("validate", "--catalog", str(root)).exit_code == 0


def test_an_upstream_entry_set_aside_is_marked_in_the_tree(run: Callable[..., Result]) -> None:
    tree = json.loads(run("why", "moss-moon-003-sft", "--json").stdout)
    (data,) = [child for child in tree["children"] if child["id"] == "moss-003-sft-data"]
    (base,) = [child for child in tree["children"] if child["id"] == "moss-moon-003-base"]
    assert data["set_aside"] and not data["propagates"] and not base["set_aside"]
    assert tree["effective"] == base["effective"] == "no"  # CodeGen's statement, through the base


def test_a_node_in_another_role_keeps_everything_else() -> None:
    node = lineage.Node("a", "entry", "model", "mit", "yes")
    for name in lineage.Node.__slots__:
        if name != "role":
            setattr(node, name, object())  # a distinct marker per slot
    copy = node.with_role("base model")
    assert copy.role == "base model"
    assert [s for s in lineage.Node.__slots__ if s != "role" and getattr(copy, s) is not getattr(node, s)] == []


def _records(*records: dict[str, object]) -> Catalog:
    return Catalog("synthetic", {str(r["id"]): dict(r) for r in records})


_TERMS = {
    "id": "openai-terms",
    "kind": "license",
    "commercial": "conditional",
    "conditions": [{"en": "no competing models", "zh": "不得开发竞争模型"}],
    "applies_to_outputs_of": ["gpt-4", "ChatGPT"],
}
_OPEN = {"id": "apache-2.0", "kind": "license", "commercial": "yes"}
_MIXED = {"id": "mixed-per-source", "kind": "license", "commercial": "unknown"}


@pytest.mark.parametrize("data_license", ["mixed-per-source", "apache-2.0", "missing-license"])
@pytest.mark.parametrize("generator", [{"model": "gpt-4"}, {"model": "ChatGPT", "named": "product"}])
def test_generator_terms_pass_on_whatever_the_datasets_own_license(
    data_license: str, generator: dict[str, str]
) -> None:
    shared = {
        "id": "chat-logs",
        "kind": "dataset",
        "license": {"data": data_license},
        "generated_by": [generator],
    }
    model = {"id": "tuned-7b", "kind": "model", "license": {"weights": "apache-2.0"}, "trained_on": ["chat-logs"]}
    cat = _records(_TERMS, _OPEN, _MIXED, shared, model)
    verdict = lineage.verdict(cat, "tuned-7b")
    assert verdict.effective == "conditional", verdict.reasons
    assert any(r.path == ("tuned-7b", "chat-logs", generator["model"]) for r in verdict.reasons), verdict.reasons
    assert any(c["en"] == "no competing models" for c in verdict.conditions)


def test_an_unknown_data_license_alone_only_adds_a_caveat() -> None:
    shared = {"id": "web", "kind": "dataset", "license": {"data": "mixed-per-source"}}
    model = {"id": "base-7b", "kind": "model", "license": {"weights": "apache-2.0"}, "trained_on": ["web"]}
    verdict = lineage.verdict(_records(_OPEN, _MIXED, shared, model), "base-7b")
    assert verdict.effective == "yes" and any("unknown or mixed" in c for c in verdict.caveats)


def test_chatyuan_v1_follows_the_readme_pointer_to_its_research_only_license(catalog: Catalog) -> None:
    assert lineage.verdict(catalog, "chatyuan-large-v1").declared == "no"
    assert lineage.verdict(catalog, "chatyuan-large-v1", as_of="2023-03-01").declared == "yes"


def _chain(depth: int) -> dict[str, Record]:
    """A base_model chain ``depth`` long whose deepest entry sorts first (a memo filled in id
    order would not help)."""
    records: dict[str, Record] = {
        "lic-no": {"id": "lic-no", "kind": "license", "commercial": "no"},
        "lic-yes": {"id": "lic-yes", "kind": "license", "commercial": "yes"},
    }
    for level in range(depth):
        entry: Record = {"id": f"m{depth - level:05d}", "kind": "model", "license": {"weights": "lic-yes"}}
        if level:
            entry["base_model"] = f"m{depth - level + 1:05d}"
        else:
            entry["license"] = {"weights": "lic-no"}
        records[entry["id"]] = entry
    return records


def test_a_deep_lineage_is_worked_out_without_recursion() -> None:
    """Under a recursion limit 100 frames above the test's own depth, a 150-level chain (the
    recursive version took four frames a level) is worked out."""
    import inspect
    import sys

    cat = Catalog("deep", _chain(150))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)
    try:
        verdict = lineage.verdict(cat, "m00001")
        node = lineage.explain(cat, "m00001")
    finally:
        sys.setrecursionlimit(limit)
    assert verdict.effective == "no"
    while node.children:
        node = node.children[0]
    assert node.id == "m00150" and node.decisive


def test_a_lineage_deeper_than_the_limit_is_one_problem_at_the_entry_where_it_crosses() -> None:
    found = lineage.too_deep(Catalog("deep", _chain(lineage.MAX_DEPTH + 30)))
    crossing = f"m{30:05d}"
    assert list(found) == [crossing] and len(found[crossing]) == lineage.MAX_DEPTH
    assert lineage.too_deep(Catalog("ok", _chain(lineage.MAX_DEPTH))) == {}


def test_a_loop_is_met_as_a_loop_not_followed() -> None:
    records: dict[str, Record] = {
        "lic-yes": {"id": "lic-yes", "kind": "license", "commercial": "yes"},
        "a": {"id": "a", "kind": "model", "license": {"weights": "lic-yes"}, "base_model": "b"},
        "b": {"id": "b", "kind": "model", "license": {"weights": "lic-yes"}, "base_model": "a"},
    }
    node = lineage.explain(Catalog("loop", records), "a")
    assert [c.id for c in node.children] == ["b"] and node.children[0].children[0].kind == "missing"
    assert node.effective == "unknown"


def test_a_base_model_chain_too_deep_is_a_validation_problem_in_every_command(
    mini_catalog: Callable[[str | None], Path], run: Callable[..., Result]
) -> None:
    root = mini_catalog(None)
    base = "base-7b"
    for level in range(lineage.MAX_DEPTH + 16):  # the 300 is as refused, and slower
        entry = f"chain-{level:03d}"
        (root / "models" / f"{entry}.yaml").write_text(
            f"id: {entry}\nkind: model\nname: Chain {level}\norganization: Example Lab\n"
            "summary:\n  en: A model used by a test.\n  zh: 测试使用的模型。\n"
            f"languages: [en]\nparams: 7B\nbase_model: {base}\nlicense:\n  weights: apache-2.0\n"
            f"sources:\n  - url: https://example.org/{entry}\n    primary: true\n    about: [params]\n",
            encoding="utf-8",
        )
        base = entry
    checked = run("validate", "--catalog", str(root), "--format", "json")
    problems = json.loads(checked.stdout)["problems"]
    assert checked.exit_code == 1 and [p["code"] for p in problems] == ["lineage-too-deep"], checked
    assert "chain-062" in problems[0]["path"] and "more than 64 levels deep" in problems[0]["message"]
    for command in (["show", "chain-079"], ["why", "chain-079", "--json"], ["search"]):
        refused = run(*command, "--catalog", str(root))
        assert refused.exit_code == 1 and "[lineage-too-deep]" in refused.stderr.replace("\n", " "), refused
