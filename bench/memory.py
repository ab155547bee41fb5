"""Benchmark of memory: the resident set (RSS) of every service process, idle after start and under a short load.

    .venv/bin/python bench/memory.py [--seconds 30] [--shoppers 40] [--webhooks 1500] [--output docs/benchmarks.md]

The whole system as real processes (cartio_platform.testing.system: simulator, ingest, carts, gateway, blacklist,
reports and notifier on fresh databases and their own broker namespace, on the servers of CARTIO_TEST_POSTGRES_URL /
CARTIO_TEST_AMQP_URL, default the local ones). Read from `/proc/<pid>/status`: `VmRSS` (resident now) and `VmHWM`
(the peak resident so far).

1. Baseline, in the same run: a bare interpreter with FastAPI and uvicorn imported, the floor a service starts from
   (and a bare interpreter, the floor of Python itself).
2. Idle: every process ready, the app installed into the simulator's store, then left alone a few seconds.
3. Load, from this process on loopback, bounded in count and time: `--shoppers` shoppers' carts made in the simulator
   (its webhooks go through ingest to carts, BigCommerce reads, events to blacklist, reports, notifier and the
   gateway's live feed), `--webhooks` webhooks of unknown carts posted to ingest 10 at a time, and the merchant's
   API reads (cart list, a cart in full, reports, rules, notifications, audit) in a loop, for at most
   `--seconds`. RSS is sampled every half second; then the processes are left a few seconds and read again.

Target (issue 16): every service under 150 MB RSS idle. Databases and the namespace are dropped at the end.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench and tests are packages of the repository's root
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.carts_list import bench_args, bench_system, machine, write_section  # noqa: E402
from cartio_platform.security import WEBHOOK_SECRET_HEADER  # noqa: E402
from cartio_platform.testing.system import Merchant, System  # noqa: E402

TARGET_MB = 150.0
SETTLE_SECONDS = 5.0
SAMPLE_SECONDS = 0.5
BASELINES = {
    "bare python": "pass",
    "python + fastapi + uvicorn imported": "import fastapi, uvicorn, uvicorn.main",
}
API_READS = ("/api/carts", "/api/reports/summary", "/api/blacklist/rules", "/api/audit", "/api/me")


def status_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process in MB, from /proc/<pid>/status (which gives them in kB)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def baseline(code: str) -> float:
    """RSS in MB of a fresh interpreter once it ran `code` (it waits on stdin while it is read)."""
    script = f"{code}\nimport sys\nprint('ready', flush=True)\nsys.stdin.read()"
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        assert proc.stdin is not None
        assert proc.stdout.readline().strip() == b"ready"
        rss, _ = status_mb(proc.pid)
        proc.stdin.close()
    return rss


@dataclass
class Readings:
    """Per process: RSS idle, the largest RSS sampled under load, RSS after it, VmHWM at the end (MB)."""

    idle: dict[str, float] = field(default_factory=dict)
    loaded: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)


def pids(system: System) -> dict[str, int]:
    found = {name: p.proc.pid for name, p in system.processes.items() if p.proc is not None}
    assert len(found) == len(system.processes), "a process did not start"
    return found


async def sample(system: System, readings: Readings, stop: asyncio.Event) -> None:
    """Keep the largest RSS of every process until `stop` is set."""
    while not stop.is_set():
        for name, pid in pids(system).items():
            readings.loaded[name] = max(readings.loaded.get(name, 0.0), status_mb(pid)[0])
        await asyncio.sleep(SAMPLE_SECONDS)


async def shoppers(system: System, store: str, count: int, deadline: float) -> int:
    """Shoppers' carts made in the simulator, each with two products; how many were made."""
    products = [p["id"] for p in (await system.products())[:2]]
    made = 0
    for n in range(count):
        if time.monotonic() > deadline:
            break
        items = [{"product_id": pid, "quantity": 1 + n % 3} for pid in products]
        await system.shopper_cart(store, items, email=f"memory{n}@buyer.example")
        made += 1
    return made


async def webhooks(system: System, store: str, count: int, deadline: float) -> int:
    """Webhooks of carts BigCommerce does not have, 10 in flight; how many ingest accepted (200)."""
    headers = {WEBHOOK_SECRET_HEADER: await system.webhook_secret(store)}
    pending = iter(range(count))
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(base_url=system.url("ingest"), timeout=30) as client:
            for n in pending:
                if time.monotonic() > deadline:
                    return
                payload = system.webhook(store, "store/cart/deleted", f"00000000-0000-4000-8000-{n:012d}")
                answer = await client.post("/webhooks/bigcommerce", json=payload, headers=headers)
                accepted += answer.status_code == 200

    await asyncio.gather(*(worker() for _ in range(10)))
    return accepted


