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
from collections.abc import Callable, Iterator
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


# Names in one folder from which a second process stats half of them: at 100,000 files the
# lstat calls (a stat result object each) are most of a warm query, and two cores halve them
# (0.22 s -> 0.12 s for 75,000 files); below this a fork costs more than it saves.
FORK_FROM = 20_000
Columns = tuple["array[int]", "array[int]", "array[int]"]  # modes, sizes, mtimes (ns)


def _columns(fd: int, names: list[str]) -> Columns | None:
    """Mode, size and mtime of every name, relative to the open folder, through ``map`` (no
    Python frame per file); None if any of them cannot be stat-ed."""
    try:
        stats = list(map(partial(os.stat, dir_fd=fd, follow_symlinks=False), names))
    except OSError:
        return None
    return array("q", map(_MODE, stats)), array("q", map(_SIZE, stats)), array("q", map(_MTIME, stats))


def _may_fork() -> bool:
    import threading

    # Never with other threads running (a child of a threaded process may inherit held locks).
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


def _columns_in_child(fd: int, names: list[str]) -> Callable[[], Columns | None]:
    """Start a child process that stats ``names``; the returned function waits for its columns
    (None if it could not stat them all, or could not be started)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return lambda: None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return lambda: None
    if pid == 0:  # the child: stat, write the three columns, leave without any clean-up
        status = 1
        try:
            os.close(read_end)
            found = _columns(fd, names)
            if found is not None:
                with os.fdopen(write_end, "wb") as out:
                    for column in found:
                        out.write(column.tobytes())
                status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def wait() -> Columns | None:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        size = len(names) * 8
        if status != 0 or len(data) != 3 * size:
            return None
        return array("q", data[:size]), array("q", data[size : 2 * size]), array("q", data[2 * size :])

    return wait


def _stamp_columns(folder: str, names: list[str]) -> Columns | None:
    """The columns of every name in ``folder`` at C speed (in two processes for a large
    folder), or None where that is not possible: then the folder is walked file by file."""
    if os.stat not in os.supports_dir_fd:
        return None
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        if len(names) < FORK_FROM or not _may_fork():
            return _columns(fd, names)
        half = len(names) // 2
        theirs = _columns_in_child(fd, names[half:])
        mine = _columns(fd, names[:half])
        rest = theirs() or _columns(fd, names[half:])
        if mine is None or rest is None:
            return None
        return mine[0] + rest[0], mine[1] + rest[1], mine[2] + rest[2]
    finally:
        os.close(fd)


def _lstats(folder: str, names: list[str]) -> list[tuple[int, int, int] | OSError]:
    """(mode, size, mtime) of every name in ``folder``, one by one, or the error of each."""
    out: list[tuple[int, int, int] | OSError] = []
    for name in names:
        try:
            found = os.stat(os.path.join(folder, name), follow_symlinks=False)
        except OSError as exc:
            out.append(exc)
            continue
        out.append((found.st_mode, found.st_size, found.st_mtime_ns))
    return out


def _only_yaml_files(names: list[str], modes: array[int]) -> bool:
    """The common case, tested at C speed: every name a YAML file, every one a regular file."""
    all_yaml = all(map(str.endswith, names, repeat(YAML_SUFFIXES)))
    return all_yaml and set(map(stat.S_IFMT, modes)) == {stat.S_IFREG}


def _folder(root: Path, prefix: str, folders: list[Folder], problems: list[Problem], stack: list[str]) -> None:
    folder = os.path.join(root, prefix) if prefix else str(root)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        shown = shown_path(root, prefix.rstrip("/")) if prefix else str(root)
        problems.append(Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror or exc}", "unreadable"))
        return
    columns = _stamp_columns(folder, names)
    if columns is not None and _only_yaml_files(names, columns[0]):
        folders.append(Folder(prefix, names, columns[1], columns[2]))
        return
    stamps = _lstats(folder, names) if columns is None else list(zip(*columns, strict=True))
    files = Folder(prefix, [], array("q"), array("q"))
    for name, stamp in zip(names, stamps, strict=True):
        relative = prefix + name
        if isinstance(stamp, OSError):
            problems.append(
                Problem(
                    shown_path(root, relative), 1, 1, "", f"cannot be read: {stamp.strerror or stamp}", "unreadable"
                )
            )
            continue
        mode, size, mtime = stamp
        if stat.S_ISDIR(mode):
            if not name.startswith("."):
                stack.append(relative + "/")
        elif stat.S_ISREG(mode):
            if name.endswith(YAML_SUFFIXES):
                files.names.append(name)
                files.sizes.append(size)
                files.mtimes.append(mtime)
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
