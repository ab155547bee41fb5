"""Benchmark of freshness under load: a shopper's change in the simulator until the cart's event on the merchant's
live feed, at 50, 200 and 500 changes a second for a minute each.

    .venv/bin/python bench/freshness.py [--rates 50,200,500] [--seconds 60] [--stores 4] [--output FILE]

The whole system as real processes (cartio_platform.testing.system: simulator, ingest, carts, gateway, ... on
fresh databases and their own broker namespace). `--stores` stores have the app installed and a merchant each with
the live feed (`GET /api/live`, server-sent events) open in this process. The stores are Enterprise-plan stores:
the simulator's per-store quota is raised to `--quota` requests per 30 s (`POST /_sim/faults`), as BigCommerce does
per plan; at BigCommerce's Standard quota (150 per 30 s, about 5 calls a second) 500 changes a second would need
about 150 stores, each installed and watched.

The load comes from a second process (this file with `--generate`): open loop, each change sent at its time on the
clock (`k / rate` from the start) whether or not the earlier ones were answered, over a pool of keep-alive
connections (one httpx client of one connection each). A change is a new cart with one product
(`POST /_sim/carts`) or, once a cart made in this run has rested `--gap` seconds (longer than carts' coalescing
window, so every change is read on its own), its line's quantity set to 2 and later 3
(`PATCH /_sim/carts/{id}/items/{line}`); each cart takes three changes. This process matches the feed's events to
the changes by cart id and quantity; a change's latency is from its time on the clock (so a generator falling behind
counts against the system, not hidden) until its event arrived. A change the simulator accepted and the feed did
not show within `--timeout` seconds of the phase's end is counted as not seen in time (it is still on its way:
carts' durable queue holds the backlog, which the table shows).

Baseline in the same run: the same changes one at a time (`--baseline-rate`, 2 a second, each seen long before the
next), and at every rate the simulator's own answer time to the shopper's request, the floor the pipeline adds to.
Also measured per phase: the CPU each process used (from /proc). Exit status 1 if the simulator refused a change
(the section is written all the same); changes not seen in time at a rate the machine cannot carry are the figure,
not a failure. Databases and the namespace are dropped at the end. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench and tests are packages of the repository's root
    sys.path.insert(0, str(ROOT))

from bench._freshness_load import Change  # noqa: E402
from bench._profile import cpu_seconds, record  # noqa: E402
from bench._webhooks import queue_depth  # noqa: E402
from bench.carts_list import bench_args, bench_system, machine, write_section  # noqa: E402
from cartio_contracts import Topology  # noqa: E402
from cartio_platform.testing.system import System  # noqa: E402
from tests.e2e.test_tenancy_and_live import listening  # noqa: E402

SCRIPT = "bench/freshness.py"
TARGET_RATE, TARGET_P99_MS = 200, 250.0
QUEUES = (("carts", "webhooks"), ("gateway", "live"))  # where a change waits on its way (depths reported)
LOAD = Path(__file__).resolve().parent / "_freshness_load.py"


# --- measuring ------------------------------------------------------------------------------------------------


def run_generator(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator as a process of its own and return what it recorded."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "changes.json"
        subprocess.run([sys.executable, str(LOAD), json.dumps(spec), str(out)], check=True)
        result: dict[str, Any] = json.loads(out.read_text())
    return result


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p99 of 3,000 values is the 2,970th)."""
    ordered = sorted(values)
    rank = math.ceil(len(ordered) * p / 100)
    return ordered[min(len(ordered), max(1, rank)) - 1] if ordered else float("nan")


@dataclass
class Phase:
    name: str
    rate: float
    seconds: float
    changes: list[Change]
    latencies: list[float] = field(default_factory=list)  # ms, change's time on the clock -> event arrived
    answers: list[float] = field(default_factory=list)  # ms, the simulator's answer to the shopper
    behind: list[float] = field(default_factory=list)  # ms, the generator's send after the change's time
    unseen: list[Change] = field(default_factory=list)
    failed: list[Change] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core, per process
    busy: float = 0.0  # cores busy on the whole machine
    throttled: int = 0
    load: float = 0.0
    queued: dict[str, int] = field(default_factory=dict)  # messages waiting in a queue as the sending ended

    @property
    def achieved(self) -> float:
        ok = [c for c in self.changes if 200 <= c.status < 300]
        if len(ok) < 2:
            return 0.0
        return len(ok) / (max(c.answered for c in ok) - min(c.sent for c in ok))

    @property
    def offered(self) -> float:
        return len(self.changes) / self.seconds


