"""How long `llmcat links`' client takes over several hosts when DNS does not answer.

The system resolver is replaced by one that blocks for --stall seconds and then fails, as a
resolver whose server drops packets does. Reports the run's elapsed time, the look-ups made and
the states. Usage: python scripts/bench_no_dns.py [--hosts 5] [--urls 10] [--stall 4] [--timeout 10]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from llmcat.net.client import Checker, Options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--urls", type=int, default=10, help="URLs per host")
    parser.add_argument("--stall", type=float, default=4.0, help="seconds each look-up blocks before failing")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    lookups = Counter[str]()
    lock = threading.Lock()

    def stalled(host: Any, *rest: Any, **kwargs: Any) -> Any:
        with lock:
            lookups[str(host)] += 1
        time.sleep(args.stall)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    socket.getaddrinfo = stalled
    urls = [f"https://host{h}.example/{i}" for h in range(args.hosts) for i in range(args.urls)]
    options = Options(concurrency=args.concurrency, timeout=args.timeout, retries=2)
    started = time.perf_counter()
    outcomes = asyncio.run(Checker(options).run(urls))
    elapsed = time.perf_counter() - started
    print(f"hosts={args.hosts} urls={len(urls)} stall={args.stall}s timeout={args.timeout}s")
    print(f"elapsed {elapsed:.1f} s (asyncio.run returned) | look-ups {sum(lookups.values())}")
    print(f"states {dict(Counter(o.state for o in outcomes))}")
    sys.stdout.flush()
    # Look-ups still blocked in daemon threads do not hold the interpreter's exit.


if __name__ == "__main__":
    main()
