"""The `llmcat` command and `python -m llmcat`.

Two start-up and shut-down costs of a CLI process are skipped here, where they are known to
be waste:

* Start-up creates some 24,000 container objects that live until exit (modules, classes and
  functions of typer, click and rich), and the cyclic garbage collector would traverse them
  again and again while they are created. So it is off until the command's own code is
  loaded; those objects are then frozen out of its reach and it is turned on again.
* At exit, Python frees every object one by one; after building the index of 100,000 entries
  that took five seconds. Once the output is flushed the process ends at once instead.

This is also the process edge for the standard streams (see `_guard_streams`): whatever the
encoding, and whether the streams are closed, full or read by a reader that leaves early, a
command ends with its own exit code or one `error:` line, never a traceback.
"""

import contextlib
import gc
import io
import os
import sys


def main() -> None:
    gc.disable()
    _guard_streams()
    _arguments_as_utf8()
    from llmcat.cli import main as run_cli

    try:
        run_cli(before_run=_collect_from_here)
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except OutputError as exc:
        code = _failed(exc)
    _end(code)


def _collect_from_here() -> None:
    gc.freeze()
    gc.enable()


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


class OutputError(Exception):
    """Standard output could not be written (closed, disk full, I/O error)."""


class _Guarded(io.RawIOBase):
    """A standard stream's file descriptor, written so that a failed write ends the command
    once and cleanly.

    A reader that leaves early (`| head`, EPIPE) is not an error: the rest of the output is
    discarded and the command ends with its own exit code (what `validate` found still counts).
    Any other failure on stdout raises `OutputError` once; on stderr it is ignored, since there
    is nowhere left to report it. ``closed_at_start``: the descriptor was closed when the process
    started (`>&-`); it now holds /dev/null, and writing to stdout is an error.
    """

    def __init__(self, fd: int, name: str, *, strict: bool, closed_at_start: bool) -> None:
        super().__init__()
        self._fd = fd
        self._name = name
        self._strict = strict
        self._closed_at_start = closed_at_start
        self._discard = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return not self._closed_at_start and os.isatty(self._fd)

    def write(self, data: "bytes | bytearray | memoryview") -> int:  # type: ignore[override]
        size = len(data)
        if self._discard:
            return size
        try:
            if self._closed_at_start:
                raise OSError("it is closed")
            return os.write(self._fd, data)
        except BrokenPipeError:
            self._discard = True
            return size
        except OSError as exc:
            self._discard = True
            if self._strict:
                raise OutputError(f"cannot write to {self._name}: {exc.strerror or exc}") from None
            return size


def _guard_streams() -> None:
    """Give stdout and stderr a guarded descriptor and ``errors="backslashreplace"``, so that
    text a non-UTF-8 stream cannot carry is shown escaped instead of raising
    UnicodeEncodeError. (JSON and YAML output escape such text themselves: see
    `llmcat.render.stream_is_unicode`.) Closed descriptors 0-2 are filled with /dev/null first,
    so that no file the command opens takes their number."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
    for fd, name in ((1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        encoding = getattr(old, "encoding", None) or "utf-8"
        line_buffering = bool(getattr(old, "line_buffering", False))
        raw = _Guarded(fd, name, strict=fd == 1, closed_at_start=fd in closed)
        stream = io.TextIOWrapper(
            io.BufferedWriter(raw),  # type: ignore[type-var]  # typeshed's bound rejects a RawIOBase subclass
            encoding=encoding,
            errors="backslashreplace",
            line_buffering=line_buffering,
        )
        setattr(sys, name, stream)


def _arguments_as_utf8() -> None:
    """Under the C locale without UTF-8 mode Python reads `llmcat show 悟道·天鹰` as ASCII with
    undecodable bytes kept as surrogates; read them as the UTF-8 they almost always are."""
    if any("\udc80" <= char <= "\udcff" for arg in sys.argv for char in arg):
        sys.argv = [os.fsencode(arg).decode("utf-8", "surrogateescape") for arg in sys.argv]


def _failed(exc: OutputError) -> int:
    sys.stderr.write(f"error: {exc}\n")
    return 1


def _end(code: int) -> None:
    """Flush what was written, then leave without tearing down the heap."""
    try:
        sys.stdout.flush()
    except OutputError as exc:
        code = _failed(exc)
    with contextlib.suppress(OutputError, ValueError):
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
