"""Closed value lists of the memory questions, in one place.

The catalog models, the CLI options, the estimator and the renderers all import these, and the
option help texts are generated from them, so that no list forgets a value.
"""

from __future__ import annotations

from typing import Literal, get_args

Mode = Literal["inference", "lora", "qlora", "p-tuning", "full-finetune"]
Precision = Literal["fp32", "bf16", "fp16", "int8", "int4"]
Attention = Literal["flash", "eager"]
LoraTargets = Literal["attention", "all-linear"]
Measured = Literal["load", "inference", "training", "runs-on"]
Basis = Literal["stated", "scaled", "estimated"]

MODES: tuple[Mode, ...] = get_args(Mode)
PRECISIONS: tuple[Precision, ...] = get_args(Precision)
ATTENTIONS: tuple[Attention, ...] = get_args(Attention)
LORA_TARGETS: tuple[LoraTargets, ...] = get_args(LoraTargets)
MEASURED: tuple[Measured, ...] = get_args(Measured)
BASES: tuple[Basis, ...] = get_args(Basis)
# runs-on: the project says the model runs on a card of this size, an upper bound rather than a
# measurement (Dolly's "should work as-is" on a 24 GB A10).
MEASURED_HELP = "load: the weights only; inference/training: a run; runs-on: a card it runs on (an upper bound)"
TRAINING_MODES: tuple[Mode, ...] = ("lora", "qlora", "p-tuning", "full-finetune")

# The precisions each mode can run at: for LoRA and P-tuning the frozen base's precision;
# Q-LoRA is a 4-bit base by definition; a full fine-tune trains 16- or 32-bit weights (mixed
# precision keeps an fp32 master copy), never int8/int4.
PRECISIONS_BY_MODE: dict[Mode, tuple[Precision, ...]] = {
    "inference": ("fp32", "bf16", "fp16", "int8", "int4"),
    "lora": ("bf16", "fp16", "int8"),
    "qlora": ("int4",),
    "p-tuning": ("bf16", "fp16", "int8", "int4"),
    "full-finetune": ("bf16", "fp16", "fp32"),
}
# Why a mode refuses a precision (the usage error names it).
PRECISION_REASON: dict[Mode, str] = {
    "inference": "",
    "lora": "for LoRA the precision is the frozen base's; a 4-bit base is --mode qlora",
    "qlora": "Q-LoRA trains adapters on a 4-bit base; a 16-bit base is --mode lora",
    "p-tuning": "P-tuning trains a prefix on a frozen 16-bit, int8 or int4 base",
    "full-finetune": "a full fine-tune trains 16- or 32-bit weights, never int8/int4",
}
# What `fit` tries when no --precision is given: the most precise first.
FIT_ORDER: dict[Mode, tuple[Precision, ...]] = {
    "inference": ("bf16", "int8", "int4"),
    "lora": ("bf16", "int8"),
    "qlora": ("int4",),
    "p-tuning": ("bf16", "int8", "int4"),
    "full-finetune": ("bf16",),
}
# LoRA rank when none is given: Qwen's finetune.py and QLoRA's qlora.py use 64 (the README's
# calibration compares it with published runs).
LORA_RANK = 64
# The terms of an estimate, in the order `show` and `fit --json` list them.
BREAKDOWN_TERMS = ("weights", "kv_cache", "activations", "logits", "gradients", "optimizer", "adapters", "overhead")


def choices(values: tuple[str, ...]) -> str:
    """`a|b|c`, for help texts."""
    return "|".join(values)


def precision_help() -> str:
    """Which precisions each mode takes, generated from PRECISIONS_BY_MODE."""
    return "; ".join(f"{mode}: {', '.join(precisions)}" for mode, precisions in PRECISIONS_BY_MODE.items())
