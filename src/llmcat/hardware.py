"""Memory estimates for running and fine-tuning a model, next to what projects state.

All figures are decimal GB (1e9 bytes), as model cards and READMEs use them. The formulas:

* Weights: parameters x bytes per parameter (fp32 4, bf16/fp16 2, int8 1, int4 0.5). When
  weights are quantized to int8/int4, the token embedding and output layer stay in 16 bit
  (as in LLM.int8(), arXiv 2208.07339, GPTQ, arXiv 2210.17323, and ChatGLM-6B's own
  quantization code); they are ``vocab_size x hidden_size`` each.
* KV cache: ``2 x layers x kv_heads x head_dim x context x batch x 2 bytes`` (keys and values in
  16 bit), with ``kv_heads`` from the entry's config, so multi-query and grouped-query models
  (Falcon) are not overstated.
* Inference: (weights + KV cache) x 1.2, the 20% overhead rule of EleutherAI's "Transformer
  Math 101" (https://blog.eleuther.ai/transformer-math/).
* Full fine-tuning with mixed-precision AdamW: 16 bytes per parameter (2 fp16 weights + 2 fp16
  gradients + 12 optimizer bytes: fp32 master copy, momentum and variance), same source.
* Activations for training: per layer ``seq x batch x hidden x (34 + 5 x heads x seq / hidden)``
  bytes without recomputation (Korthikanti et al., arXiv 2205.05198, eq. 2); with activation
  checkpointing, which the LoRA/QLoRA/P-tuning recipes of the seed projects enable, ``2 x seq x
  batch x hidden`` bytes per layer are kept plus one layer's full activations.
* LoRA: frozen 16-bit base, adapters of rank 8 on the query and value projections
  (``4 x hidden x rank`` parameters per layer, PEFT's default targets), trained in fp32 with
  Adam: 16 bytes per adapter parameter. QLoRA: the same with a 4-bit base (Dettmers et al.,
  arXiv 2305.14314). P-tuning v2: prefix of 128 tokens per layer (ChatGLM-6B's ptuning recipe).

Where an entry records no ``config``, the shape is guessed from the parameter count
(``params ~ 12 x layers x hidden^2``, ``hidden = 128 x layers``) and the estimate says so.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from llmcat.catalog import Record

GB = 1e9
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
PRECISIONS = ("fp32", "bf16", "fp16", "int8", "int4")
MODES = ("inference", "lora", "qlora", "p-tuning", "full-finetune")
INFERENCE_OVERHEAD = 1.2
ADAM_MIXED_BYTES = 16.0
ADAPTER_BYTES = 16.0
LORA_RANK = 8
PREFIX_TOKENS = 128
KV_BYTES = 2.0
# Stated figures may differ from estimates by this factor before `validate` warns.
STATED_VS_ESTIMATE_FACTOR = 2.5


class Shape(NamedTuple):
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    vocab: int
    from_config: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


class Estimate(NamedTuple):
    mode: str
    precision: str
    context: int
    batch: int
    weights_gb: float
    kv_cache_gb: float
    activations_gb: float
    gradients_gb: float
    optimizer_gb: float
    adapters_gb: float
    overhead_gb: float
    total_gb: float
    from_config: bool

    def to_json(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self._asdict().items()}


def shape_of(record: Record) -> Shape | None:
    config = record.get("config")
    if config:
        heads = config["attention_heads"]
        return Shape(
            layers=config["layers"],
            hidden=config["hidden_size"],
            heads=heads,
            kv_heads=config.get("kv_heads") or heads,
            vocab=config.get("vocab_size") or 0,
            from_config=True,
        )
    params = record.get("params")
    if not params:
        return None
    layers = max(1, round((params / (12 * 128**2)) ** (1 / 3)))
    hidden = 128 * layers
    return Shape(layers, hidden, max(1, hidden // 128), max(1, hidden // 128), 0, from_config=False)


def kv_cache_bytes(shape: Shape, context: int, batch: int) -> float:
    return 2 * shape.layers * shape.kv_heads * shape.head_dim * context * batch * KV_BYTES


def weights_bytes(params: int, shape: Shape, precision: str) -> float:
    per_param = BYTES_PER_PARAM[precision]
    if precision in ("int8", "int4") and shape.vocab:
        embedding = min(params, 2 * shape.vocab * shape.hidden)
        return (params - embedding) * per_param + embedding * 2.0
    return params * per_param


def activation_bytes(shape: Shape, context: int, batch: int, checkpointing: bool) -> float:
    per_layer_full = context * batch * shape.hidden * (34 + 5 * shape.heads * context / shape.hidden)
    if not checkpointing:
        return per_layer_full * shape.layers
    return 2 * context * batch * shape.hidden * shape.layers + per_layer_full


def estimate(record: Record, mode: str, precision: str, context: int = 2048, batch: int = 1) -> Estimate | None:
    """Memory for one model in one mode and precision, or None without a parameter count."""
    params = record.get("params")
    shape = shape_of(record)
    if not params or shape is None:
        return None
    if mode == "qlora":
        precision = "int4"
    weights = weights_bytes(params, shape, precision)
    kv = activations = gradients = optimizer = adapters = 0.0
    if mode == "inference":
        kv = kv_cache_bytes(shape, context, batch)
        overhead = (weights + kv) * (INFERENCE_OVERHEAD - 1)
    elif mode == "full-finetune":
        weights = params * BYTES_PER_PARAM[precision]
        gradients = params * 2.0
        optimizer = params * (ADAM_MIXED_BYTES - 4.0)
        activations = activation_bytes(shape, context, batch, checkpointing=False)
        overhead = (weights + gradients + optimizer) * (INFERENCE_OVERHEAD - 1)
    else:
        trainable = (
            2 * shape.layers * PREFIX_TOKENS * shape.hidden
            if mode == "p-tuning"
            else 4 * shape.hidden * LORA_RANK * shape.layers
        )
        adapters = trainable * ADAPTER_BYTES
        activations = activation_bytes(shape, context, batch, checkpointing=True)
        overhead = (weights + adapters) * (INFERENCE_OVERHEAD - 1)
    total = weights + kv + activations + gradients + optimizer + adapters + overhead
    return Estimate(
        mode,
        precision,
        context,
        batch,
        weights / GB,
        kv / GB,
        activations / GB,
        gradients / GB,
        optimizer / GB,
        adapters / GB,
        overhead / GB,
        total / GB,
        shape.from_config,
    )


def stated(record: Record, mode: str, precision: str) -> dict[str, Any] | None:
    """The figure the project states for this mode and precision; where its sources disagree
    (ChatGLM-6B's Chinese and English READMEs), the larger one, so that a fit is never optimistic."""
    figures = [h for h in _one_gpu(record) if h["mode"] == mode and _same_precision(h["precision"], precision)]
    return max(figures, key=lambda h: h["vram_gb"]) if figures else None


def _one_gpu(record: Record) -> list[dict[str, Any]]:
    """Stated figures for one GPU; a per-GPU figure of a sharded multi-GPU setup is not one."""
    return [h for h in record.get("hardware", []) if (h.get("gpus") or 1) == 1]


def _same_precision(a: str, b: str) -> bool:
    half = {"bf16", "fp16"}
    return a == b or (a in half and b in half)


def hardware_rows(record: Record, context: int = 2048) -> list[dict[str, Any]]:
    """Stated figures and estimates side by side, per mode and precision (for `show`)."""
    if record.get("kind") != "model":
        return []
    rows: list[dict[str, Any]] = [
        {
            "mode": h["mode"],
            "precision": h["precision"],
            "stated_gb": h["vram_gb"],
            "gpus": h["gpus"],
            "source": h["source"],
            "note": h.get("note"),
            "estimated_gb": None,
            "estimate_from_config": None,
        }
        for h in record.get("hardware", [])
        if (h.get("gpus") or 1) > 1
    ]
    pairs = [(h["mode"], h["precision"]) for h in _one_gpu(record)]
    for precision in ("fp16", "int8", "int4"):
        pairs.append(("inference", precision))
    pairs += [("lora", "fp16"), ("qlora", "int4"), ("full-finetune", "bf16")]
    seen: set[tuple[str, str]] = set()
    for mode, precision in pairs:
        if (mode, precision) in seen:
            continue
        seen.add((mode, precision))
        figure = stated(record, mode, precision)
        est = estimate(record, mode, precision, context=context if mode == "inference" else 512)
        if figure is None and est is None:
            continue
        rows.append(
            {
                "mode": mode,
                "precision": precision,
                "stated_gb": figure["vram_gb"] if figure else None,
                "source": figure["source"] if figure else None,
                "note": figure.get("note") if figure else None,
                "estimated_gb": round(est.total_gb, 2) if est else None,
                "estimate_from_config": est.from_config if est else None,
            }
        )
    return rows


class Fit(NamedTuple):
    mode: str
    precision: str
    memory_gb: float
    basis: str
    margin_gb: float

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "precision": self.precision,
            "memory_gb": round(self.memory_gb, 2),
            "basis": self.basis,
            "margin_gb": round(self.margin_gb, 2),
        }


