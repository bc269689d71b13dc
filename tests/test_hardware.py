"""Memory estimates against figures the projects publish."""

from __future__ import annotations

import pytest

from llmcat import hardware
from llmcat.catalog import Catalog
from llmcat.validate import validate_catalog
from tests.conftest import CATALOG


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return validate_catalog(CATALOG)[1]


# ChatGLM-6B's README table: inference at fp16/int8/int4, P-tuning v2 at fp16/int8/int4.
# Its figures are minimums for short inputs; estimates at 2048 tokens may run up to 30% above.
@pytest.mark.parametrize(
    ("mode", "precision", "stated"),
    [
        ("inference", "fp16", 13),
        ("inference", "int8", 8),
        ("inference", "int4", 6),
        ("p-tuning", "fp16", 14),
        ("p-tuning", "int8", 9),
        ("p-tuning", "int4", 7),
    ],
)
def test_chatglm_estimates_match_the_readme_table(catalog: Catalog, mode: str, precision: str, stated: float) -> None:
    context = 2048 if mode == "inference" else 128
    est = hardware.estimate(catalog.records["chatglm-6b"], mode, precision, context=context)
    assert est is not None and est.from_config
    assert 0.85 <= est.total_gb / stated <= 1.3, est


def test_falcon_7b_multi_query_kv_cache_is_not_overstated(catalog: Catalog) -> None:
    falcon = catalog.records["falcon-7b"]
    shape = hardware.shape_of(falcon)
    assert shape is not None and shape.kv_heads == 1
    mqa = hardware.kv_cache_bytes(shape, 2048, 1)
    naive = hardware.kv_cache_bytes(
        hardware.Shape(shape.layers, shape.hidden, shape.heads, shape.heads, 0, True), 2048, 1
    )
    assert naive / mqa == pytest.approx(71)
    assert mqa / 1e9 == pytest.approx(0.0168, rel=0.01)


def test_falcon_7b_bf16_inference_near_its_card(catalog: Catalog) -> None:
    est = hardware.estimate(catalog.records["falcon-7b"], "inference", "bf16", context=2048)
    assert est is not None and 14 <= est.total_gb <= 18  # card: "at least 16GB"


# Rules of thumb for a 7B model: full fine-tuning with mixed-precision AdamW ~16 bytes/param
# (about 112 GB before activations), LoRA ~ the 16-bit weights plus a little, QLoRA under 10 GB.
def test_training_rules_of_thumb(catalog: Catalog) -> None:
    llama = dict(catalog.records["llama-7b"])
    llama.setdefault("config", {"layers": 32, "hidden_size": 4096, "attention_heads": 32})
    full = hardware.estimate(llama, "full-finetune", "bf16", context=512)
    lora = hardware.estimate(llama, "lora", "fp16", context=512)
    qlora = hardware.estimate(llama, "qlora", "int4", context=512)
    assert full and lora and qlora
    assert 112 <= full.weights_gb + full.gradients_gb + full.optimizer_gb <= 113
    assert 14 <= lora.total_gb <= 20
    assert 4 <= qlora.total_gb <= 10


def test_fallback_without_config_is_marked() -> None:
    est = hardware.estimate({"kind": "model", "params": 7_000_000_000}, "inference", "fp16")
    assert est is not None and not est.from_config


def test_stated_figure_typo_is_caught() -> None:
    record = {
        "kind": "model",
        "params": 6_200_000_000,
        "config": {"layers": 28, "hidden_size": 4096, "attention_heads": 32, "vocab_size": 130528},
        "hardware": [{"mode": "inference", "precision": "fp16", "vram_gb": 1.3, "source": "https://x.org"}],
    }
    assert hardware.stated_vs_estimate(record)


def test_disagreeing_sources_use_the_larger_figure(catalog: Catalog) -> None:
    figure = hardware.stated(catalog.records["chatglm-6b"], "inference", "int8")
    assert figure is not None and figure["vram_gb"] == 10


def test_best_fit_prefers_precision_then_falls_back(catalog: Catalog) -> None:
    chatglm = catalog.records["chatglm-6b"]
    assert hardware.best_fit(chatglm, 24) == hardware.Fit("inference", "fp16", 13.0, "stated", 11.0)
    fit = hardware.best_fit(chatglm, 8)
    assert fit is not None and fit.precision == "int4"
    assert hardware.best_fit(chatglm, 4) is None


def test_a_per_gpu_figure_of_a_sharded_setup_is_not_a_one_gpu_fit(catalog: Catalog) -> None:
    alpaca = catalog.records["alpaca-7b"]
    assert any(h.get("gpus") == 4 for h in alpaca["hardware"])
    assert hardware.stated(alpaca, "full-finetune", "bf16") is None
    fit = hardware.best_fit(alpaca, 80, "full-finetune")
    assert fit is None or fit.basis == "estimated"  # 4 x 80 GB is not one 80 GB card
    row = next(r for r in hardware.hardware_rows(alpaca) if r.get("gpus"))
    assert (row["gpus"], row["stated_gb"]) == (4, 80)
