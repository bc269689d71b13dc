"""Benchmark `llmcat links`' client: N distinct URLs on a local server with a fixed latency.

Reports the elapsed time against the ideal N x latency / concurrency, and the CPU time used.
Usage: python scripts/bench_links.py [--urls 500] [--latency 0.1] [--concurrency 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from llmcat.net.client import Checker, Options

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ideal = args.urls * args.latency / args.concurrency
    walls, cpus = [], []
    # The server runs in its own process so that its threads do not share the client's GIL.
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.netserver", str(args.latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        for run in range(args.runs):
            urls = [f"{base}/latency/{run}-{i}" for i in range(args.urls)]
            options = Options(
                concurrency=args.concurrency, per_host=args.concurrency, allow_private=True, timeout=30, retries=0
            )
            wall0, cpu0 = time.perf_counter(), time.process_time()
            outcomes = asyncio.run(Checker(options).run(urls))
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.process_time() - cpu0)
            bad = [o for o in outcomes if o.state != "ok"]
            if bad:
                sys.exit(f"{len(bad)} URLs did not come back ok, e.g. {bad[0]}")
    finally:
        server.kill()
        server.wait()
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"urls={args.urls} latency={args.latency}s concurrency={args.concurrency} runs={args.runs}")
    print(f"ideal {ideal:.2f} s | median elapsed {wall:.2f} s | ratio {wall / ideal:.2f} (aim <= 1.3)")
    print(f"median CPU time {cpu:.2f} s ({cpu / wall:.0%} of elapsed; the client process only)")


if __name__ == "__main__":
    main()
