"""The one YAML policy of llmcat. No other module imports yaml.

Catalog files come from pull requests, so they are untrusted input:

* libyaml (the C parser) is used when it is installed, with PyYAML's safe constructor narrowed
  by :class:`_PolicyLoader` below, so no tag can run code.
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
from typing import Any, ClassVar

import yaml

from llmcat.problems import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_REFUSED_TAGS = (
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
    "tag:yaml.org,2002:set",
)
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
    if base.__name__ not in _LOADERS:
        _LOADERS[base.__name__] = _make_policy_loader(base)
    return _LOADERS[base.__name__]


def _make_policy_loader(base: type[Any]) -> type[Any]:
    """The safe loader (libyaml's or PyYAML's) with the catalog policy: no aliases, no duplicate
    keys, no tags beyond the core types."""

    class PolicyLoader(base):  # type: ignore[misc]
        yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = _narrowed_resolvers(
            base.yaml_implicit_resolvers
        )

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            # libyaml hands back the same node object for every alias of an anchor.
            if node in self.constructed_objects or node in self.recursive_objects:
                raise _PolicyError("anchors and aliases are not allowed in catalog files", "yaml-alias", node)
            return super().construct_object(node, deep)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    raise _PolicyError("merge keys (<<) are not allowed in catalog files", "yaml-alias", key_node)
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                    raise _PolicyError(f"keys must be text, not {key_node.value!r}", "bad-key", key_node)
                key = key_node.value
                if key in first_line:
                    raise _PolicyError(
                        f"duplicate key '{key}' (first at line {first_line[key]}); "
                        "YAML would silently keep the last one",
                        "duplicate-key",
                        key_node,
                    )
                first_line[key] = key_node.start_mark.line + 1
            return dict(super().construct_mapping(node, deep))

    for tag in (*_REFUSED_TAGS, None):
        PolicyLoader.add_constructor(tag, _refuse_tag)
    return PolicyLoader


def _refuse_tag(loader: Any, node: yaml.Node) -> Any:
    raise _PolicyError(f"YAML tag '{node.tag}' is not allowed in catalog files", "yaml-tag", node)


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


def _may_be_deep(text: str) -> bool:
    """A cheap gate: deep nesting needs many brackets or a lot of indentation."""
    return text.count("[") + text.count("{") > MAX_DEPTH or " " * (2 * MAX_DEPTH) in text or "- " * MAX_DEPTH in text


def _too_deep(data: Any) -> bool:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


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
        data = yaml.load(text, Loader=_policy_loader(_Loader))
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
    if _may_be_deep(text) and _too_deep(data):
        return Problem(shown, 1, 1, "", f"nesting deeper than {MAX_DEPTH} levels", "too-deep")
    return Document(shown, data, text)


def dump(data: Any) -> str:
    """Serialise plain data as YAML (for `--format yaml`)."""
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False))
