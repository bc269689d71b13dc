"""Memory estimates for running and fine-tuning a model, next to what projects state.

Every figure is GiB (2**30 bytes): PyTorch's ``max_memory_allocated() / 1024**3``, which is what
projects print and call "GB", and what a card sold as "24 GB" holds (24 GiB).

The estimate is a sum of terms, each one visible in ``show --json`` and ``fit --json``:

* weights: parameters x bytes (fp32 4, bf16/fp16 2, int8 1, int4 0.5 plus group scales); a
  quantized model keeps its token embedding and output layer in 16 bit (GPTQ, LLM.int8(),
  ChatGLM's quantization code); bitsandbytes *training* (PEFT's prepare_model_for_kbit_training)
  casts them, and the norms, to fp32.
* kv_cache: ``2 x layers x kv_heads x head_dim x tokens x batch x 2 B``, times KV_FACTOR: Hugging
  Face's tuple caches hold the old and the new cache while one step concatenates them.
* activations: training keeps each layer's input (2 B per hidden unit per token) under gradient
  checkpointing and recomputes one layer at a time; without it every layer's activations stay
  (Korthikanti et al., arXiv 2205.05198, eq. 2, with the MLP width from the config). Eager
  attention adds the ``heads x tokens^2`` scores; flash attention/SDPA does not store them.
* logits: inference computes the prefill logits in fp32 (``tokens x vocab x 4 B``); training holds
  bf16 logits, their fp32 copy and the loss gradient (``tokens x vocab x TRAIN_LOGIT_BYTES``).
* gradients / optimizer: full fine-tuning with mixed-precision AdamW (bf16 weights, fp32
  gradients, fp32 master copy, momentum and variance, and the fp32 temporaries of the fused step).
* adapters: LoRA matrices of rank r on the attention projections or on every linear layer, or the
  P-tuning v2 prefix (128 tokens per layer), each trainable parameter at ADAPTER_BYTES.
* overhead: a constant for the CUDA allocator and framework; training adds the trainer's own.

The constants are fitted to published measurements by ``scripts/calibrate_memory.py`` (its table:
``docs/memory-measurements.csv``); the README reports how close they come.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from llmcat.vocab import BREAKDOWN_TERMS, FIT_ORDER, LORA_RANK, TRAINING_MODES

Record = dict[str, Any]

GIB = float(2**30)
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
# Group-wise scales and zero points of a 4-bit model (GPTQ group 128, NF4 double quantisation) and
# the dequantisation workspace of its kernels, per quantized parameter: fitted to Qwen's Int4 rows.
INT4_EXTRA_BYTES = 0.06
# Hugging Face's tuple KV caches: torch.cat holds the old and the new cache at once (fitted to
# Qwen-7B's growth of ~1 MiB per generated token, twice its 0.5 MiB of keys and values).
KV_FACTOR = 2.0
KV_BYTES = 2.0
PREFILL_LOGIT_BYTES = 4.0  # fp32 logits of the prompt: Hugging Face's generate upcasts them
# CUDA allocator and framework buffers (about 0.5 GiB left over in the Qwen and ChatGLM2 rows) and
# the CUDA context and cuBLAS workspace, which PyTorch's counters leave out but the card must hold.
INFERENCE_OVERHEAD_GIB = 1.0
# Training logits: bf16 logits (2) + fp32 copy for the loss (4) + its gradient (4): tokens x vocab.
TRAIN_LOGIT_BYTES = 10.0
# A trainable parameter: fp32 weight, gradient, Adam momentum and variance (16 B) and the fp32
# temporaries of torch's foreach AdamW step (4 B).
ADAPTER_BYTES = 20.0
# Full fine-tuning per parameter besides the 16-bit weights: bf16 gradients and their fp32 copy (6,
# as DeepSpeed's mixed precision keeps both); fp32 master copy, momentum, variance (12) and the
# fp32 temporaries of the fused step (4). Fitted to Qwen-1.8B's one-GPU full fine-tuning rows.
FULL_GRADIENT_BYTES = 6.0
FULL_OPTIMIZER_BYTES = 16.0
# The trainer's own memory (CUDA context, allocator fragmentation, loss buffers, DeepSpeed
# buckets): fitted to Qwen's LoRA and Q-LoRA rows (2-3 GiB left over at 256 tokens for 1.8-14B
# models); a share per parameter did not improve the fit (scripts/calibrate_memory.py).
TRAIN_OVERHEAD_GIB = 2.0
PREFIX_TOKENS = 128  # ChatGLM's P-tuning v2 recipe (pre_seq_len 128)
# Korthikanti et al.'s activation bytes per token and hidden unit outside the MLP (attention 11,
# norms 4) and per MLP unit (4 B per unit of each MLP matmul output).
ATTENTION_ACT_BYTES = 15.0
MLP_ACT_BYTES = 4.0
# Per head and token pair: fp16 scores (2), their fp32 softmax (4) and its fp16 copy (2), as
# Hugging Face's LLaMA computes it (Korthikanti et al. count 5 with an fp16 softmax and a mask).
EAGER_SCORE_BYTES = 8.0
# The recomputed layer under checkpointing holds its activations and, during its backward pass,
# their gradients and the adapters' inputs: this many times Korthikanti's stored activations.
RECOMPUTE_FACTOR = 2.0
# Stated figures may differ from estimates by this factor before `validate` warns.
STATED_VS_ESTIMATE_FACTOR = 2.5
# How far up the base_model chain an entry without a parameter count may borrow one.
MAX_BASE_DEPTH = 5


class Shape(NamedTuple):
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    vocab: int
    ffn: int
    from_config: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    @property
    def gated(self) -> bool:
        """SwiGLU MLPs (LLaMA, Qwen, ChatGLM2) have three matrices and a width under 4 x hidden."""
        return self.ffn < 3.5 * self.hidden


class Sizing(NamedTuple):
    """What an estimate needs: the parameter count and shape, and where they came from."""

    params: int
    shape: Shape
    derived_from: str | None = None
    reason: str | None = None


class Recipe(NamedTuple):
    context: int = 2048
    batch: int = 1
    lora_rank: int = LORA_RANK
    lora_targets: str = "all-linear"
    grad_checkpointing: bool = True
    attention: str = "flash"
    # Tokens of the prompt whose logits inference computes at once (None: the whole context, as
    # for a long document); a chat that generates most of its context has a short prompt.
    prompt: int | None = None
    # bitsandbytes k-bit training casts embeddings, norms and lm_head to fp32; GPTQ does not.
    kbit_fp32_embeddings: bool = True

    def to_json(self) -> dict[str, Any]:
        out = self._asdict()
        out.pop("kbit_fp32_embeddings")
        out.pop("prompt")
        return out


class Estimate(NamedTuple):
    mode: str
    precision: str
    recipe: Recipe
    breakdown: dict[str, float]  # bytes per term, in BREAKDOWN_TERMS order
    from_config: bool
    derived_from: str | None
    reason: str | None

    @property
    def total_gib(self) -> float:
        return sum(self.breakdown.values()) / GIB

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "precision": self.precision,
            "context": self.recipe.context,
            "batch": self.recipe.batch,
            "total_gib": round(self.total_gib, 2),
            "breakdown": {term: round(value / GIB, 3) for term, value in self.breakdown.items()},
            "from_config": self.from_config,
        }
        if self.mode in TRAINING_MODES:
            out["recipe"] = self.recipe.to_json()
        if self.derived_from:
            out["derived_from_base"] = {"id": self.derived_from, "reason": self.reason}
        return out


Lookup = Callable[[str], Record | None]


def shape_of(record: Record) -> Shape | None:
    config = record.get("config")
    if config:
        heads = config["attention_heads"]
        hidden = config["hidden_size"]
        return Shape(
            layers=config["layers"],
            hidden=hidden,
            heads=heads,
            kv_heads=config.get("kv_heads") or heads,
            vocab=config.get("vocab_size") or 0,
            ffn=config.get("intermediate_size") or 4 * hidden,
            from_config=True,
        )
    params = record.get("params")
    if not params:
        return None
    layers = max(1, round((params / (12 * 128**2)) ** (1 / 3)))
    hidden = 128 * layers
    heads = max(1, hidden // 128)
    return Shape(layers, hidden, heads, heads, 0, 4 * hidden, from_config=False)


def _ancestors(record: Record, lookup: Lookup | None) -> list[tuple[str, Record]]:
    """The base_model chain above an entry (at most MAX_BASE_DEPTH, no cycles)."""
    out: list[tuple[str, Record]] = []
    seen = {record.get("id")}
    base_id = record.get("base_model")
    while lookup is not None and base_id and base_id not in seen and len(out) < MAX_BASE_DEPTH:
        base = lookup(base_id)
        if base is None:
            break
        out.append((base_id, base))
        seen.add(base_id)
        base_id = base.get("base_model")
    return out


def sizing(record: Record, lookup: Lookup | None = None) -> Sizing | None:
    """Params and shape of a model. An entry without a parameter count or config borrows them from
    its base model (a LoRA, fine-tune or continued pre-training of it), saying so; None when
    nothing is known."""
    params = record.get("params")
    if params and record.get("config"):
        return Sizing(params, shape_of(record))  # type: ignore[arg-type]
    chain = _ancestors(record, lookup)
    for depth, (base_id, base) in enumerate(chain):
        via = f" via {', '.join(i for i, _ in chain[:depth])}" if depth else ""
        base_params = base.get("params")
        if params and base.get("config") and base_params and abs(base_params - params) <= 0.1 * params:
            reason = f"no config of its own: the config of {base_id}{via}, the model it was fine-tuned from"
            return Sizing(params, shape_of(base), base_id, reason)  # type: ignore[arg-type]
        if not params and base_params and (base.get("config") or depth == len(chain) - 1):
            reason = (
                f"no parameter count of its own: params and config of {base_id}{via}, the model it "
                "was fine-tuned or continued from (an extended vocabulary is not counted)"
            )
            return Sizing(base_params, shape_of(base), base_id, reason)  # type: ignore[arg-type]
    shape = shape_of(record)
    return Sizing(params, shape) if params and shape else None


def skip_reason(record: Record, lookup: Lookup | None = None) -> str:
    """Why no estimate can be made for a model (for `fit`'s list of skipped models)."""
    if record.get("base_model"):
        return f"no parameter count, and none along its base models from {record['base_model']}"
    return "no parameter count and no base model to take one from"


def embedding_params(params: int, shape: Shape) -> int:
    """Token embedding and output layer (``vocab x hidden`` each; 0 when the vocabulary is unknown)."""
    return min(params, 2 * shape.vocab * shape.hidden)


def weights_bytes(size: Sizing, precision: str, mode: str, recipe: Recipe) -> float:
    per_param = BYTES_PER_PARAM[precision]
    if precision not in ("int8", "int4"):
        return size.params * per_param
    embedding = embedding_params(size.params, size.shape)
    kbit_training = mode in ("lora", "qlora") and recipe.kbit_fp32_embeddings
    norms = 2 * size.shape.layers * size.shape.hidden if kbit_training else 0
    extra = INT4_EXTRA_BYTES if precision == "int4" else 0.0
    quantized = size.params - embedding - norms
    return quantized * (per_param + extra) + (embedding + norms) * (4.0 if kbit_training else 2.0)


def kv_cache_bytes(shape: Shape, context: int, batch: int) -> float:
    return 2 * shape.layers * shape.kv_dim * context * batch * KV_BYTES


def layer_activation_bytes(shape: Shape, tokens: int, eager: bool, context: int) -> float:
    """One layer's stored activations for ``tokens`` tokens (Korthikanti et al., generalised)."""
    mlp_units = shape.ffn * (3 if shape.gated else 2) / 2
    per_token = shape.hidden * ATTENTION_ACT_BYTES + mlp_units * MLP_ACT_BYTES
    scores = EAGER_SCORE_BYTES * shape.heads * tokens * context if eager else 0.0
    return tokens * per_token + scores


def training_activation_bytes(shape: Shape, recipe: Recipe, extra_tokens: int = 0) -> float:
    tokens = recipe.context * recipe.batch
    eager = recipe.attention == "eager"
    one_layer = layer_activation_bytes(shape, tokens, eager, recipe.context + extra_tokens)
    if not recipe.grad_checkpointing:
        return one_layer * shape.layers
    return 2.0 * tokens * shape.hidden * shape.layers + one_layer * RECOMPUTE_FACTOR


def lora_params(shape: Shape, rank: int, targets: str) -> int:
    """Trainable LoRA parameters: ``rank x (in + out)`` per adapted matrix."""
    h, kv = shape.hidden, shape.kv_dim
    attention = (h + h) + 2 * (h + kv) + (h + h)  # q, k, v, o
    mlp = (3 if shape.gated else 2) * (h + shape.ffn)
    per_layer = attention + (mlp if targets == "all-linear" else 0)
    return rank * per_layer * shape.layers


def prefix_params(shape: Shape) -> int:
    return 2 * shape.layers * PREFIX_TOKENS * shape.kv_dim


def estimate(size: Sizing, mode: str, precision: str, recipe: Recipe | None = None) -> Estimate:
    """Memory for one model in one mode and precision, term by term (bytes)."""
    recipe = recipe or Recipe()
    shape = size.shape
    terms = dict.fromkeys(BREAKDOWN_TERMS, 0.0)
    terms["weights"] = weights_bytes(size, precision, mode, recipe)
    tokens = recipe.context * recipe.batch
    if mode == "inference":
        terms["kv_cache"] = kv_cache_bytes(shape, recipe.context, recipe.batch) * KV_FACTOR
        if recipe.attention == "eager":
            terms["activations"] = EAGER_SCORE_BYTES * shape.heads * tokens * recipe.context
        prompt = recipe.context if recipe.prompt is None else recipe.prompt
        terms["logits"] = prompt * recipe.batch * shape.vocab * PREFILL_LOGIT_BYTES
        terms["overhead"] = INFERENCE_OVERHEAD_GIB * GIB
        return _estimate(size, mode, precision, recipe, terms)
    prefix = PREFIX_TOKENS if mode == "p-tuning" else 0
    terms["activations"] = training_activation_bytes(shape, recipe, prefix)
    terms["logits"] = tokens * shape.vocab * TRAIN_LOGIT_BYTES
    if mode == "full-finetune":
        terms["gradients"] = size.params * FULL_GRADIENT_BYTES
        terms["optimizer"] = size.params * FULL_OPTIMIZER_BYTES
    else:
        trainable = prefix_params(shape) if prefix else lora_params(shape, recipe.lora_rank, recipe.lora_targets)
        terms["adapters"] = trainable * ADAPTER_BYTES
        if prefix:
            terms["kv_cache"] = kv_cache_bytes(shape, prefix, recipe.batch)
    terms["overhead"] = TRAIN_OVERHEAD_GIB * GIB
    return _estimate(size, mode, precision, recipe, terms)


def _estimate(size: Sizing, mode: str, precision: str, recipe: Recipe, terms: dict[str, float]) -> Estimate:
    return Estimate(mode, precision, recipe, terms, size.shape.from_config, size.derived_from, size.reason)


def estimate_record(
    record: Record, mode: str, precision: str, recipe: Recipe | None = None, lookup: Lookup | None = None
) -> Estimate | None:
    size = sizing(record, lookup)
    return estimate(size, mode, precision, recipe) if size else None


# --- stated figures -------------------------------------------------------------------------


def _one_gpu(record: Record) -> list[dict[str, Any]]:
    """Stated figures for one GPU; a per-GPU figure of a sharded multi-GPU setup is not one."""
    return [h for h in record.get("hardware", []) if (h.get("gpus") or 1) == 1]


def _same_precision(a: str, b: str) -> bool:
    half = {"bf16", "fp16"}
    return a == b or (a in half and b in half)


def figures_for(record: Record, mode: str, precision: str) -> list[dict[str, Any]]:
    return [h for h in _one_gpu(record) if h["mode"] == mode and _same_precision(h["precision"], precision)]


def covers(figure: dict[str, Any], recipe: Recipe) -> bool:
    """A figure answers a query when it measured running (not just loading) at a setting at least
    as large: its context and batch known and no smaller than the query's."""
    if figure.get("measured") == "load" or figure.get("context") is None:
        return False
    return recipe.context <= figure["context"] and recipe.batch <= (figure.get("batch") or 1)


def stated(record: Record, mode: str, precision: str, recipe: Recipe | None = None) -> dict[str, Any] | None:
    """The stated figure that covers the query; where several do (sources that disagree, such as
    ChatGLM-6B's Chinese and English READMEs), the larger, so that a fit is never optimistic.
    Without a recipe: the largest figure for the mode and precision, whatever its setting."""
    figures = figures_for(record, mode, precision)
    if recipe is not None:
        figures = [h for h in figures if covers(h, recipe)]
    return max(figures, key=lambda h: h["vram_gib"]) if figures else None


class Memory(NamedTuple):
    """What `fit` uses for one model, mode and precision, and why."""

    gib: float
    basis: str  # stated | scaled | estimated
    why: str
    estimate: Estimate | None
    figure: dict[str, Any] | None


def memory(record: Record, mode: str, precision: str, recipe: Recipe, lookup: Lookup | None = None) -> Memory | None:
    """A covering stated figure; else a figure measured at a known setting, scaled by the
    estimated difference; else the estimate, never below a figure the project states."""
    size = sizing(record, lookup)
    est = estimate(size, mode, precision, recipe) if size else None
    covering = stated(record, mode, precision, recipe)
    if covering is not None:
        others = len(figures_for(record, mode, precision)) > 1
        why = "the project's figure covers this context and batch" + (
            " (the larger where its sources disagree)" if others else ""
        )
        return Memory(float(covering["vram_gib"]), "stated", why, est, covering)
    figures = [h for h in figures_for(record, mode, precision) if h.get("measured") != "runs-on"]
    if size is None or est is None:
        return None
    known = [h for h in figures if h.get("context") is not None and h.get("measured") != "load"]
    if known:
        figure = max(known, key=lambda h: h["vram_gib"])
        at = recipe._replace(context=figure["context"], batch=figure.get("batch") or 1)
        then = estimate(size, mode, precision, at)
        scaled = figure["vram_gib"] + est.total_gib - then.total_gib
        why = (
            f"the project's {figure['vram_gib']:g} GiB at {figure['context']} tokens x batch "
            f"{figure.get('batch') or 1}, plus the estimated difference to this setting"
        )
        if scaled < est.total_gib:
            why = f"llmcat's estimate, above the project's figure scaled to this setting ({scaled:.1f} GiB)"
            return Memory(est.total_gib, "estimated", why, est, figure)
        return Memory(scaled, "scaled", why, est, figure)
    floor = max(figures, key=lambda h: h["vram_gib"]) if figures else None
    if floor is not None and floor["vram_gib"] > est.total_gib:
        what = "to load the model only" if floor.get("measured") == "load" else "without its setting"
        why = f"the project's {floor['vram_gib']:g} GiB (stated {what}) is above the estimate and is used"
        return Memory(float(floor["vram_gib"]), "stated", why, est, floor)
    why = "llmcat's estimate" + (" (the project's figures do not cover this setting)" if figures else "")
    if size.derived_from:
        why += f", with the parameter count and config of {size.derived_from}"
    return Memory(est.total_gib, "estimated", why, est, floor)


# --- show and fit -----------------------------------------------------------------------------


def hardware_rows(record: Record, lookup: Lookup | None = None, recipe: Recipe | None = None) -> list[dict[str, Any]]:
    """Stated figures and estimates side by side (for `show`), in GiB."""
    if record.get("kind") != "model":
        return []
    recipe = recipe or Recipe()
    rows = [_stated_row(record, h, recipe, lookup) for h in record.get("hardware", [])]
    pairs = [("inference", p) for p in ("bf16", "int8", "int4")]
    pairs += [("lora", "bf16"), ("qlora", "int4"), ("full-finetune", "bf16")]
    for mode, precision in pairs:
        est = estimate_record(record, mode, precision, recipe, lookup)
        if est is not None:
            rows.append(_row(mode, precision, None, est))
    return rows


def figure_recipe(figure: dict[str, Any], recipe: Recipe | None = None) -> Recipe:
    """The setting a stated figure was measured at (a load-only figure: one token)."""
    recipe = recipe or Recipe()
    load = figure.get("measured") == "load"
    return recipe._replace(
        context=figure.get("context") or (1 if load else recipe.context), batch=figure.get("batch") or 1
    )


def _stated_row(record: Record, figure: dict[str, Any], recipe: Recipe, lookup: Lookup | None) -> dict[str, Any]:
    setting = figure_recipe(figure, recipe)
    one_gpu = (figure.get("gpus") or 1) == 1
    est = estimate_record(record, figure["mode"], figure["precision"], setting, lookup) if one_gpu else None
    return _row(figure["mode"], figure["precision"], figure, est)


def _row(mode: str, precision: str, figure: dict[str, Any] | None, est: Estimate | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mode": mode,
        "precision": precision,
        "stated_gib": figure["vram_gib"] if figure else None,
        "context": figure.get("context") if figure else (est.recipe.context if est else None),
        "batch": figure.get("batch") if figure else (est.recipe.batch if est else None),
        "measured": figure.get("measured") if figure else None,
        "gpus": figure.get("gpus") if figure else None,
        "source": figure["source"] if figure else None,
        "note": figure.get("note") if figure else None,
        "estimated_gib": round(est.total_gib, 2) if est else None,
        "breakdown": est.to_json()["breakdown"] if est else None,
        "estimate_from_config": est.from_config if est else None,
    }
    if est is not None and est.derived_from:
        row["derived_from_base"] = {"id": est.derived_from, "reason": est.reason}
    return row


class Fit(NamedTuple):
    mode: str
    precision: str
    memory: Memory
    margin_gib: float

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "precision": self.precision,
            "memory_gib": round(self.memory.gib, 2),
            "basis": self.memory.basis,
            "why": self.memory.why,
            "margin_gib": round(self.margin_gib, 2),
        }
        est = self.memory.estimate
        if est is not None:
            detail = est.to_json()
            out["estimated_gib"] = detail["total_gib"]
            out["breakdown"] = detail["breakdown"]
            out["context"], out["batch"] = detail["context"], detail["batch"]
            for key in ("recipe", "derived_from_base"):
                if key in detail:
                    out[key] = detail[key]
        if self.memory.figure is not None:
            out["stated_source"] = self.memory.figure["source"]
        return out


