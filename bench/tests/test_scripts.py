"""The benches run as scripts (`python bench/x.py`), so Python puts bench/ first on the path:
a bench named like an installed package would stand for it in every import of the run."""

from __future__ import annotations

import sys
from importlib.metadata import packages_distributions
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent


def test_no_bench_script_shadows_an_installed_package():
    installed = set(packages_distributions()) | set(sys.stdlib_module_names)
    scripts = {p.stem for p in BENCH.glob("*.py")} | {p.name for p in BENCH.iterdir() if p.is_dir()}
    assert sorted(scripts & installed) == []
