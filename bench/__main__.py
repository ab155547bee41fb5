"""`python -m bench` (what `make bench` runs): every benchmark in this folder, one after the other.

Arguments are passed to each, e.g. `python -m bench --output docs/benchmarks.md` rewrites every section.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    arguments = sys.argv[1:]
    for script in sorted(HERE.glob("*.py")):
        if script.name.startswith("_"):
            continue
        print(f"=== {script.name}", flush=True)
        sys.argv = [str(script), *arguments]
        runpy.run_path(str(script), run_name="__main__")