def best_fit(
    record: Record,
    vram_gib: float,
    mode: str = "inference",
    recipe: Recipe | None = None,
    precisions: tuple[str, ...] | None = None,
    ram_gib: float | None = None,
    lookup: Lookup | None = None,
) -> Fit | None:
    """The most precise precision whose memory fits ``vram_gib``."""
    if record.get("kind") != "model":
        return None
    recipe = recipe or Recipe()
    for precision in precisions or FIT_ORDER[mode]:  # type: ignore[index]
        mem = memory(record, mode, precision, recipe, lookup)
        if mem is None:
            return None
        figure = mem.figure
        if ram_gib is not None and figure is not None and figure.get("ram_gib") and figure["ram_gib"] > ram_gib:
            continue
        if mem.gib <= vram_gib:
            return Fit(mode, precision, mem, vram_gib - mem.gib)
    return None


def stated_vs_estimate(record: Record, lookup: Lookup | None = None) -> list[tuple[int, str]]:
    """Stated figures that differ from the estimate by more than STATED_VS_ESTIMATE_FACTOR."""
    out = []
    for i, figure in enumerate(record.get("hardware", [])):
        if (figure.get("gpus") or 1) > 1 or figure.get("measured") == "runs-on":
            continue  # a per-GPU figure of a sharded setup, or a card it runs on, is no requirement
        recipe = figure_recipe(figure, Recipe(context=512))
        est = estimate_record(record, figure["mode"], figure["precision"], recipe, lookup)
        if est is None or not est.from_config:
            continue
        ratio = figure["vram_gib"] / est.total_gib if est.total_gib else math.inf
        if ratio > STATED_VS_ESTIMATE_FACTOR or ratio < 1 / STATED_VS_ESTIMATE_FACTOR:
            out.append(
                (
                    i,
                    f"stated {figure['vram_gib']:g} GiB for {figure['mode']} at {figure['precision']}, "
                    f"but the estimate is ~{est.total_gib:.1f} GiB ({ratio:.2f}x); check the figure and its unit",
                )
            )
    return out
