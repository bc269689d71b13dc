"""The one YAML policy of llmcat. No other module imports yaml.

Catalog files come from pull requests, so they are untrusted input:

* libyaml (the C parser) composes the document when it is installed; values are then
  built by :func:`_construct` below, not by PyYAML's constructors, so no tag can run code.
* Only the core YAML types are accepted: mappings, sequences, strings, integers, floats,
  ``true``/``false`` and ``null``. Any explicit tag (``!!python/object``, ``!!binary``,
  ``!custom``) is an error.
* YAML 1.1's implicit booleans (``yes``, ``no``, ``on``, ``off``, ``y``, ``n``) stay text:
  ``languages: [en, no]`` keeps Norwegian. Timestamps stay text too, for the schema to check.
* Duplicate keys, anchors and aliases (the "billion laughs" attack), files over
  :data:`MAX_FILE_BYTES`, non-UTF-8 bytes, empty files and non-mapping documents are
  reported as problems for that file.

The composed node tree is kept on the :class:`Document` so that a validation error can be
mapped back to the line and column of the offending key or item, without parsing twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from llmcat.problems import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BOOL_WORDS = {"true": True, "false": False}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_SPECIAL_FLOATS = {".inf": float("inf"), "-.inf": float("-inf"), "+.inf": float("inf"), ".nan": float("nan")}


class _PolicyError(Exception):
    def __init__(self, message: str, code: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.node = node


@dataclass(frozen=True)
class Document:
    """A parsed YAML mapping with the node tree it came from."""

    path: str
    data: dict[str, Any]
    root: yaml.MappingNode

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node along ``loc`` that exists.

        A key that is missing resolves to its parent mapping, which is where the
        contributor has to add it.
        """
        node: yaml.Node = self.root
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                # A scalar value points at its key; a nested collection at itself.
                found: yaml.Node = key if isinstance(value, yaml.ScalarNode) else value
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def load_file(path: Path, display: str | None = None) -> Document | Problem:
    """Read one catalog file under the policy. Returns a Document or the file's Problem."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Problem(
                shown, 1, 1, "", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", "file-too-large"
            )
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(shown, 1, 1, "", f"cannot read file: {exc.strerror or exc}", "unreadable")
    return load_bytes(raw, shown)


def load_bytes(raw: bytes, shown: str) -> Document | Problem:
    if len(raw) > MAX_FILE_BYTES:
        return Problem(
            shown, 1, 1, "", f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}", "file-too-large"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(shown, line, column, "", f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x})", "not-utf8")
    return load_text(text, shown)


def load_text(text: str, shown: str) -> Document | Problem:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return Problem(shown, 1, 1, "", "file is empty; an entry is a YAML mapping", "empty-file")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        return Problem(shown, line, column, "", f"YAML syntax error: {reason}", "yaml-syntax")
    except yaml.YAMLError as exc:
        return Problem(shown, 1, 1, "", f"YAML syntax error: {exc}", "yaml-syntax")
    if root is None:
        return Problem(shown, 1, 1, "", "file is empty; an entry is a YAML mapping", "empty-file")
    if not isinstance(root, yaml.MappingNode):
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        return Problem(shown, line, column, "", f"top level is {found}; an entry is a YAML mapping", "not-a-mapping")
    try:
        data = _construct(root, set(), 0)
    except _PolicyError as exc:
        line, column = exc.node.start_mark.line + 1, exc.node.start_mark.column + 1
        return Problem(shown, line, column, "", exc.message, exc.code)
    assert isinstance(data, dict)
    return Document(shown, data, root)


def _construct(node: yaml.Node, seen: set[int], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _PolicyError(f"nesting deeper than {MAX_DEPTH} levels", "too-deep", node)
    # libyaml hands back the same node object for every alias of an anchor.
    if id(node) in seen:
        raise _PolicyError("anchors and aliases are not allowed in catalog files", "yaml-alias", node)
    seen.add(id(node))
    if getattr(node, "anchor", None):
        raise _PolicyError("anchors and aliases are not allowed in catalog files", "yaml-alias", node)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(node, seen, depth)
    if isinstance(node, yaml.SequenceNode):
        _check_tag(node, _SEQ)
        return [_construct(item, seen, depth + 1) for item in node.value]
    return _construct_scalar(node)


def _construct_mapping(node: yaml.MappingNode, seen: set[int], depth: int) -> dict[str, Any]:
    _check_tag(node, _MAP)
    result: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _PolicyError("merge keys (<<) are not allowed in catalog files", "yaml-alias", key_node)
        key = _construct(key_node, seen, depth + 1)
        if not isinstance(key, str):
            raise _PolicyError(f"keys must be text, not {key!r}", "bad-key", key_node)
        if key in result:
            raise _PolicyError(
                f"duplicate key '{key}' (first at line {first_line[key]}); YAML would silently keep the last one",
                "duplicate-key",
                key_node,
            )
        first_line[key] = key_node.start_mark.line + 1
        result[key] = _construct(value_node, seen, depth + 1)
    return result


def _check_tag(node: yaml.Node, expected: str) -> None:
    if node.tag != expected:
        raise _PolicyError(f"YAML tag '{node.tag}' is not allowed in catalog files", "yaml-tag", node)


def _construct_scalar(node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    value: str = node.value
    tag = node.tag
    plain = not node.style  # libyaml says '' for plain scalars, PyYAML None
    if tag == _STR or (not plain and tag == "!"):
        return value
    if not plain:
        raise _PolicyError(f"YAML tag '{tag}' is not allowed in catalog files", "yaml-tag", node)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        lowered = value.lower()
        # YAML 1.1 words (yes/no/on/off/y/n) stay text; only true/false are booleans.
        return _BOOL_WORDS.get(lowered, value)
    if tag == _INT:
        return int(value.replace("_", "")) if _INT_RE.match(value) else value
    if tag == _FLOAT:
        lowered = value.lower()
        if lowered in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[lowered]
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:timestamp":
        return value
    raise _PolicyError(f"YAML tag '{tag}' is not allowed in catalog files", "yaml-tag", node)


def dump(data: Any) -> str:
    """Serialise plain data as YAML (for `--format yaml`)."""
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False))
