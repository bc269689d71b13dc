"""The synthetic catalog the benchmarks run on: valid under --strict, and the same for a seed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llmcat.checks import validate_with_all_rules
from llmcat.validate import validate_catalog
from tests.conftest import ROOT


def _generate(n: int, folder: Path, seed: int = 0) -> dict[str, str]:
    script = ROOT / "scripts" / "gen_catalog.py"
    subprocess.run([sys.executable, str(script), str(n), str(folder), "--seed", str(seed)], check=True)
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml"))}


def test_generated_catalog_passes_strict_validation(tmp_path: Path) -> None:
    files = _generate(400, tmp_path / "cat")
    assert len(files) == 400
    assert validate_with_all_rules(tmp_path / "cat").problems == []  # what `validate --strict` runs
    _, catalog = validate_catalog(tmp_path / "cat")
    assert len(catalog.records) == 400
    assert any(r.get("base_model") for r in catalog.records.values())
    assert any(r.get("lineage_note") for r in catalog.records.values())


def test_generated_catalog_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    assert _generate(120, tmp_path / "a") == _generate(120, tmp_path / "b")
    assert _generate(120, tmp_path / "c", seed=1) != _generate(120, tmp_path / "a")