def best_fit(
    record: Record,
    vram_gb: float,
    mode: str = "inference",
    context: int = 2048,
    batch: int = 1,
    precisions: tuple[str, ...] | None = None,
    ram_gb: float | None = None,
) -> Fit | None:
    """The most precise precision whose memory fits ``vram_gb``; stated figures win over estimates."""
    if record.get("kind") != "model":
        return None
    order = precisions or (("int4",) if mode == "qlora" else ("bf16", "int8", "int4"))
    for precision in order:
        figure = stated(record, mode, precision)
        if figure is not None:
            if ram_gb is not None and figure.get("ram_gb") and figure["ram_gb"] > ram_gb:
                continue
            memory, basis = float(figure["vram_gb"]), "stated"
        else:
            est = estimate(record, mode, precision, context, batch)
            if est is None:
                return None
            memory, basis = est.total_gb, "estimated"
        if memory <= vram_gb:
            shown = figure["precision"] if figure is not None else precision
            return Fit(mode, shown, memory, basis, vram_gb - memory)
    return None


def stated_vs_estimate(record: Record) -> list[tuple[int, str]]:
    """Stated figures that differ from the estimate by more than STATED_VS_ESTIMATE_FACTOR."""
    out = []
    for i, figure in enumerate(record.get("hardware", [])):
        if (figure.get("gpus") or 1) > 1:
            continue  # a per-GPU figure of a sharded setup is not comparable with a one-GPU estimate
        est = estimate(record, figure["mode"], figure["precision"], context=512 if figure["mode"] != "inference" else 1)
        if est is None or not est.from_config:
            continue
        ratio = figure["vram_gb"] / est.total_gb if est.total_gb else math.inf
        if ratio > STATED_VS_ESTIMATE_FACTOR or ratio < 1 / STATED_VS_ESTIMATE_FACTOR:
            out.append(
                (
                    i,
                    f"stated {figure['vram_gb']:g} GB for {figure['mode']} at {figure['precision']}, "
                    f"but the estimate is ~{est.total_gb:.1f} GB ({ratio:.2f}x); check the figure and its unit",
                )
            )
    return out
