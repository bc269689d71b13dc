"""`llmcat site`: write the catalog as a static bilingual web site."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, NoCacheOpt, handles_errors, open_for_query
from llmcat.problems import LlmcatError

MARKER = ".llmcat-site"


@app.command()
@handles_errors
def site(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder to write the site to (new, empty, or an earlier llmcat site).")
    ],
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write a static site: a filterable home page, a page per entry and per license, English and Chinese."""
    from llmcat import site as pages

    files = pages.build(open_for_query(catalog, no_cache))
    write_site(out_dir, files)
    render.note(f"wrote {len(files)} files to {out_dir} (open {out_dir / 'index.html'})")


def write_site(out_dir: Path, files: dict[str, str]) -> None:
    """Write every file to a new folder beside ``out_dir``, then swap it in: a reader never sees
    half a site, and a folder that is not an earlier llmcat site is never replaced."""
    _check_target(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".llmcat-site-", dir=parent))
    except OSError as exc:
        raise LlmcatError(f"cannot write to {parent}: {exc.strerror}") from None
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (staging / MARKER).write_text("written by llmcat site\n", encoding="utf-8")
        _swap(staging, out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise LlmcatError(f"cannot write the site to {out_dir}: {exc.strerror or exc}") from None


def _check_target(out_dir: Path) -> None:
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise LlmcatError(f"{out_dir} exists and is not a folder; choose another OUT_DIR")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise LlmcatError(f"{out_dir} is not empty and holds no earlier llmcat site; choose a new or empty folder")


def _swap(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    old = staging.with_name(staging.name + "-old")
    os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
