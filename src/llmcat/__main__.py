"""The `llmcat` command and `python -m llmcat`.

Start-up builds some hundred thousand objects that live until exit (modules, classes,
functions of typer, click and rich); the cyclic garbage collector would traverse them again
and again while they are created, for nothing. So it is off until the command's own code
is loaded, and those objects are then frozen out of its reach (~10% of a query's time).
"""

import gc


def main() -> None:
    gc.disable()
    from llmcat.cli import main as run_cli

    run_cli(before_run=_collect_from_here)


def _collect_from_here() -> None:
    gc.freeze()
    gc.enable()


if __name__ == "__main__":
    main()
