"""`llmcat cache`: the catalog databases and network results kept, pruning and clearing them."""

from __future__ import annotations

from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import JsonOpt, handles_errors


@app.command()
@handles_errors
def cache(
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove every catalog database and cached network result (nothing else).")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Remove the databases of catalogs that no longer exist and expired network results."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The cache folder: catalog databases (catalog, entries, size, age) and network results."""
    from llmcat import store
    from llmcat.fsutil import cache_dir
    from llmcat.net.cache import cached_results, prune_expired

    folder = str(cache_dir())
    if clear:
        files, size = store.clear_cache()
        if as_json:
            render.write(render.dump_json({"cache_dir": folder, "removed_files": files, "removed_bytes": size}))
        else:
            render.note(f"removed {files} file(s), {size / 1e6:.1f} MB, from {folder}")
        return
    if prune:
        removed = store.prune_databases()
        expired = prune_expired()
        if as_json:
            render.write(
                render.dump_json(
                    {"cache_dir": folder, "removed_databases": [d.root for d in removed], "expired_results": expired}
                )
            )
        else:
            render.note(
                f"removed {len(removed)} database(s) of missing catalogs and {expired} expired network result(s)"
            )
        return
    from llmcat.render_query import cache_table

    found = store.cached_databases()
    results = cached_results()
    if as_json:
        render.write(
            render.dump_json(
                {
                    "cache_dir": folder,
                    "databases": [c._asdict() for c in found],
                    "network": [r._asdict() for r in results],
                }
            )
        )
    else:
        cache_table(folder, found, results)
