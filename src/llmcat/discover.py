"""Finding the catalog's files: one walker for `validate` and for the store's freshness key.

The walk is ``lstat``-based: a symlink (to a file or a folder) inside the catalog is reported as
a problem with its path and never followed, so nothing outside the catalog root is read;
FIFOs, sockets and devices are reported without being opened. Every ``OSError`` becomes a
problem with the path it concerns. Hidden folders (``.git``) are skipped.
"""

from __future__ import annotations

import os
import stat
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from llmcat.problems import Problem

YAML_SUFFIXES = (".yaml", ".yml")
_STAMP = attrgetter("st_mode", "st_size", "st_mtime_ns")
_IFMT = 0o170000


class Found(NamedTuple):
    """A regular file: its path relative to the root (``/``-separated), size and mtime."""

    relative: str
    size: int
    mtime_ns: int


class Discovery(NamedTuple):
    root: Path
    files: list[Found]  # sorted by path
    problems: list[Problem]  # symlinks, special files, unreadable folders

    def paths(self) -> list[Path]:
        return [self.root / f.relative for f in self.files]


def shown_path(root: Path, relative: str) -> str:
    """How problems name a file: from the catalog folder's name on (``catalog/models/x.yaml``)."""
    return os.path.join(root.name, relative) if root.name else os.path.join(str(root), relative)


def _kind_problem(root: Path, relative: str, mode: int) -> Problem:
    shown = shown_path(root, relative)
    if stat.S_ISLNK(mode):
        return Problem(
            shown, 1, 1, "", "is a symbolic link; catalog files must be real files inside the catalog", "symlink"
        )
    return Problem(shown, 1, 1, "", "is not a regular file (a FIFO, socket or device); remove it", "special-file")


def _lstats(folder: str, names: list[str]) -> list[os.stat_result | OSError]:
    """``lstat`` of every name in ``folder``: relative to the open folder and through ``map``
    (no Python frame per file) where the platform allows; one by one if any of them fails."""
    if os.stat in os.supports_dir_fd:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                return list(map(partial(os.stat, dir_fd=fd, follow_symlinks=False), names))
            except OSError:
                pass
            finally:
                os.close(fd)
    out: list[os.stat_result | OSError] = []
    for name in names:
        try:
            out.append(os.stat(os.path.join(folder, name), follow_symlinks=False))
        except OSError as exc:
            out.append(exc)
    return out


def _folder(root: Path, prefix: str, out: Discovery, stack: list[str]) -> None:
    folder = os.path.join(root, prefix) if prefix else str(root)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        shown = shown_path(root, prefix.rstrip("/")) if prefix else str(root)
        out.problems.append(Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror or exc}", "unreadable"))
        return
    stats = _lstats(folder, names)
    if not any(isinstance(st, OSError) for st in stats):
        # The common case, at C speed: regular YAML files straight into the list.
        stamps = list(map(_STAMP, stats))
        out.files.extend(
            Found(prefix + name, size, mtime)
            for name, (mode, size, mtime) in zip(names, stamps, strict=True)
            if mode & _IFMT == stat.S_IFREG and name.endswith(YAML_SUFFIXES)
        )
        others = [
            (n, s) for n, s, (mode, _, _) in zip(names, stats, stamps, strict=True) if mode & _IFMT != stat.S_IFREG
        ]
    else:
        others = list(zip(names, stats, strict=True))
    for name, st in others:
        relative = prefix + name
        if isinstance(st, OSError):
            out.problems.append(
                Problem(shown_path(root, relative), 1, 1, "", f"cannot be read: {st.strerror or st}", "unreadable")
            )
            continue
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            if not name.startswith("."):
                stack.append(relative + "/")
        elif stat.S_ISREG(mode):
            if name.endswith(YAML_SUFFIXES):
                out.files.append(Found(relative, st.st_size, st.st_mtime_ns))
        elif stat.S_ISLNK(mode):
            if not name.startswith("."):
                out.problems.append(_kind_problem(root, relative, mode))
        elif name.endswith(YAML_SUFFIXES):
            out.problems.append(_kind_problem(root, relative, mode))


def discover(root: Path) -> Discovery:
    """Every regular YAML file below ``root`` with its size and mtime, and what is amiss."""
    out = Discovery(root, [], [])
    stack = [""]
    while stack:
        _folder(root, stack.pop(), out, stack)
    out.files.sort()
    out.problems.sort(key=lambda p: p.path)
    return out
