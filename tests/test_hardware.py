"""Memory estimates: the additive model, stated figures and their settings, derived sizes,
units, and the calibration table of published measurements."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat import calibration, estimator, hardware
from llmcat.catalog import Catalog
from llmcat.estimator import Recipe, Shape, Sizing
from llmcat.validate import validate_catalog
from llmcat.vocab import BREAKDOWN_TERMS, MODES, PRECISIONS_BY_MODE
from tests.conftest import CATALOG, ROOT, Result

Run = Callable[..., Result]
# Qwen-7B's shape (its config.json), a 7.7B decoder with a 152k vocabulary.
QWEN_7B = Sizing(
    7_721_324_544, Shape(layers=32, hidden=4096, heads=32, kv_heads=32, vocab=151936, ffn=11008, from_config=True)
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return validate_catalog(CATALOG)[1]


def total(mode: str, precision: str, **recipe: object) -> float:
    return estimator.estimate(QWEN_7B, mode, precision, Recipe(**recipe)).total_gib  # type: ignore[arg-type]


# --- the additive model ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_term_is_reported_and_the_total_is_their_sum(mode: str) -> None:
    est = estimator.estimate(QWEN_7B, mode, PRECISIONS_BY_MODE[mode][0])  # type: ignore[index]
    assert tuple(est.breakdown) == BREAKDOWN_TERMS
    shown = est.to_json()
    assert sum(shown["breakdown"].values()) == pytest.approx(shown["total_gib"], abs=0.02)
    assert all(value >= 0 for value in est.breakdown.values())


@pytest.mark.parametrize("mode", MODES)
def test_memory_grows_with_context_and_batch(mode: str) -> None:
    precision = PRECISIONS_BY_MODE[mode][0]  # type: ignore[index]
    by_context = [total(mode, precision, context=c) for c in (256, 1024, 4096, 16384)]
    by_batch = [total(mode, precision, context=1024, batch=b) for b in (1, 2, 8)]
    assert by_context == sorted(by_context) and by_context[0] < by_context[-1]
    assert by_batch == sorted(by_batch) and by_batch[0] < by_batch[-1]


@pytest.mark.parametrize("mode", ["lora", "qlora"])
def test_memory_grows_with_lora_rank_and_targets(mode: str) -> None:
    precision = PRECISIONS_BY_MODE[mode][0]  # type: ignore[index]
    by_rank = [total(mode, precision, lora_rank=r) for r in (8, 16, 64, 256)]
    assert by_rank == sorted(by_rank) and by_rank[0] < by_rank[-1]
    assert total(mode, precision, lora_targets="attention") < total(mode, precision, lora_targets="all-linear")


def test_qwen_7b_rank_64_on_all_linear_layers_trains_about_143m_parameters() -> None:
    # Qwen's README: r=64 on c_attn, c_proj, w1, w2; fused qkv has fewer than separate q, k, v
    trainable = estimator.lora_params(QWEN_7B.shape, 64, "all-linear")
    assert 143e6 <= trainable <= 165e6


@pytest.mark.parametrize("mode", ["lora", "qlora", "full-finetune"])
def test_gradient_checkpointing_lowers_activations(mode: str) -> None:
    precision = PRECISIONS_BY_MODE[mode][0]  # type: ignore[index]
    on = estimator.estimate(QWEN_7B, mode, precision, Recipe(context=4096, grad_checkpointing=True))
    off = estimator.estimate(QWEN_7B, mode, precision, Recipe(context=4096, grad_checkpointing=False))
    assert on.breakdown["activations"] * 5 < off.breakdown["activations"]


def test_eager_attention_adds_the_quadratic_term_flash_does_not() -> None:
    flash = [total("lora", "bf16", context=c, grad_checkpointing=False) for c in (2048, 4096)]
    eager = [total("lora", "bf16", context=c, grad_checkpointing=False, attention="eager") for c in (2048, 4096)]
    assert eager[0] > flash[0]
    assert eager[1] - flash[1] == pytest.approx(4 * (eager[0] - flash[0]), rel=0.01)


def test_qlora_below_lora_below_full_finetune() -> None:
    for context in (256, 2048, 8192):
        qlora, lora = total("qlora", "int4", context=context), total("lora", "bf16", context=context)
        assert qlora < lora < total("full-finetune", "bf16", context=context)


def test_bitsandbytes_training_keeps_embeddings_in_fp32_gptq_does_not() -> None:
    bnb = estimator.estimate(QWEN_7B, "qlora", "int4", Recipe(kbit_fp32_embeddings=True))
    gptq = estimator.estimate(QWEN_7B, "qlora", "int4", Recipe(kbit_fp32_embeddings=False))
    embeddings = 2 * 151936 * 4096
    assert bnb.breakdown["weights"] - gptq.breakdown["weights"] == pytest.approx(embeddings * 2, rel=0.01)


def test_training_logits_are_batch_times_sequence_times_vocab() -> None:
    one = estimator.estimate(QWEN_7B, "lora", "bf16", Recipe(context=2048))
    assert one.breakdown["logits"] == 2048 * 151936 * estimator.TRAIN_LOGIT_BYTES


def test_falcon_7b_multi_query_kv_cache_is_not_overstated(catalog: Catalog) -> None:
    shape = estimator.shape_of(catalog.records["falcon-7b"])
    assert shape is not None and shape.kv_heads == 1
    naive = shape._replace(kv_heads=shape.heads)
    assert estimator.kv_cache_bytes(naive, 2048, 1) / estimator.kv_cache_bytes(shape, 2048, 1) == pytest.approx(71)


def test_fallback_without_config_is_marked() -> None:
    est = estimator.estimate_record({"kind": "model", "params": 7_000_000_000}, "inference", "fp16")
    assert est is not None and not est.from_config


# --- derived sizes ----------------------------------------------------------------------------


def test_an_entry_without_params_borrows_its_base_model_and_says_so(catalog: Catalog) -> None:
    record = catalog.records["chinese-alpaca-7b"]
    assert "params" not in record
    size = estimator.sizing(record, catalog.records.get)
    assert size is not None and size.derived_from == "llama-7b"
    assert size.params == catalog.records["llama-7b"]["params"]
    assert size.reason is not None and "chinese-llama-7b" in size.reason
    fit = hardware.best_fit(record, 80, lookup=catalog.records.get)
    assert fit is not None and fit.to_json()["derived_from_base"]["id"] == "llama-7b"


def test_every_model_gets_an_estimate_or_a_reason(catalog: Catalog) -> None:
    unsized = [r for r in catalog.entries(("model",)) if estimator.sizing(r, catalog.records.get) is None]
    assert len(unsized) < len(list(catalog.entries(("model",)))) / 10, [r["id"] for r in unsized]
    for record in unsized:
        assert estimator.skip_reason(record, catalog.records.get), record["id"]
    orphan = {"id": "x", "kind": "model", "base_model": "missing"}
    assert estimator.sizing(orphan, catalog.records.get) is None
    assert "missing" in estimator.skip_reason(orphan)


def test_chatglm2_config_is_filled_and_its_parameters_add_up(catalog: Catalog) -> None:
    record = catalog.records["chatglm2-6b"]
    shape = estimator.shape_of(record)
    assert shape is not None and (shape.layers, shape.kv_heads, shape.vocab, shape.ffn) == (28, 2, 65024, 13696)
    assert calibration.counted_params(shape) == pytest.approx(record["params"], rel=0.001)


# --- stated figures and their settings ---------------------------------------------------------


def test_a_figure_covers_only_settings_up_to_its_own() -> None:
    figure = {"mode": "inference", "precision": "fp16", "vram_gib": 81, "context": 2048, "batch": 1}
    assert hardware.covers(figure, Recipe(context=2048))
    assert not hardware.covers(figure, Recipe(context=4096))
    assert not hardware.covers(figure, Recipe(context=1024, batch=2))
    assert not hardware.covers({**figure, "measured": "load"}, Recipe(context=16))
    assert not hardware.covers({k: v for k, v in figure.items() if k != "context"}, Recipe(context=16))


def test_moss_uses_its_2048_token_figure_not_the_load_figure(catalog: Catalog) -> None:
    moss = catalog.records["moss-moon-003-sft"]
    at_2048 = hardware.memory(moss, "inference", "fp16", Recipe(context=2048), catalog.records.get)
    assert at_2048 is not None and (at_2048.gib, at_2048.basis) == (81, "stated")
    longer = hardware.memory(moss, "inference", "fp16", Recipe(context=4096), catalog.records.get)
    assert longer is not None and longer.basis == "scaled" and longer.gib > 81
    assert hardware.best_fit(moss, 80, precisions=("fp16",), lookup=catalog.records.get) is None


def test_llama_batch_32_figure_is_not_the_answer_for_batch_1(catalog: Catalog) -> None:
    llama = catalog.records["llama-7b"]
    figure = hardware.figures_for(llama, "inference", "fp16")[0]
    assert (figure["context"], figure["batch"]) == (512, 32)
    mem = hardware.memory(llama, "inference", "bf16", Recipe(context=2048), catalog.records.get)
    assert mem is not None and mem.basis != "stated" and mem.gib < 30


def test_a_runs_on_card_figure_is_an_upper_bound_not_a_requirement(catalog: Catalog) -> None:
    dolly = catalog.records["dolly-v2-3b"]
    assert dolly["hardware"][0]["measured"] == "runs-on"
    mem = hardware.memory(dolly, "inference", "bf16", Recipe(), catalog.records.get)
    assert mem is not None and mem.basis == "estimated" and mem.gib < 12


def test_disagreeing_sources_keep_both_and_fit_uses_the_larger(catalog: Catalog) -> None:
    chatglm = catalog.records["chatglm-6b"]
    assert sorted(h["vram_gib"] for h in hardware.figures_for(chatglm, "inference", "int8")) == [8, 10]
    mem = hardware.memory(chatglm, "inference", "int8", Recipe(context=64), catalog.records.get)
    assert mem is not None and mem.gib >= 10


def test_a_per_gpu_figure_of_a_sharded_setup_is_not_a_one_gpu_fit(catalog: Catalog) -> None:
    alpaca = catalog.records["alpaca-7b"]
    assert any(h.get("gpus") == 4 for h in alpaca["hardware"])
    assert hardware.stated(alpaca, "full-finetune", "bf16") is None
    fit = hardware.best_fit(alpaca, 80, "full-finetune")
    assert fit is None or fit.memory.basis == "estimated"
    row = next(r for r in hardware.hardware_rows(alpaca) if r.get("gpus"))
    assert (row["gpus"], row["stated_gib"]) == (4, 80)


def test_stated_figure_typo_is_caught() -> None:
    record = {
        "kind": "model",
        "params": 6_200_000_000,
        "config": {"layers": 28, "hidden_size": 4096, "attention_heads": 32, "vocab_size": 130528},
        "hardware": [{"mode": "inference", "precision": "fp16", "vram_gib": 1.3, "source": "https://x.org"}],
    }
    assert hardware.stated_vs_estimate(record)


# --- calibration: published measurements ---------------------------------------------------------


@pytest.fixture(scope="module")
def compared(catalog: Catalog) -> list[calibration.Compared]:
    rows = calibration.load(catalog.records.get, ROOT / calibration.TABLE)
    assert all(row.size is not None for row in rows), [row.model for row in rows if row.size is None]
    return calibration.compare(rows)


def test_calibration_table_has_40_rows_with_sources(compared: list[calibration.Compared]) -> None:
    assert len(compared) >= 40
    assert all(c.row.source.startswith("https://") for c in compared)


def test_fit_never_says_fits_where_a_measurement_exceeds_the_card(compared: list[calibration.Compared]) -> None:
    unsafe = [(c.row, card) for c in compared for card in c.unsafe_cards()]
    assert unsafe == []


def test_calibration_meets_its_targets(compared: list[calibration.Compared]) -> None:
    for summary in calibration.summary(compared):
        assert 0.95 <= summary.median <= 1.2, summary
    within = sum(0.8 <= c.ratio <= 1.3 for c in compared) / len(compared)
    assert within >= 0.85


# --- the CLI: units, usage errors, recipes ---------------------------------------------------------


def test_24_24gb_and_24gib_are_the_same_card(run: Run) -> None:
    outputs = {run("fit", "--vram", v, "--json").stdout for v in ("24", "24GB", "24GiB", "24 gib")}
    assert len(outputs) == 1
    assert json.loads(outputs.pop())


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "abc", "1e400", ""])
def test_bad_memory_sizes_are_usage_errors(run: Run, value: str) -> None:
    result = run("fit", "--vram", value, "--json")
    assert result.exit_code == 2, result
    assert "error:" in result.stderr and "Traceback" not in result.stderr and result.stdout == ""
    fits = run("search", "--fits", value, "--json")
    assert fits.exit_code == 2 and "--fits" in fits.stderr, fits


@pytest.mark.parametrize(
    ("mode", "precision"), [("qlora", "fp16"), ("full-finetune", "int8"), ("full-finetune", "int4"), ("lora", "int4")]
)
def test_a_mode_refuses_precisions_it_does_not_run_at(run: Run, mode: str, precision: str) -> None:
    result = run("fit", "--vram", "24", "--mode", mode, "--precision", precision)
    assert result.exit_code == 2 and "does not run at" in result.stderr, result


def test_fit_json_never_holds_nan_or_infinity(run: Run) -> None:
    for args in (["--vram", "0.5"], ["--vram", "80", "--mode", "full-finetune"], ["--vram", "24", "--mode", "qlora"]):
        out = run("fit", *args, "--json").stdout
        assert not re.search(r"\bNaN\b|Infinity", out)
        json.loads(out)


def test_recipe_options_reach_the_estimate(run: Run) -> None:
    args = ["fit", "--vram", "80", "--mode", "lora", "--family", "llama", "--json"]
    small = json.loads(run(*args, "--lora-rank", "8", "--lora-targets", "attention").stdout)
    large = json.loads(run(*args, "--lora-rank", "256", "--no-grad-checkpointing", "--attention", "eager").stdout)
    recipe = small[0]["fit"]["recipe"]
    assert (recipe["lora_rank"], recipe["lora_targets"], recipe["grad_checkpointing"]) == (8, "attention", True)
    by_id = {h["id"]: h["fit"]["estimated_gib"] for h in small}
    assert all(h["fit"]["estimated_gib"] > by_id[h["id"]] for h in large if h["id"] in by_id)


def test_search_fits_takes_the_recipe_options(run: Run) -> None:
    result = run("search", "--fits", "24GiB", "--mode", "qlora", "--context", "4096", "--lora-rank", "16", "--json")
    hits = json.loads(result.stdout)
    assert hits and all(h["fit"]["context"] == 4096 and h["fit"]["recipe"]["lora_rank"] == 16 for h in hits)


def test_fit_names_the_models_it_skips(run: Run, tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root)
    model = root / "models" / "pythia-70m.yaml"
    text = model.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^params:.*\n", "", text)
    text = re.sub(r"(?ms)^config:\n(?:  .*\n)+", "", text)
    model.write_text(text, encoding="utf-8")
    result = run("fit", "--vram", "80", "--family", "pythia", "--catalog", str(root), "--json")
    assert result.exit_code == 0, result
    assert "skipped pythia-70m: no parameter count" in result.stderr
    assert "pythia-70m" not in {h["id"] for h in json.loads(result.stdout)}


def test_help_says_gib_and_lists_every_value(run: Run) -> None:
    out = run("fit", "--help").stdout
    flat = " ".join(out.split())
    for needle in ("GiB", "24GB", "p-tuning", "full-finetune", "all-linear", "eager", "--lora-rank"):
        assert needle in flat, needle


def test_estimates_are_gib_not_decimal_gb() -> None:
    est = estimator.estimate(QWEN_7B, "inference", "bf16", Recipe(context=1, prompt=1))
    assert est.to_json()["breakdown"]["weights"] == pytest.approx(7_721_324_544 * 2 / 2**30, abs=0.001)


def test_a_figure_at_a_precision_its_mode_does_not_run_at_is_refused() -> None:
    from pydantic import ValidationError

    from llmcat.models import HardwareFigure

    for mode, precision in (("qlora", "fp16"), ("full-finetune", "int8")):
        with pytest.raises(ValidationError) as caught:
            HardwareFigure.model_validate(
                {"mode": mode, "precision": precision, "vram_gib": 10, "source": "https://example.org"}
            )
        assert caught.value.errors()[0]["type"] == "bad-precision"


def test_a_measured_training_figure_answers_its_own_setting(catalog: Catalog) -> None:
    chatglm = catalog.records["chatglm-6b"]
    mem = hardware.memory(chatglm, "p-tuning", "int4", Recipe(context=128), catalog.records.get)
    assert mem is not None and (mem.gib, mem.basis) == (6.7, "stated")


def test_show_json_gives_the_breakdown_and_the_derived_marker(run: Run) -> None:
    entry = json.loads(run("show", "chinese-alpaca-7b", "--json").stdout)
    row = entry["memory"][0]
    assert set(row["breakdown"]) == set(BREAKDOWN_TERMS)
    assert row["derived_from_base"]["id"] == "llama-7b" and "chinese-llama-7b" in row["derived_from_base"]["reason"]
    assert "GiB" in run("show", "moss-moon-003-sft").stdout


def test_fit_text_says_which_models_were_sized_from_their_base(run: Run) -> None:
    result = run("fit", "--vram", "24", "--family", "chinese-llama-alpaca")
    assert result.exit_code == 0 and "chinese-alpaca-7b" in result.stdout, result
    said = " ".join(result.stderr.split())  # the note wraps at the terminal's width
    assert "sized from their base model" in said and "chinese-alpaca-7b (llama-7b)" in said


@pytest.mark.parametrize("value", ["nan", "-1", "x"])
def test_bad_ram_sizes_are_usage_errors(run: Run, value: str) -> None:
    result = run("fit", "--vram", "24", "--ram", value)
    assert result.exit_code == 2 and "--ram" in result.stderr, result


def test_a_model_without_params_but_with_a_stated_figure_is_answered_by_the_figure() -> None:
    record = {
        "id": "x",
        "kind": "model",
        "hardware": [{"mode": "inference", "precision": "int4", "vram_gib": 6, "source": "https://example.org"}],
    }
    fit = hardware.best_fit(record, 8)
    assert fit is not None and (fit.precision, fit.memory.gib, fit.memory.basis) == ("int4", 6, "stated")
    assert hardware.best_fit(record, 4) is None


def test_fit_names_the_publishers_own_quantized_release_at_the_precision_it_picks(run: Run) -> None:
    hits = json.loads(run("fit", "--vram", "8", "--family", "qwen", "--json").stdout)
    fitted = {h["id"]: h["fit"] for h in hits}
    int4 = fitted["qwen2.5-7b-instruct"]
    assert int4["precision"] == "int4"
    assert "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4" in [v.get("huggingface") for v in int4["official_variants"]]
    assert all(v["bits"] == 4 for v in int4["official_variants"])


@pytest.mark.parametrize("mode", MODES)
def test_no_estimate_is_below_the_params_limit_bound(catalog: Catalog, mode: str) -> None:
    recipe = Recipe(context=1, batch=1, lora_rank=1, lora_targets="attention")  # the smallest setting
    checked = 0
    for record in catalog.entries(["model"]):
        size = estimator.sizing(record, catalog.records.get)
        for precision in PRECISIONS_BY_MODE[mode] if size else ():
            gib = estimator.estimate(size, mode, precision, recipe).total_gib  # type: ignore[arg-type]
            # the largest model that fits gib by the bound is no smaller than this one
            assert estimator.params_limit(gib, mode, (precision,)) >= size.params, (record["id"], precision)  # type: ignore[union-attr]
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("vram", "mode", "precision"),
    [
        ("4", "inference", None),
        ("8", "inference", None),
        ("24", "inference", None),
        ("80", "inference", None),
        ("6", "qlora", None),
        ("24", "qlora", None),
        ("24", "lora", None),
        ("48", "lora", "int8"),
        ("12", "p-tuning", None),
        ("80", "full-finetune", None),
        ("16", "inference", "int4"),
        ("3", "inference", None),
    ],
)
def test_fit_leaves_out_too_large_models_in_sql_with_the_same_answer(
    vram: str, mode: str, precision: str | None
) -> None:
    from llmcat import query
    from llmcat.cli.fit import apply_fit, fit_query, make_recipe
    from llmcat.store import open_catalog

    db = open_catalog(CATALOG)
    assert db.has_json
    q = query.Query(kinds=["model"])

    def answer(q: query.Query) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
        result = apply_fit(db, query.stream(db, q), vram, mode, make_recipe(), precision)
        texts = [json.dumps(h.to_json(), sort_keys=True) for h in result.hits]
        return [(h.record["id"], h.extra["fit_precision"]) for h in result.hits], result.skipped, texts

    narrowed = fit_query(q, vram, mode, precision)
    assert narrowed.fit_params is not None
    left_out = db.count(db.filters(q, True)) - db.count(db.filters(narrowed, True))
    assert answer(narrowed) == answer(q)
    for hit in apply_fit(db, query.stream(db, q), vram, mode, make_recipe(), precision).hits:  # shared sizings
        fresh = hardware.best_fit(
            hit.record, float(vram), mode, make_recipe(), precision and (precision,), None, db.records.get
        )
        assert fresh is not None and {**hit.extra["fit"], **fresh.to_json()} == hit.extra["fit"]
    if vram in ("3", "6"):
        assert left_out > 0  # the bound does leave models out


class _OnlyFitFields(dict):  # type: ignore[type-arg]
    """A record that answers only for the fields `fit` is meant to read (`hardware.FIT_FIELDS`,
    which the database stores apart so that `fit` decodes them and not the whole record)."""

    def _check(self, key: object) -> None:
        assert key in hardware.FIT_FIELDS, f"fit read {key!r}, which hardware.FIT_FIELDS leaves out"

    def __getitem__(self, key: str) -> object:
        self._check(key)
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self._check(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._check(key)
        return super().__contains__(key)

    def __iter__(self) -> object:  # type: ignore[override]
        raise AssertionError("fit went through every field of a record")

    keys = items = values = __iter__  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("vram", "mode", "precision"),
    [("8", "inference", None), ("80", "inference", None), ("24", "qlora", None), ("24", "lora", "int8"),
     ("12", "p-tuning", None), ("80", "full-finetune", None)],
)  # fmt: skip
def test_fit_reads_no_field_outside_fit_fields(catalog: Catalog, vram: str, mode: str, precision: str | None) -> None:
    from types import SimpleNamespace

    from llmcat import query
    from llmcat.cli.fit import apply_fit, make_recipe
    from llmcat.store import open_catalog

    guarded = {entry_id: _OnlyFitFields(record) for entry_id, record in catalog.records.items()}
    hits = [query.Hit(record) for record in guarded.values() if record["kind"] == "model"]
    found = apply_fit(SimpleNamespace(records=guarded), hits, vram, mode, make_recipe(), precision)  # type: ignore[arg-type]
    assert len(found.hits) > 10
    db = open_catalog(CATALOG)  # the stored fields give the same answer
    stored = apply_fit(db, query.stream(db, query.Query(kinds=["model"])), vram, mode, make_recipe(), precision)
    assert [(h.fields["id"], h.extra["fit"]) for h in stored.hits] == [
        (h.fields["id"], h.extra["fit"]) for h in found.hits
    ]
    assert sorted(stored.skipped) == sorted(found.skipped)
