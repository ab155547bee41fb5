"""Benchmark of intake: webhooks/s and latency at 64 connections, ingest beside the HTTP ceiling and the
straightforward way, all three in one run and measured by wrk from its own process.

    .venv/bin/python bench/intake.py [--seconds 10] [--rate 2000] [--output docs/benchmarks.md]

1. The whole system as real processes (`cartio_platform.testing.system`, fresh databases and broker namespace);
   the app is installed into the simulator's store, then the consumers are stopped: ingest and RabbitMQ alone,
   the messages wait in the consumers' durable quorum queues (where they go in production).
2. Beside it, from `bench/_intake_servers.py` and served by uvicorn as the services are (same interpreter, one
   worker, uvloop, httptools): a bare endpoint (the ceiling) and the straightforward intake (pydantic, one
   awaited confirmed persistent publish per request into a durable quorum queue).
3. wrk posts valid `store/cart/updated` webhooks (each of another cart, each with its own `webhook-id`, the
   store's secret) to each of the three: `--seconds` at 64 connections after a warm-up, then, for ingest and the
   straightforward intake, at `--rate` webhooks/s offered (each connection pausing between requests).
4. Checked: every answer was 200, and every 200 is in the queue (the queues' depth grew by at least the number of
   200s; by at most the requests wrk left in flight when it stopped). Exit status 1 otherwise.

Needs `wrk` (`scripts/ensure-bench-tools.sh`, which `make bench` runs, installs it from Debian).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench is a package of the repository's root
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench._profile import record, summarise  # noqa: E402
from bench._webhooks import queue_depth  # noqa: E402
from bench.carts_list import bench_args, bench_system, machine, write_section  # noqa: E402
from cartio_contracts import Topology  # noqa: E402
from cartio_platform.testing import free_port, wait_until  # noqa: E402

SCOPE = "store/cart/updated"
CONNECTIONS = 64
THREADS = 2  # wrk's; a core for the client would be a core taken from the servers
CONSUMERS = ("carts", "blacklist", "reports", "notifier")  # stopped: ingest and RabbitMQ alone
CART_ID = "00000000-0000-4000-8000-000000000000"  # in the template; each request puts its own there

# Each wrk thread numbers its requests: the cart id and the webhook-id are unique across threads and runs.
LUA = r"""
local prefix, suffix, secret, run, pause = %(prefix)s, %(suffix)s, %(secret)s, %(run)s, %(pause)d
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
counter, ok, bad = 0, 0, 0
function request()
  counter = counter + 1
  local id = string.format("%%08x-0000-4000-8000-%%012x", tid, counter)
  return wrk.format("POST", "/webhooks/bigcommerce",
    {["Content-Type"] = "application/json", ["X-Cartio-Secret"] = secret, ["webhook-id"] = run .. id},
    prefix .. id .. suffix)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
if pause > 0 then
  -- Open loop at the offered rate: each request of the thread takes the next slot of its schedule (a
  -- connection free early waits for it; one late is sent at once), whatever the answers take.
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } cartio_timespec;
    int clock_gettime(int clock, cartio_timespec *now);
  ]]
  local now = ffi.new("cartio_timespec")
  local function ms()
    ffi.C.clock_gettime(1, now)  -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local slot = nil
  function delay()
    local t = ms()
    slot = (slot or t) + pause / 1000
    return math.max(0, math.floor(slot - t))
  end
end
function done(summary, latency, requests)
  local good, wrong = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    wrong = wrong + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"ok": %%d, "bad": %%d, "requests": %%d, "seconds": %%f, "p50": %%d, "p99": %%d, "max": %%d, '
    .. '"errors": %%d}\n',
    good, wrong, summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Run:
    """What wrk measured: 200s and other answers, seconds, latency percentiles (ms)."""

    ok: int
    bad: int
    errors: int
    seconds: float
    p50: float
    p99: float
    max: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for this ASCII text


