"""How close llmcat's memory estimates come to published measurements (a benchmark, not a test).

    python scripts/calibrate_memory.py [--rows]

Reads docs/memory-measurements.csv, estimates each row with llmcat's model and prints, per mode,
the median estimate/measured ratio, its range and the share of rows within 0.8-1.3; then every
card size (8-80 GiB) where `fit` would say "fits" while the measurement says it does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

from llmcat import calibration
from llmcat.validate import validate_catalog

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    catalog = validate_catalog(ROOT / "catalog")[1]
    compared = calibration.compare(calibration.load(catalog.records.get, ROOT / calibration.TABLE))
    if "--rows" in argv:
        print(
            f"{'model':<12} {'mode':<14} {'prec':<5} {'ctx':>5} {'bs':>3} {'measured':>9} {'estimate':>9} {'ratio':>6}"
        )
        for c in compared:
            r = c.row
            print(
                f"{r.model:<12} {r.mode:<14} {r.precision:<5} {r.recipe.context:>5} {r.recipe.batch:>3} "
                f"{r.measured_gib:>9.2f} {c.estimated_gib:>9.2f} {c.ratio:>6.2f}"
            )
        print()
    print(f"{'mode':<14} {'rows':>4} {'median':>7} {'min':>6} {'max':>6} {'in 0.8-1.3':>10}")
    for s in calibration.summary(compared):
        print(f"{s.mode:<14} {s.rows:>4} {s.median:>7.2f} {s.low:>6.2f} {s.high:>6.2f} {s.within:>10.0%}")
    within = sum(0.8 <= c.ratio <= 1.3 for c in compared) / len(compared)
    print(f"{'all':<14} {len(compared):>4} {'':>7} {'':>6} {'':>6} {within:>10.0%}")
    unsafe = [(c, card) for c in compared for card in c.unsafe_cards()]
    print(f"\ncards where the estimate fits but the measurement is >3% above the card: {len(unsafe)}")
    for c, card in unsafe:
        r = c.row
        print(
            f"  {card} GiB: {r.model} {r.mode} {r.precision} ctx {r.recipe.context}: "
            f"estimate {c.estimated_gib:.1f}, measured {r.measured_gib:.1f}"
        )
    return 1 if unsafe else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
