"""The memory model: how many GiB a model needs to run or fine-tune, term by term.

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
* logits: inference computes the prompt's logits in fp32 (``prompt x vocab x 4 B``); training holds
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

from llmcat.vocab import BREAKDOWN_TERMS, LORA_RANK, TRAINING_MODES

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


def least_bytes_per_param(precision: str) -> float:
    """The fewest bytes per parameter `weights_bytes` gives at ``precision``: the quantized
    bytes (and int4's scales); embeddings and norms kept in 16 or 32 bit only add to them."""
    return BYTES_PER_PARAM[precision] + (INT4_EXTRA_BYTES if precision == "int4" else 0.0)


def params_limit(vram_gib: float, mode: str, precisions: tuple[str, ...]) -> int:
    """The most parameters a model can have and still be estimated to fit ``vram_gib`` in
    ``mode`` at one of ``precisions``. Every estimate is at least its weights (parameters x
    `least_bytes_per_param`) plus the mode's overhead, as every other term is >= 0; a model
    above the limit cannot fit by its estimate (a stated figure may still say it does)."""
    overhead = INFERENCE_OVERHEAD_GIB if mode == "inference" else TRAIN_OVERHEAD_GIB
    per_param = min(least_bytes_per_param(p) for p in precisions)
    limit = (vram_gib - overhead) * GIB / per_param
    return max(0, math.ceil(limit * (1 + 1e-9)) + 1)  # rounding slack: the limit only lets more through


def estimate_record(
    record: Record, mode: str, precision: str, recipe: Recipe | None = None, lookup: Lookup | None = None
) -> Estimate | None:
    size = sizing(record, lookup)
    return estimate(size, mode, precision, recipe) if size else None
