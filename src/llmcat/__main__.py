"""The `llmcat` command and `python -m llmcat`.

Two start-up and shut-down costs of a CLI process are skipped here, where they are known to
be waste:

* Start-up creates some 24,000 container objects that live until exit (modules, classes and
  functions of typer, click and rich), and the cyclic garbage collector would traverse them
  again and again while they are created. So it is off until the command's own code is
  loaded; those objects are then frozen out of its reach and it is turned on again.
* At exit, Python frees every object one by one; after building the index of 100,000 entries
  that took five seconds. Once the output is flushed the process ends at once instead.
"""

import contextlib
import gc
import os
import sys


def main() -> None:
    gc.disable()
    from llmcat.cli import main as run_cli

    try:
        run_cli(before_run=_collect_from_here)
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
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


def _end(code: int) -> None:
    """Flush what was written, then leave without tearing down the heap."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # the reader left (`| head`), or it is closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