async def wrk(url: str, script: Path, seconds: float, *, connections: int = CONNECTIONS) -> Run:
    process = await asyncio.create_subprocess_exec(
        "wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", str(script), url,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = await process.communicate()
    text = out.decode()
    result = next((line for line in text.splitlines() if line.startswith("RESULT ")), None)
    if result is None:
        raise RuntimeError(f"wrk printed no result:\n{text}")
    r = json.loads(result.removeprefix("RESULT "))
    return Run(ok=r["ok"], bad=r["bad"], errors=r["errors"], seconds=r["seconds"],
               p50=r["p50"] / 1000, p99=r["p99"] / 1000, max=r["max"] / 1000)


async def profile(pid: int, seconds: float, out: Path) -> None:
    """py-spy's samples of ingest for `seconds` as collapsed stacks in `out`; the top functions printed."""
    await asyncio.to_thread(record(pid, out, seconds=seconds).wait)
    print("\n".join(summarise(out, "ingest during its run at 64 connections", top=25)))


def serve(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A comparison server under uvicorn, flags as in cartio_platform.cli."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop",
         "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def answering(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            await client.get(url)
        return True
    except httpx.HTTPError:
        return False


def versions() -> str:
    import aio_pika as pika
    import fastapi
    import uvicorn
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    rabbit = subprocess.run(["rabbitmqctl", "version"], capture_output=True, text=True).stdout.strip()
    return (f"Python {sys.version.split()[0]}, uvicorn {uvicorn.__version__} (uvloop, httptools), FastAPI "
            f"{fastapi.__version__}, aio-pika {pika.__version__}, RabbitMQ {rabbit or '?'}, {wrk_version.strip()}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="each measured wrk run (after a 3 s warm-up)")
    parser.add_argument("--rate", type=int, default=2000, help="webhooks/s offered in the fixed-rate runs")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record ingest with py-spy during its run: collapsed stacks to this file, top printed")
    args = bench_args(parser)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/ensure-bench-tools.sh (make bench does)")

    problems: list[str] = []
    runs: dict[str, Run] = {}
    at_rate: dict[str, Run] = {}
    tmp = Path(tempfile.mkdtemp(prefix="cartio-intake-"))
    async with bench_system() as system:
        print("starting simulator and services ...", flush=True)
        await system.start()
        store = await system.install()
        secret = await system.webhook_secret(store)
        topology = Topology(system.namespace)
        queues = [topology.queue("carts", "webhooks")]  # the one consumer of webhooks
        for name in CONSUMERS:
            system.stop_process(name)
        straight_queue = f"{system.namespace}.bench.straightforward"
        ports = {"bare": free_port(), "straightforward": free_port()}
        servers = [
            serve("bench._intake_servers:bare", ports["bare"], {}, tmp / "bare.log"),
            serve("bench._intake_servers:straightforward", ports["straightforward"],
                  {"BENCH_AMQP_URL": system.infra.amqp_url, "BENCH_QUEUE": straight_queue},
                  tmp / "straightforward.log"),
        ]
        try:
            targets = {
                "bare endpoint (the HTTP ceiling)": f"http://127.0.0.1:{ports['bare']}",
                "straightforward intake (the baseline)": f"http://127.0.0.1:{ports['straightforward']}",
                "ingest `POST /webhooks/bigcommerce`": system.url("ingest"),
            }
            for url in targets.values():
                await wait_until(lambda u=url: answering(u), timeout=30, what=f"{url} to answer")
            template = json.dumps(system.webhook(store, SCOPE, CART_ID), separators=(",", ":"))
            prefix, suffix = template.split(CART_ID)
            pause = round(THREADS * 1_000_000 / args.rate)  # microseconds between one wrk thread's requests

            def script(run: str, pause_us: int = 0) -> Path:
                path = tmp / f"{run}.lua"
                path.write_text(LUA % {"prefix": lua_string(prefix), "suffix": lua_string(suffix),
                                       "secret": lua_string(secret), "run": lua_string(run + "-"),
                                       "pause": pause_us})
                return path

            load = os.getloadavg()[0]
            for number, (name, url) in enumerate(targets.items()):
                watched = [straight_queue] if "straightforward" in name else queues if "ingest" in name else []
                before = await queue_depth(system.infra.amqp_url, *watched) if watched else 0
                print(f"{name}: warm-up, then {args.seconds:.0f} s at {CONNECTIONS} connections ...", flush=True)
                warm = await wrk(url, script(f"warm{number}-{uuid.uuid4().hex[:6]}"), 3)
                measured = wrk(url, script(f"run{number}-{uuid.uuid4().hex[:6]}"), args.seconds)
                if args.profile and "ingest" in name:
                    pid = system.processes["ingest"].proc.pid  # type: ignore[union-attr]
                    run, _ = await asyncio.gather(measured, profile(pid, args.seconds, args.profile))
                else:
                    run = await measured
                runs[name] = run
                if watched:
                    at_rate[name] = fixed = await wrk(url, script(f"rate{number}-{uuid.uuid4().hex[:6]}", pause),
                                                      args.seconds)
                    grew = await queue_depth(system.infra.amqp_url, *watched) - before
                    ok = warm.ok + run.ok + fixed.ok
                    # An answered 200 is in the queue; a request cut off by wrk's stop may be there unanswered.
                    if not ok <= grew <= ok + 3 * CONNECTIONS:
                        problems.append(f"{name}: {ok} webhooks answered 200 but the queues grew by {grew}")
                for label, r in (("", run), (" at the fixed rate", at_rate.get(name))):
                    if r is not None and (r.bad or r.errors):
                        problems.append(f"{name}{label}: {r.bad} answers other than 200, {r.errors} socket errors")
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)

    ceiling, base, ours = runs.values()
    ratio = ours.rate / base.rate
    lines = [
        f"## intake: webhooks/s at {CONNECTIONS} connections, beside the HTTP ceiling and the straightforward way",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/intake.py` on this machine ({machine(load)}); "
        f"{versions()}. Three servers, one worker each on the same interpreter, loaded in turn by wrk (2 threads, "
        f"{CONNECTIONS} connections, its own process) with valid `{SCOPE}` webhooks, each of another cart with its "
        f"own `webhook-id`: a bare FastAPI endpoint (reads the body, answers 200), the straightforward intake "
        "(pydantic validation and one awaited confirmed persistent aio-pika publish per request into a durable quorum "
        "queue) and ingest (secret check, validation, deduplication, confirmed publish to the consumers' durable "
        "quorum queues; the consumers stopped so ingest and RabbitMQ are measured alone). Each run "
        f"{args.seconds:.0f} s after a 3 s warm-up.",
        "",
        "| server | webhooks/s | p50 ms | p99 ms | max ms | x straightforward |",
        "|---|---|---|---|---|---|",
        *(f"| {name} | **{r.rate:,.0f}** | {r.p50:.1f} | {r.p99:.1f} | {r.max:.1f} | {r.rate / base.rate:.2f} |"
          for name, r in runs.items()),
        "",
        f"At {args.rate:,} webhooks/s offered ({CONNECTIONS} connections; open loop, each request sent at its slot "
        "of a fixed schedule whatever the answers before it took):",
        "",
        "| server | webhooks/s achieved | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        *(f"| {name} | {r.rate:,.0f} | {r.p50:.1f} | **{r.p99:.1f}** | {r.max:.1f} |" for name, r in at_rate.items()),
        "",
        f"Ingest took **{ratio:.2f}x** the straightforward intake's webhooks/s in the same run and "
        f"{ours.rate / ceiling.rate:.2f}x the bare endpoint's. "
        + ("Checked: every answer was 200 and every 200 is in its queue." if not problems
           else "The checks failed: see the problems below."),
    ]
    if problems:
        lines += ["", "**Problems:**", "", *(f"- {p}" for p in problems)]
    report = "\n".join(lines)
    print("\n" + report, flush=True)
    if problems:
        print(f"\n!!! FAILED: {len(problems)} problems, see above; nothing written", file=sys.stderr)
        raise SystemExit(1)
    if args.output:
        write_section(args.output, "bench/intake.py", report)


if __name__ == "__main__":
    asyncio.run(main())