async def reads(merchant: Merchant, deadline: float, done: asyncio.Event) -> int:
    """The merchant's API reads in a loop until the other load is done or the deadline; how many were made."""
    count = 0
    while not done.is_set() and time.monotonic() < deadline:
        for path in API_READS:
            answer = await merchant.get(path)
            answer.raise_for_status()
            count += 1
            if path == "/api/carts" and (items := answer.json()["items"]):
                cart_id = items[count % len(items)]["id"]
                (await merchant.get(f"/api/carts/{cart_id}")).raise_for_status()
                (await merchant.get("/api/notifications", params={"cart_id": cart_id})).raise_for_status()
                count += 2
    return count


def report_lines(readings: Readings, floors: dict[str, float], load: float, done: str) -> list[str]:
    lines = [
        "## memory: RSS of every service process, idle and under load",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/memory.py` on this machine ({machine(load)}): every "
        "process of `cartio_platform.testing.system` started, the app installed into the simulator's store; "
        "`VmRSS` and `VmHWM` read from `/proc/<pid>/status`. Idle: every process ready, then "
        f"{SETTLE_SECONDS:.0f} s alone. Under load: {done}; RSS sampled every {SAMPLE_SECONDS} s, the largest "
        f"shown; after: {SETTLE_SECONDS:.0f} s later. Target: every service under {TARGET_MB:.0f} MB RSS idle.",
        "",
        "| process | idle RSS MB | under load, max RSS MB | after load RSS MB | peak (VmHWM) MB | idle < 150 MB |",
        "|---|---|---|---|---|---|",
    ]
    for name, idle in readings.idle.items():
        met = "met" if idle < TARGET_MB else "**NOT met**"
        lines.append(f"| {name} | {idle:.1f} | {readings.loaded[name]:.1f} | {readings.after[name]:.1f} | "
                     f"{readings.peak[name]:.1f} | {met} |")
    lines += ["", "Baseline in the same run (a fresh interpreter, RSS once it has imported):", "",
              "| interpreter | RSS MB |", "|---|---|"]
    lines += [f"| {name} | {rss:.1f} |" for name, rss in floors.items()]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="the load's longest duration")
    parser.add_argument("--shoppers", type=int, default=40, help="shoppers' carts made in the simulator")
    parser.add_argument("--webhooks", type=int, default=1500, help="webhooks of unknown carts posted to ingest")
    args = bench_args(parser)

    floors = {name: baseline(code) for name, code in BASELINES.items()}
    readings = Readings()
    async with bench_system() as system:
        print("starting every process ...", flush=True)
        await system.start()
        store = await system.install()
        merchant = await system.merchant(store)
        await asyncio.sleep(SETTLE_SECONDS)
        load = os.getloadavg()[0]
        readings.idle = {name: status_mb(pid)[0] for name, pid in pids(system).items()}
        print("idle:", {n: round(v, 1) for n, v in readings.idle.items()}, flush=True)

        deadline = time.monotonic() + args.seconds
        stop, writers_done = asyncio.Event(), asyncio.Event()
        sampler = asyncio.create_task(sample(system, readings, stop))
        try:
            reader = asyncio.create_task(reads(merchant, deadline, writers_done))
            made, accepted = await asyncio.gather(shoppers(system, store, args.shoppers, deadline),
                                                  webhooks(system, store, args.webhooks, deadline))
            writers_done.set()
            read_count = await reader
        finally:
            stop.set()
            await sampler
        await asyncio.sleep(SETTLE_SECONDS)
        for name, pid in pids(system).items():
            readings.after[name], readings.peak[name] = status_mb(pid)

    done = (f"{made} shoppers' carts, {accepted} webhooks of unknown carts accepted by ingest and {read_count} "
            "API reads by the merchant, at once")
    report = "\n".join(report_lines(readings, floors, load, done))
    print("\n" + report)
    if args.output:
        write_section(args.output, "bench/memory.py", report)
    over = [name for name, idle in readings.idle.items() if idle >= TARGET_MB]
    if over:
        print(f"\nover {TARGET_MB:.0f} MB idle: {', '.join(over)}")


if __name__ == "__main__":
    asyncio.run(main())
