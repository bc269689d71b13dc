"""The one YAML policy of llmcat. No other module imports yaml.

Catalog files come from pull requests, so they are untrusted input:

* libyaml (the C parser) is used when it is installed. It only composes the node tree; the
  values are built by :class:`_Builder`, which knows nothing but the core types, so no tag can
  run code.
* Only the core YAML types are accepted: mappings, sequences, strings, integers, floats,
  ``true``/``false`` and ``null``. Any explicit tag (``!!python/object``, ``!!binary``,
  ``!custom``) is an error.
* YAML 1.1's implicit booleans (``yes``, ``no``, ``on``, ``off``, ``y``, ``n``) stay text:
  ``languages: [en, no]`` keeps Norwegian. Timestamps stay text too, for the schema to check.
* Duplicate keys, anchors and aliases (the "billion laughs" attack), files over
  :data:`MAX_FILE_BYTES`, non-UTF-8 bytes, empty files and non-mapping documents are
  reported as problems for that file.

Files are loaded straight to Python values (the fast path); only when a file has a problem is
it composed again with node positions, to point at the line and column of the offending key.
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
_MERGE = "tag:yaml.org,2002:merge"
# YAML 1.1 resolution narrowed to what a catalog needs: only true/false are booleans (yes, no,
# on, off, y, n stay text), integers and floats are decimal (no 0x, 0o or 1:30), and dates are
# not resolved at all (they stay text for the schema to check).
_NARROWED = {
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
}


class _PolicyError(Exception):
    def __init__(self, message: str, code: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.node = node


def _narrowed_resolvers(resolvers: dict[Any, list[tuple[str, Any]]]) -> dict[Any, list[tuple[str, Any]]]:
    out: dict[Any, list[tuple[str, Any]]] = {}
    for first, entries in resolvers.items():
        kept = [(tag, _NARROWED.get(tag, regexp)) for tag, regexp in entries if tag != "tag:yaml.org,2002:timestamp"]
        if kept:
            out[first] = kept
    return out


_LOADERS: dict[str, type[Any]] = {}


def _policy_loader(base: type[Any]) -> type[Any]:
    """The parser (libyaml's or PyYAML's) with the narrowed resolution; it only composes nodes."""
    if base.__name__ not in _LOADERS:
        _LOADERS[base.__name__] = type(
            "PolicyLoader", (base,), {"yaml_implicit_resolvers": _narrowed_resolvers(base.yaml_implicit_resolvers)}
        )
    return _LOADERS[base.__name__]


_TAG = "tag:yaml.org,2002:"
_SEQ, _MAP, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("seq", "map", "int", "float", "bool", "null"))
_TRUE, _FALSE = frozenset({"true", "True", "TRUE"}), frozenset({"false", "False", "FALSE"})


class _Builder:
    """Python values from a composed node tree, under the policy.

    This replaces PyYAML's constructor, which is generic Python machinery (a generator per
    collection, a registry lookup per node): a direct walk is about twice as fast, and the
    policy (core tags only, text keys, no duplicates, no aliases, bounded depth) is checked on
    the way. An alias is the same node object met twice; nodes are only tracked when the text
    could hold one at all (it has a ``*``).
    """

    def __init__(self, track_aliases: bool) -> None:
        self.seen: set[int] | None = set() if track_aliases else None

    def value(self, node: yaml.Node, depth: int = 0) -> Any:
        if self.seen is not None:
            if id(node) in self.seen:
                raise _PolicyError("anchors and aliases are not allowed in catalog files", "yaml-alias", node)
            self.seen.add(id(node))
        if node.__class__ is yaml.ScalarNode:
            return _scalar(node)
        if depth >= MAX_DEPTH:
            raise _PolicyError(f"nesting deeper than {MAX_DEPTH} levels", "too-deep", node)
        if node.__class__ is yaml.MappingNode and node.tag == _MAP:
            _check_keys(node)
            return {key.value: self.value(item, depth + 1) for key, item in node.value}
        if node.__class__ is yaml.SequenceNode and node.tag == _SEQ:
            return [self.value(item, depth + 1) for item in node.value]
        raise _refused(node)


def _check_keys(node: yaml.MappingNode) -> None:
    first_line: dict[str, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            raise _PolicyError("merge keys (<<) are not allowed in catalog files", "yaml-alias", key_node)
        if key_node.__class__ is not yaml.ScalarNode or key_node.tag != _STR:
            shown = key_node.value if key_node.__class__ is yaml.ScalarNode else key_node.tag
            raise _PolicyError(f"keys must be text, not {shown!r}", "bad-key", key_node)
        key = key_node.value
        if key in first_line:
            raise _PolicyError(
                f"duplicate key '{key}' (first at line {first_line[key]}); YAML would silently keep the last one",
                "duplicate-key",
                key_node,
            )
        first_line[key] = key_node.start_mark.line + 1


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    try:
        if tag == _INT:
            return int(text.replace("_", ""))
        if tag == _FLOAT:
            return float(text.replace("_", "").lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        raise _mismatch(node) from None
    if tag == _BOOL and (text in _TRUE or text in _FALSE):
        return text in _TRUE
    if tag == _NULL:
        return None
    if tag in (_BOOL, _INT, _FLOAT):
        raise _mismatch(node)
    raise _refused(node)


def _mismatch(node: yaml.ScalarNode) -> _PolicyError:
    short = node.tag.replace(_TAG, "!!")
    return _PolicyError(f"'{node.value}' is not a valid {short}; remove the tag or fix the value", "yaml-tag", node)


def _refused(node: yaml.Node) -> _PolicyError:
    return _PolicyError(f"YAML tag '{node.tag}' is not allowed in catalog files", "yaml-tag", node)


def _load_policy(text: str) -> Any:
    loader = _policy_loader(_Loader)(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    return None if root is None else _Builder(track_aliases="*" in text).value(root)


@dataclass
class Document:
    """A parsed YAML mapping; its node tree (for positions) is built only when asked for."""

    path: str
    data: dict[str, Any]
    text: str
    _root: yaml.Node | None = None

    @classmethod
    def positions_only(cls, path: str, text: str) -> Document:
        """A document for locating problems in a file already known to load."""
        return cls(path, {}, text)

    @property
    def root(self) -> yaml.Node:
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=_Loader)
        assert self._root is not None
        return self._root

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
    try:
        data = _load_policy(text)
    except _PolicyError as exc:
        line, column = exc.node.start_mark.line + 1, exc.node.start_mark.column + 1
        return Problem(shown, line, column, "", exc.message, exc.code)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        return Problem(shown, line, column, "", f"YAML syntax error: {reason}", "yaml-syntax")
    except yaml.YAMLError as exc:
        return Problem(shown, 1, 1, "", f"YAML syntax error: {exc}", "yaml-syntax")
    except RecursionError:
        return Problem(shown, 1, 1, "", f"nesting deeper than {MAX_DEPTH} levels", "too-deep")
    if data is None:
        return Problem(shown, 1, 1, "", "file is empty; an entry is a YAML mapping", "empty-file")
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else "a single value"
        root = yaml.compose(text, Loader=_Loader)
        line, column = (root.start_mark.line + 1, root.start_mark.column + 1) if root else (1, 1)
        return Problem(shown, line, column, "", f"top level is {found}; an entry is a YAML mapping", "not-a-mapping")
    return Document(shown, data, text)


def dump(data: Any, *, width: int = 80, unicode: bool = True) -> str:
    """Serialise plain data as YAML, block style, keys in order (`--format yaml`, `llmcat draft`);
    ``unicode=False`` escapes non-ASCII text (``"\\u4E2D"``) for a stream that cannot carry it."""
    return str(yaml.safe_dump(data, allow_unicode=unicode, sort_keys=False, default_flow_style=False, width=width))
