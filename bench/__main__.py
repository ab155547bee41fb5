"""`python -m bench` (what `make bench` runs): every benchmark in this folder, one after the other.

Arguments are passed to each, e.g. `python -m bench --output docs/benchmarks.md` rewrites every section.
A benchmark that fails (its checks, or an error) does not stop the others; the exit status is then 1.
"""

from __future__ import annotations

import runpy
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    arguments = sys.argv[1:]
    failed: list[str] = []
    for script in sorted(HERE.glob("*.py")):
        if script.name.startswith("_"):
            continue
        print(f"=== {script.name}", flush=True)
        started = time.monotonic()
        sys.argv = [str(script), *arguments]
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(script.name)
        except Exception:
            traceback.print_exc()
            failed.append(script.name)
        print(f"=== {script.name}: {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"!!! failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)