def match(phase: Phase, seen: dict[tuple[str, int], float]) -> None:
    """Each change's latency from the earliest event of its cart showing its quantity or a later one."""
    for change in phase.changes:
        if not 200 <= change.status < 300 or change.cart_id is None:
            phase.failed.append(change)
            continue
        phase.answers.append((change.answered - change.sent) * 1000)
        phase.behind.append((change.sent - change.scheduled) * 1000)
        arrived = seen.get((change.cart_id, change.quantity))
        if arrived is None:
            phase.unseen.append(change)
        else:
            phase.latencies.append((arrived - change.scheduled) * 1000)


class Feeds:
    """The merchants' live feeds: every event's cart id and quantity, with the time it arrived."""

    def __init__(self) -> None:
        self.raw: list[dict[str, Any]] = []  # as tests.e2e's `listening` collects them
        self.done = 0
        self.seen: dict[tuple[str, int], float] = {}

    def index(self) -> dict[tuple[str, int], float]:
        for event in self.raw[self.done:]:
            cart = json.loads(event["data"]).get("cart") or {}
            # A cart's quantity only grows (1, 2, 3): an event showing 3 also shows that the change to 2 reached
            # the merchant, who sees the cart's latest state (carts may read two changes close together once).
            for item in cart.get("items") or []:
                for quantity in range(1, int(item.get("quantity") or 0) + 1):
                    self.seen.setdefault((str(cart.get("id")), quantity), float(event["received_at"]))
        self.done = len(self.raw)
        return self.seen


PROFILED = ("simulator", "ingest", "carts", "gateway")


