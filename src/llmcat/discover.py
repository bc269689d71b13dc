"""Finding the catalog's files: one walker for `validate` and for the store's freshness key.

The walk is ``lstat``-based: a symlink (to a file or a folder) inside the catalog is reported as
a problem with its path and never followed, so nothing outside the catalog root is read;
FIFOs, sockets and devices are reported without being opened. Every ``OSError`` becomes a
problem with the path it concerns. Hidden folders (``.git``) are skipped.

A warm query stats every file for the freshness key and needs nothing more, so a folder's
files are kept as three columns (names, sizes, mtimes) filled at C speed, without a Python
object per file; `Discovery.files` makes the per-file view when a build needs it.
"""

from __future__ import annotations

import os
import stat
from array import array
from collections.abc import Iterator
from functools import cached_property, partial
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from llmcat.gcpause import collector_paused
from llmcat.problems import Problem

YAML_SUFFIXES = (".yaml", ".yml")
_MODE = attrgetter("st_mode")
_SIZE = attrgetter("st_size")
_MTIME = attrgetter("st_mtime_ns")


class Found(NamedTuple):
    """A regular file: its path relative to the root (``/``-separated), size and mtime."""

    relative: str
    size: int
    mtime_ns: int


class Folder(NamedTuple):
    """The regular YAML files of one folder, as columns, names sorted."""

    prefix: str  # "" for the root, else "models/" and the like
    names: list[str]
    sizes: array[int]
    mtimes: array[int]  # ns


class Discovery:
    def __init__(self, root: Path, folders: list[Folder], problems: list[Problem]) -> None:
        self.root = root
        self.folders = sorted(folders)  # by prefix: the key does not depend on the walk's order
        self.problems = sorted(problems, key=lambda p: p.path)

    @cached_property
    def files(self) -> list[Found]:
        """Every file, sorted by path."""
        return sorted(
            Found(folder.prefix + name, size, mtime)
            for folder in self.folders
            for name, size, mtime in zip(folder.names, folder.sizes, folder.mtimes, strict=True)
        )

    def paths(self) -> list[Path]:
        return [self.root / f.relative for f in self.files]

    def changed_since(self, ns: int) -> Iterator[Found]:
        """The files modified at ``ns`` or later."""
        for folder in self.folders:
            if folder.mtimes and max(folder.mtimes) >= ns:
                for name, size, mtime in zip(folder.names, folder.sizes, folder.mtimes, strict=True):
                    if mtime >= ns:
                        yield Found(folder.prefix + name, size, mtime)


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


def _lstats(folder: str, names: list[str]) -> tuple[list[os.stat_result | OSError], bool]:
    """``lstat`` of every name in ``folder``, and whether all of them succeeded: relative to the
    open folder and through ``map`` (no Python frame per file) where the platform allows; one
    by one if any of them fails."""
    if os.stat in os.supports_dir_fd:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                return list(map(partial(os.stat, dir_fd=fd, follow_symlinks=False), names)), True
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
    return out, not any(isinstance(st, OSError) for st in out)


def _all_yaml_files(names: list[str], stats: list[os.stat_result | OSError]) -> bool:
    """The common case, tested at C speed: every name a YAML file, every stat a regular file."""
    all_yaml = all(map(str.endswith, names, repeat(YAML_SUFFIXES)))
    return all_yaml and set(map(stat.S_IFMT, map(_MODE, stats))) == {stat.S_IFREG}


def _folder(root: Path, prefix: str, folders: list[Folder], problems: list[Problem], stack: list[str]) -> None:
    folder = os.path.join(root, prefix) if prefix else str(root)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        shown = shown_path(root, prefix.rstrip("/")) if prefix else str(root)
        problems.append(Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror or exc}", "unreadable"))
        return
    stats, all_read = _lstats(folder, names)
    if all_read and _all_yaml_files(names, stats):
        folders.append(Folder(prefix, names, array("q", map(_SIZE, stats)), array("q", map(_MTIME, stats))))
        return
    files = Folder(prefix, [], array("q"), array("q"))
    for name, st in zip(names, stats, strict=True):
        relative = prefix + name
        if isinstance(st, OSError):
            problems.append(
                Problem(shown_path(root, relative), 1, 1, "", f"cannot be read: {st.strerror or st}", "unreadable")
            )
            continue
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            if not name.startswith("."):
                stack.append(relative + "/")
        elif stat.S_ISREG(mode):
            if name.endswith(YAML_SUFFIXES):
                files.names.append(name)
                files.sizes.append(st.st_size)
                files.mtimes.append(st.st_mtime_ns)
        elif stat.S_ISLNK(mode):
            if not name.startswith("."):
                problems.append(_kind_problem(root, relative, mode))
        elif name.endswith(YAML_SUFFIXES):
            problems.append(_kind_problem(root, relative, mode))
    folders.append(files)


def discover(root: Path) -> Discovery:
    """Every regular YAML file below ``root`` with its size and mtime, and what is amiss."""
    folders: list[Folder] = []
    problems: list[Problem] = []
    stack = [""]
    with collector_paused():  # a stat result per file, freed at once: nothing for it to find
        while stack:
            _folder(root, stack.pop(), folders, problems, stack)
    return Discovery(root, folders, problems)
