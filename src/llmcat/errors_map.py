"""Turn pydantic errors into contributor-facing problems.

Messages are chosen by the error ``type`` (a stable identifier), never by pydantic's English
wording. A missing field points at its parent mapping; an unknown field suggests the closest
known one.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from llmcat.problems import Problem
from llmcat.yamlio import Document

_TYPE_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    dict: "a mapping",
    type(None): "nothing (null)",
}

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def field_path(loc: Sequence[str | int]) -> str:
    """('sources', 0, 'url') -> 'sources[0].url'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def describe(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def problems_from_validation(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if isinstance(part, (str, int)))
        message = _message(error, loc, model)
        line, column = doc.locate(loc)
        problems.append(Problem(doc.path, line, column, field_path(loc), message, error["type"]))
    return problems


def _message(error: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return f"required field '{loc[-1]}' is missing" if loc else "a required field is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        return f"unknown field '{name}'" + _suggest(name, known_fields(model, loc[:-1]))
    if kind in ("literal_error", "enum"):
        choices = _choices(ctx.get("expected", ""))
        shown = f"'{value}'" if isinstance(value, str) else describe(value)
        hint = _suggest(str(value), choices) if isinstance(value, str) else ""
        return f"{shown} is not one of: {', '.join(choices)}{hint}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {describe(value)}" + (f" '{value}'" if isinstance(value, str) else "")
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} items"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        limit = next(iter(ctx.values()), "?")
        return f"{value!r} must be {bound} {limit}"
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not in the expected form ({ctx.get('pattern', '')})"
    if kind == "string_too_short":
        return "is empty; leave the field out if it is not known"
    # llmcat's own rule ids (bad-id, bad-date, ...) carry messages written for contributors.
    return str(error.get("msg", kind))


def _choices(expected: str) -> list[str]:
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",") if part.strip()]


def _suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def known_fields(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the (nested) model found along ``loc``."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _model_in(info.annotation) if info else None
    return list(current.model_fields) if current else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
