"""Did-you-mean on a large catalog: the suggestion step of `llmcat show NAME` for a name that
is not in it, against plain `difflib.get_close_matches` over the same names.

Usage: python scripts/bench_suggest.py [--size 100000] [--runs 5] [--keep DIR]
Prints, per name, the median CPU time of `Catalog.suggestions` (which also lists the names,
from the warm index) and of the matching alone, and whether the answer is difflib's. CPU time,
not wall time, so that other work on the machine does not count.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["nosuchid", "chatglm-6c", "gen-modle-5", "gen-datset-77", "Gen Model 77", "gen-model-1234x", "天鹰x"]


def median_ms(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        func()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse or keep the generated catalog here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llmcat-suggest-"))
    folder = args.keep or work / "catalog"
    if not folder.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "gen_catalog.py"), str(args.size), str(folder)], check=True
        )
    os.environ["LLMCAT_CACHE_DIR"] = str(work / "cache")
    from llmcat.catalog import fold
    from llmcat.store import open_catalog
    from llmcat.suggest import close_matches

    catalog = open_catalog(folder.resolve())
    catalog.suggestions("warm-up")
    keys = list(dict.fromkeys([*catalog.records, *catalog._map("names")]))
    print(f"{args.size} entries, {len(keys)} names; median of {args.runs} runs")
    print(f"{'name':18} {'suggestions':>12} {'matching':>9} {'difflib':>8}  same")
    for name in NAMES:
        whole = median_ms(lambda name=name: catalog.suggestions(name), args.runs)  # type: ignore[misc]
        fast = median_ms(lambda name=name: close_matches(fold(name), keys), args.runs)  # type: ignore[misc]
        slow = median_ms(lambda name=name: difflib.get_close_matches(fold(name), keys), 1)  # type: ignore[misc]
        same = close_matches(fold(name), keys) == difflib.get_close_matches(fold(name), keys)
        print(f"{name:18} {whole:10.0f}ms {fast:7.0f}ms {slow:6.0f}ms  {'yes' if same else 'no'}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