def profilers(pids: dict[str, int], folder: Path | None, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each process of PROFILED for `seconds` (collapsed stacks, `<folder>/<name>.txt`)."""
    if folder is None:
        return []
    return [record(pids[name], folder / f"{name}.txt", rate=50, seconds=seconds) for name in PROFILED if name in pids]


async def run_phase(system: System, feeds: Feeds, name: str, spec: dict[str, Any], timeout: float,
                    profile: Path | None = None) -> Phase:
    """One rate for its seconds; its changes matched to the feeds' events (waiting up to `timeout` after); the
    processes profiled into `profile` meanwhile when given."""
    print(f"{name}: {spec['rate']:g} changes/s for {spec['seconds']:g} s ...", flush=True)
    pids = {n: p.proc.pid for n, p in system.processes.items() if p.proc is not None}
    spies = profilers(pids, profile, float(spec["seconds"]))
    before = {n: cpu_seconds(pid) for n, pid in pids.items()}
    busy0, total0 = machine_busy()
    load = os.getloadavg()[0]
    throttled0 = await throttled(system, spec["stores"])
    started = time.monotonic()
    result = await asyncio.to_thread(run_generator, spec)
    for spy in spies:
        await asyncio.to_thread(spy.wait)
    changes = [Change(*row) for row in result["changes"]]
    phase = Phase(name, float(spec["rate"]), float(spec["seconds"]), changes, load=load)
    topology = Topology(system.namespace)
    for service, purpose in QUEUES:
        phase.queued[f"{service}.{purpose}"] = await queue_depth(system.infra.amqp_url,
                                                                 topology.queue(service, purpose))
    wanted = {(c.cart_id, c.quantity) for c in changes if 200 <= c.status < 300 and c.cart_id}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not wanted <= feeds.index().keys():
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    busy1, total1 = machine_busy()
    phase.cpu = {n: (cpu_seconds(pid) - before[n]) / elapsed for n, pid in pids.items()}
    phase.cpu["load generator"] = float(result["cpu_seconds"]) / float(spec["seconds"])
    phase.busy = (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1)
    phase.throttled = await throttled(system, spec["stores"]) - throttled0
    match(phase, feeds.index())
    print(f"  offered {phase.offered:.0f}/s, achieved {phase.achieved:.0f}/s, "
          f"p50 {pct(phase.latencies, 50):.0f} ms, p99 {pct(phase.latencies, 99):.0f} ms, "
          f"not seen in time {len(phase.unseen)}, failed {len(phase.failed)}, queued at the end {phase.queued}",
          flush=True)
    reasons = Counter(f"{c.kind}: {c.status} {c.error[:100]}" for c in phase.failed)
    for reason, count in reasons.most_common(5):
        print(f"  !!! {count} failed: {reason}", flush=True)
    return phase


async def throttled(system: System, stores: list[str]) -> int:
    total = 0
    for store in stores:
        body = (await system.sim_call("GET", "/_sim/api_usage", params={"store": store})).json()
        total += int(body["throttled"])
    return total


# --- the report -----------------------------------------------------------------------------------------------


def report(phases: list[Phase], args: argparse.Namespace) -> str:
    base = phases[0]
    floor = pct(base.latencies, 99)

    def ms(values: list[float], p: float) -> str:
        return f"{pct(values, p):.0f}" if values else "-"

    rows = []
    for p in phases:
        ratio = "1x" if p is base else f"{pct(p.latencies, 99) / floor:.1f}x" if p.latencies else "-"
        bold = "**" if p.rate == TARGET_RATE else ""
        rows.append(
            f"| {p.name} | {p.offered:.0f} | {p.achieved:.0f} | {len(p.changes):,} | {ms(p.latencies, 50)} | "
            f"{bold}{ms(p.latencies, 99)}{bold} | {ms(p.latencies, 100)} | {len(p.unseen)} | {len(p.failed)} | "
            f"{ratio} | {ms(p.answers, 50)} / {ms(p.answers, 99)} | {ms(p.behind, 99)} |")
    cpu_names = [n for n in ("simulator", "ingest", "carts", "gateway", "blacklist", "reports", "notifier",
                             "load generator") if n in base.cpu]
    target = next((p for p in phases if p.rate == TARGET_RATE and p is not base), None)
    verdict = ""
    if target is not None and target.latencies:
        met = pct(target.latencies, 99) < TARGET_P99_MS and not target.unseen
        verdict = (f"Target: p99 under {TARGET_P99_MS:.0f} ms at {TARGET_RATE} changes/s: "
                   f"{pct(target.latencies, 99):.0f} ms, **{'met' if met else 'NOT met'}**.")
    lines = [
        "## freshness: a shopper's change on the live feed at 50, 200 and 500 changes/s",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/freshness.py` on this machine "
        f"({machine(base.load)}; Python {sys.version.split()[0]}): simulator and every service as real processes "
        f"(`cartio_platform.testing.system`), the app installed into {args.stores} stores, a merchant of each with "
        "the live feed (`GET /api/live`) open in the measuring process. The stores are Enterprise-plan stores: "
        f"their API quota raised to {args.quota:,} requests per 30 s (at the Standard plan's 150, about 5 calls a "
        "second, 500 changes a second would need ~150 stores installed and watched). A second process sends the "
        f"changes open loop at the offered rate for {args.seconds:g} s ({args.connections} keep-alive connections): "
        "new carts with one product, and each such cart's quantity set to 2 and then 3 after "
        f"{args.gap:g} s rests (so carts reads every change on its own). Latency: from the change's time on the "
        "clock until the live feed delivered the cart's event showing it or a later state (matched by cart id and "
        "quantity); not seen in time: "
        f"accepted by the simulator, not on the feed {args.timeout:g} s after the phase. Baseline in the same run: "
        f"the same changes one at a time ({args.baseline_rate:g} a second), and the simulator's own answer to each "
        "shopper request (the floor the pipeline adds to)."
        + (f" Carts ran with {', '.join(args.carts_env)}." if args.carts_env else ""),
        "",
        "| phase | offered /s | achieved /s | changes | p50 ms | p99 ms | max ms | not seen in time | failed "
        "| p99 vs one at a time | simulator answer p50 / p99 ms | sent late p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "CPU of each process during each phase (share of one core; the machine has "
        f"{os.cpu_count()}), and the whole machine's busy cores (PostgreSQL and RabbitMQ included):",
        "",
        "| phase | " + " | ".join(cpu_names) + " | machine busy | throttled (429) |",
        "|---|" + "---|" * (len(cpu_names) + 2),
        *(f"| {p.name} | " + " | ".join(f"{p.cpu.get(n, 0):.2f}" for n in cpu_names)
          + f" | {p.busy:.2f} | {p.throttled} |" for p in phases),
        "",
        verdict,
    ]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,200,500", help="offered changes per second, one phase each")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each loaded phase")
    parser.add_argument("--baseline-rate", type=float, default=2.0, help="changes per second of the baseline")
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--quota", type=int, default=15_000, help="API requests per store per 30 s")
    parser.add_argument("--gap", type=float, default=2.0, help="seconds a cart rests between its changes")
    parser.add_argument("--connections", type=int, default=64, help="the load generator's connections")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds after a phase to wait for its events (then not seen in time; the next starts)")
    parser.add_argument("--profile", type=Path, default=None,
                        help=f"py-spy the processes during the {TARGET_RATE}/s phase: collapsed stacks in this folder")
    parser.add_argument("--carts-env", action="append", default=[], metavar="CARTIO_X=VALUE",
                        help="a setting of carts for this run (experiments: CARTIO_PREFETCH=32), repeatable")
    args = bench_args(parser)  # `python -m bench` hands every benchmark the same arguments

    phases: list[Phase] = []
    async with bench_system() as system:
        system.name = "freshness"  # its own log files (test-logs/freshness-*.log), apart from other benchmarks'
        system.process_env["carts"] = dict(item.split("=", 1) for item in args.carts_env)
        print("starting the simulator and the services ...", flush=True)
        await system.start()
        answer = await system.sim_call("POST", "/_sim/faults", json={"rate_limit_per_30s": args.quota})
        assert answer.status_code < 300, answer.text
        stores = [await system.install()]
        while len(stores) < args.stores:
            stores.append(await system.install(await system.new_store()))
        products = [p["id"] for p in await system.products()
                    if p.get("base_variant_id") and len(p.get("variants") or []) <= 1
                    and not any(m.get("required") for m in p.get("modifiers") or [])
                    and (p.get("inventory_level") or 100) > 20]
        assert products, "no product without options in the catalog"
        feeds = Feeds()
        async with contextlib.AsyncExitStack() as stack:
            for store in stores:
                await stack.enter_async_context(listening(await system.merchant(store), feeds.raw))
            spec = {"sim": system.sim, "stores": stores, "products": products, "gap": args.gap,
                    "connections": args.connections}
            print(f"{len(stores)} stores installed, their live feeds open; warming up ...", flush=True)
            await run_phase(system, feeds, "warm-up", {**spec, "rate": 10, "seconds": 3}, args.timeout)
            phases.append(await run_phase(system, feeds, "one at a time (baseline)",
                                          {**spec, "rate": args.baseline_rate, "seconds": args.baseline_seconds,
                                           "connections": 1}, args.timeout))
            for rate in (float(r) for r in args.rates.split(",")):
                phases.append(await run_phase(system, feeds, f"{rate:g} changes/s",
                                              {**spec, "rate": rate, "seconds": args.seconds}, args.timeout,
                                              args.profile if rate == TARGET_RATE else None))
        await system.sim_call("POST", "/_sim/faults", json={})

    text = report(phases, args)
    print("\n" + text)
    # Written whatever happened: a rate the machine cannot carry shows as its backlog (changes not on the feed in
    # time), which is the figure. Only a change the simulator refused is a failure of the run.
    if args.output:
        write_section(args.output, SCRIPT, text)
    problems = [f"{p.name}: {len(p.failed)} changes refused by the simulator" for p in phases if p.failed]
    if problems:
        print("\n!!! " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
