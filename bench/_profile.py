"""Where a benchmark's processes spend their time: CPU seconds from /proc and py-spy's samples (not a benchmark)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"  # the workspace's (a dev dependency); bench scripts run its python


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far (/proc/<pid>/stat), which the machine's load does not
    inflate; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def record(pid: int, out: Path, *, rate: int = 200, seconds: float | None = None,
           idle: bool = False) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` into `out` as collapsed stacks, for `seconds` or until `stop`; `idle` counts the
    samples where the process waits too (the share spent waiting then shows)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(rate), "--nonblocking", "--format", "raw",
               "--output", str(out)]
    if seconds is not None:
        command += ["--duration", str(max(1, round(seconds)))]
    if idle:
        command.append("--idle")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(spy: subprocess.Popen[bytes] | None) -> None:
    """End a recording early; py-spy writes what it sampled on SIGINT."""
    if spy is None:
        return
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()


def short(frame: str) -> str:
    """`function (path/to/file.py:line)` as `function (file.py)`: one row per function, not per line."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1].rsplit(':', 1)[0]})" if where else name


def summarise(path: Path, what: str, top: int = 15) -> list[str]:
    """Markdown tables of the top frames of collapsed stacks: by own samples (where the CPU goes) and by
    inclusive samples (what for)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines() if path.exists() else []:
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = [short(f) for f in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return [f"(py-spy recorded no samples of {what})"]

    def rows(counter: Counter[str]) -> list[str]:
        return [f"| {100 * n / total:.1f} % | `{frame}` |" for frame, n in counter.most_common(top)]

    return [f"py-spy, {total:,} samples of {what}:", "", "| own | frame |", "|---|---|", *rows(own), "",
            "| inclusive | frame |", "|---|---|", *rows(inclusive)]
