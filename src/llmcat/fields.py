"""Value types of catalog fields: ids, dates, language tags, URLs, text, counts.

Each is a pydantic annotated type with its validator and its JSON Schema pattern (the schema
carries the same rule the validator applies). Error types raised here are llmcat rule ids
(``bad-id``, ``bad-date``...), so that messages can be keyed by type, never by English text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
)
from pydantic_core import PydanticCustomError

from llmcat.quantity import QuantityError, parse_count, parse_params
from llmcat.safetext import UNSAFE_CHARS

ID_PATTERN = r"^[a-z0-9]+([.-][a-z0-9]+)*$"
_ID_RE = re.compile(ID_PATTERN)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
# BCP-47 subset: language, optional script, optional region ("en", "zh-Hant", "pt-BR", "mul").
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|\d{3}))?$")
_HF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SPACE_RE = re.compile(r"\s")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Han characters and CJK/full-width punctuation: no space belongs between two of them.
CJK_CHARS = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
CJK_SPACE_RE = re.compile(
    f"[{CJK_CHARS}][ \t\u00a0]+(?=[{CJK_CHARS}])|[{_CJK_PUNCT}][ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK_PUNCT}])"
)
# Never in catalog text: C0/C1 controls (newline and tab allowed in long text), bidi controls
# and zero-width characters, which can hide or reorder what a reviewer reads.
_UNSAFE_RE = re.compile(f"[{UNSAFE_CHARS}]")
_UNSAFE_LINE_RE = re.compile(f"[{UNSAFE_CHARS}\n\t]")
_PLACEHOLDERS = {"unknown", "n/a", "na", "none", "null", "tbd", "todo", "?", "-"}

Kind = Literal["model", "dataset", "toolkit"]
Status = Literal["available", "gated", "removed", "superseded"]
Architecture = Literal["decoder-only", "encoder-decoder", "prefix-lm"]
Origin = Literal["human-written", "model-generated", "web-crawl", "curated-mix", "translated"]
Commercial = Literal["yes", "no", "conditional", "unknown"]
Stage = Literal[
    "pretraining", "sft", "reward-modeling", "rlhf", "peft", "serving", "evaluation", "quantization", "data-generation"
]


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise PydanticCustomError(
            "bad-id",
            "'{value}' is not a valid id: lowercase letters and digits, joined by single '-' or '.'",
            {"value": value},
        )
    return value


def _check_date(value: str) -> str:
    match = _DATE_RE.match(value)
    if match is None:
        raise PydanticCustomError("bad-date", "'{value}' is not a date: write YYYY-MM or YYYY-MM-DD", {"value": value})
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        raise PydanticCustomError("bad-date", "'{value}' is not a real calendar date", {"value": value}) from None
    return value


def _check_day(value: str) -> str:
    _check_date(value)
    if len(value) != 10:
        raise PydanticCustomError("bad-date", "'{value}' needs the day: write YYYY-MM-DD", {"value": value})
    return value


def _check_language(value: str) -> str:
    if not _LANG_RE.match(value):
        raise PydanticCustomError(
            "bad-language",
            "'{value}' is not a BCP-47 language tag such as en, zh, zh-Hant or mul",
            {"value": value},
        )
    return value


def _unsafe_character(value: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found:
        raise PydanticCustomError(
            "unsafe-character",
            "contains the invisible or control character U+{code} at position {at}; remove it",
            {"code": f"{ord(found.group()):04X}", "at": found.start() + 1},
        )


def _check_url(value: str) -> str:
    _unsafe_character(value, _UNSAFE_LINE_RE)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise PydanticCustomError("bad-url", "'{value}' must be an http(s) URL", {"value": value})
    if not parts.hostname or _SPACE_RE.search(value) or parts.username or parts.password:
        raise PydanticCustomError(
            "bad-url", "'{value}' is not a usable URL (host missing, spaces or credentials)", {"value": value}
        )
    return value


def _check_hf(value: str) -> str:
    if not _HF_RE.match(value):
        raise PydanticCustomError(
            "bad-huggingface-id", "'{value}' must be a Hugging Face repo id 'org/name', not a URL", {"value": value}
        )
    return value


def _check_modelscope(value: str) -> str:
    if not _HF_RE.match(value):
        raise PydanticCustomError(
            "bad-modelscope-id", "'{value}' must be a ModelScope repo id 'org/name', not a URL", {"value": value}
        )
    return value


def _check_text(value: str) -> str:
    _unsafe_character(value, _UNSAFE_RE)
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError("empty-text", "is empty; leave the field out if it is not known", {})
    if stripped.lower() in _PLACEHOLDERS:
        raise PydanticCustomError(
            "placeholder", "'{value}' is a placeholder; leave the field out if it is not known", {"value": value}
        )
    return value


def _check_line(value: str) -> str:
    _unsafe_character(value, _UNSAFE_LINE_RE)
    return _check_text(value)


def _to_count(value: Any, parse: Any = parse_count) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    try:
        return parse(value)
    except QuantityError as exc:
        raise PydanticCustomError("bad-number", "{reason}", {"reason": str(exc)}) from None


def _to_params(value: Any) -> Any:
    return _to_count(value, parse_params)


# The exported JSON Schemas carry the same forms as the validators (an editor or
# check-jsonschema flags `Bad_ID` as `validate` does); the validators give llmcat's messages.
_TEXT_PATTERN = f"^[^{UNSAFE_CHARS}]*$"
_LINE_PATTERN = f"^[^{UNSAFE_CHARS}\\n\\t]*$"
URL_PATTERN = f"^https?://[^\\s/?#@{UNSAFE_CHARS}]+([/?#][^\\s{UNSAFE_CHARS}]*)?$"
DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"
DAY_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
LANGUAGE_PATTERN = _LANG_RE.pattern
HF_PATTERN = _HF_RE.pattern


def _schema(pattern: str) -> Any:
    return Field(json_schema_extra={"pattern": pattern})


EntryId = Annotated[str, AfterValidator(_check_id), _schema(ID_PATTERN)]
Date = Annotated[str, AfterValidator(_check_date), _schema(DATE_PATTERN)]
Day = Annotated[str, AfterValidator(_check_day), _schema(DAY_PATTERN)]
LanguageTag = Annotated[str, AfterValidator(_check_language), _schema(LANGUAGE_PATTERN)]
Url = Annotated[str, AfterValidator(_check_url), _schema(URL_PATTERN)]
Text = Annotated[str, AfterValidator(_check_text), _schema(_TEXT_PATTERN)]
Line = Annotated[str, AfterValidator(_check_line), _schema(_LINE_PATTERN)]
Count = Annotated[int, BeforeValidator(_to_count, json_schema_input_type=int | float | str), Field(gt=0)]
ParamCount = Annotated[int, BeforeValidator(_to_params, json_schema_input_type=int | float | str), Field(gt=0)]
Word = Annotated[str, AfterValidator(_check_line), Field(pattern=r"^[a-z0-9][a-z0-9+.-]*$")]
RepoId = Annotated[str, AfterValidator(_check_hf), _schema(HF_PATTERN)]
ModelScopeId = Annotated[str, AfterValidator(_check_modelscope), _schema(HF_PATTERN)]
