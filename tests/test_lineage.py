"""Commercial-use verdicts on real catalog entries with known answers, and their invariants."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcat import lineage
from llmcat.catalog import Catalog
from llmcat.validate import validate_catalog
from tests.conftest import CATALOG


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
        if record.get("override_reason"):
            continue
        mine = lineage.RANK[effective(catalog, record["id"])]
        if record.get("base_model"):
            assert mine <= lineage.RANK[effective(catalog, record["base_model"])], record["id"]
        for dataset in record.get("trained_on", []) + record.get("derived_from", []):
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


def test_override_reason_keeps_the_declared_status(tmp_path: Path) -> None:
    records = {
        "lic-yes": {"id": "lic-yes", "kind": "license", "commercial": "yes"},
        "lic-no": {"id": "lic-no", "kind": "license", "commercial": "no"},
        "own-data": {"id": "own-data", "kind": "dataset", "license": {"data": "lic-no"}},
        "own-model": {
            "id": "own-model",
            "kind": "model",
            "license": {"weights": "lic-yes"},
            "trained_on": ["own-data"],
            "override_reason": "the data owner released the model",
        },
    }
    cat = Catalog("t", records)  # type: ignore[arg-type]
    verdict = lineage.verdict(cat, "own-model")
    assert verdict.effective == "yes"
    assert verdict.override_reason == "the data owner released the model"


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
