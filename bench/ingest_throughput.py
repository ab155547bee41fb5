"""Benchmark of ingest: valid BigCommerce webhooks per second, each answered 200 only once RabbitMQ confirmed it.

    .venv/bin/python bench/ingest_throughput.py [--webhooks 3000] [--concurrency 50] [--output docs/benchmarks.md]

The whole system as real processes (cartio_platform.testing.system: simulator, ingest, carts and gateway on fresh
databases and their own broker namespace, on the servers of CARTIO_TEST_POSTGRES_URL / CARTIO_TEST_AMQP_URL,
default the local ones); the app is installed into the simulator's store and a shopper's cart is waited for in
`GET /api/carts`, so carts knows the store. Then valid `store/cart/deleted` webhooks (the shape of
`System.webhook`, the store's `X-Cartio-Secret`, each of another cart that does not exist) are posted to
ingest's `/webhooks/bigcommerce` through httpx, from `--concurrency` clients of one connection each:

1. a few hundred one at a time, carts running: the latency of an idle ingest;
2. `--webhooks` with `--concurrency` in flight, carts consuming them as they come;
3. `--webhooks` with `--concurrency` in flight, carts stopped: ingest and RabbitMQ alone, the messages wait in
   carts' durable quorum queue (where they go in production), whose depth is then checked; carts is started
   again and the time it takes to work through them is measured.

Carts' share of each webhook: one transaction (inbox row, the cart's advisory lock, one select); the cart is
unknown, so no BigCommerce call and no event follow. Every accepted webhook's message id must reach carts'
inbox (so the broker had it) and none be parked. Any answer but 200, or a message missing, is printed loudly
and the exit status is 1. Databases and the namespace are dropped at the end. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench and tests are packages of the repository's root
    sys.path.insert(0, str(ROOT))

import aio_pika  # noqa: E402
import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from bench.api_carts_list import first_cart  # noqa: E402
from bench.carts_list import (  # noqa: E402
    bench_args,
    bench_system,
    machine,
    table,
    write_section,
)
from cartio_contracts import Topology  # noqa: E402
from cartio_platform.security import WEBHOOK_SECRET_HEADER  # noqa: E402
from cartio_platform.testing import wait_until  # noqa: E402
from cartio_platform.testing.system import System  # noqa: E402

SCOPE = "store/cart/deleted"
ONE_BY_ONE = 300  # webhooks sent one at a time: the latency of an unloaded ingest
ONE = "one at a time, carts consuming"


@dataclass
class Sent:
    """What one batch of webhooks got: seconds for all, milliseconds of each, accepted ids, other answers."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.seconds


async def post_all(clients: list[httpx.AsyncClient], bodies: list[bytes], headers: dict[str, str]) -> Sent:
    """Post every body to ingest, one request in flight on each client (each holds one connection).

    One client per connection: a single httpx client with 50 connections spends more CPU in its pool than
    ingest does in its handler (encode/httpx#3215) and, on the same two cores, measures itself.
    """
    sent = Sent()
    pending = iter(bodies)  # shared: each body is taken by one of the workers

    async def worker(client: httpx.AsyncClient) -> None:
        for body in pending:
            started = time.perf_counter()
            try:
                answer = await client.post("/webhooks/bigcommerce", content=body, headers=headers)
            except httpx.HTTPError as exc:
                sent.refused[type(exc).__name__] += 1
                continue
            sent.latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code == 200:
                sent.accepted.append(answer.json()["message_id"])
            else:
                sent.refused[f"HTTP {answer.status_code} {answer.text[:120]}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    sent.seconds = time.perf_counter() - started
    return sent


async def queue_depth(url: str, queue: str) -> int:
    connection = await aio_pika.connect(url)
    try:
        declared = await (await connection.channel()).declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)
    finally:
        await connection.close()


async def inbox_ids(engine: AsyncEngine, consumer: str) -> set[str]:
    """Message ids the consumer has handled, from its service's inbox table."""
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text("SELECT message_id FROM inbox WHERE consumer = :c"), {"c": consumer})
        return {str(r[0]) for r in rows}


async def handled(system: System) -> int:
    return await system.consumed("carts", "webhooks", "handled")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=3000, help="webhooks posted in each of the two loaded runs")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at most")
    args = bench_args(parser)  # `python -m bench` hands every benchmark the same arguments

    problems: list[str] = []
    runs: dict[str, Sent] = {}
    consuming = f"{args.concurrency} in flight, carts consuming alongside"
    stopped = f"{args.concurrency} in flight, carts stopped (ingest and RabbitMQ alone)"
    async with bench_system() as system:
        queue = Topology(system.namespace).queue("carts", "webhooks")
        print("starting simulator, ingest, carts and gateway ...", flush=True)
        await system.start()
        store = await system.install()
        await first_cart(system, await system.merchant(store), store)
        # The install's own secret, as its hooks carry it.
        headers = {WEBHOOK_SECRET_HEADER: await system.webhook_secret(store), "Content-Type": "application/json"}

        def bodies(count: int) -> list[bytes]:
            return [json.dumps(system.webhook(store, SCOPE, str(uuid.uuid4()))).encode() for _ in range(count)]

        accepted: set[str] = set()  # message ids of every webhook ingest answered 200, warm-ups included

        async def send(clients: list[httpx.AsyncClient], count: int) -> Sent:
            sent = await post_all(clients, bodies(count), headers)
            accepted.update(sent.accepted)
            for answer, n in sent.refused.items():
                problems.append(f"{n} webhooks answered {answer}")
            return sent

        async def consumed_all(what: str) -> None:
            async def none_missing() -> bool:
                return not accepted - await inbox_ids(carts_db, queue)
            try:
                await wait_until(none_missing, timeout=120, interval=0.2, what=what)
            except AssertionError as exc:
                problems.append(str(exc))

        async with contextlib.AsyncExitStack() as stack:
            carts_db = create_async_engine(system.db_urls["carts"], pool_size=1)
            stack.push_async_callback(carts_db.dispose)
            clients = [await stack.enter_async_context(httpx.AsyncClient(
                base_url=system.url("ingest"), timeout=30, limits=httpx.Limits(max_connections=1)))
                for _ in range(args.concurrency)]
            warm_up = 4 * args.concurrency  # before each run: every client's connection open, the code paths warm

            print(f"store {store} installed; {ONE_BY_ONE} webhooks one at a time, then {args.webhooks} with "
                  f"{args.concurrency} in flight, carts consuming ...", flush=True)
            load = os.getloadavg()[0]
            await send(clients, warm_up)
            runs[ONE] = await send(clients[:1], ONE_BY_ONE)
            await send(clients, warm_up)
            runs[consuming] = await send(clients, args.webhooks)
            sent_at = time.monotonic()
            await consumed_all("carts consuming the webhooks")
            lag = time.monotonic() - sent_at

            print(f"{args.webhooks} webhooks with {args.concurrency} in flight, carts stopped ...", flush=True)
            system.stop_process("carts")
            waiting = len(accepted)
            await send(clients, warm_up)
            runs[stopped] = await send(clients, args.webhooks)
            waiting = len(accepted) - waiting
            queued = await queue_depth(system.infra.amqp_url, queue)
            if queued != waiting:
                problems.append(f"{waiting} webhooks accepted with carts stopped, but {queued} messages in {queue}")
            await system.start_process("carts")  # its metrics count from 0 again
            ready_at, early = time.monotonic(), await handled(system)
            await consumed_all("carts working through the queued webhooks")
            drain_rate = (queued - early) / (time.monotonic() - ready_at)

        parked = await queue_depth(system.infra.amqp_url, Topology.dead(queue))
        if parked:
            problems.append(f"{parked} messages parked in {Topology.dead(queue)}")

    if not all(run.latencies for run in runs.values()):
        print("\n".join(["", "!!! FAILED: a run got no answers", *problems]), file=sys.stderr)
        raise SystemExit(1)
    lines = [
        f"## ingest: {args.webhooks:,} webhooks, {args.concurrency} in flight",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/ingest_throughput.py` on this machine ({machine(load)}): "
        "simulator, ingest, carts and gateway started as real processes (`cartio_platform.testing.system`), the app "
        f"installed into the simulator's store. Valid `{SCOPE}` webhooks (each of another cart, none of which "
        "exists) posted with the store's secret to ingest's `/webhooks/bigcommerce` through httpx from one client "
        f"process, {args.concurrency} clients of one connection each; ingest answers 200 only once RabbitMQ "
        f"confirmed the message into carts' durable quorum queue. Runs: {ONE_BY_ONE} one at a time (the latency of "
        f"an idle ingest), {args.webhooks:,} with {args.concurrency} in flight while carts consumes them, and "
        f"{args.webhooks:,} with {args.concurrency} in flight while carts is stopped (the messages wait in its "
        f"queue); each run after {4 * args.concurrency} unmeasured ones.",
        "",
        "| run | accepted | seconds | webhooks/s |",
        "|---|---|---|---|",
        *(f"| {name} | {len(run.accepted):,} | {run.seconds:.1f} | **{run.rate:.0f}** |" for name, run in runs.items()),
        "",
        "Latency of each webhook request (sent until answered 200):",
        "",
        *table({name: run.latencies for name, run in runs.items()}, total=None),
        "",
        "Carts' share of each webhook is one transaction (inbox row, the cart's advisory lock, one select): the "
        "carts do not exist, so no BigCommerce call, cart write or event follows. Consuming alongside, it had the "
        f"last one {lag:.1f} s after ingest accepted it; started again with {queued:,} waiting, it worked through "
        f"them at {drain_rate:.0f} a second. "
        + (f"Checked: every webhook was answered 200, the {queued:,} sent while carts was stopped were all in its "
           f"queue, and every accepted one ({len(accepted):,}, warm-ups included) is in carts' inbox; none parked."
           if not problems else "The checks failed: see the problems below."),
    ]
    if problems:
        lines += ["", "**Problems:**", "", *(f"- {p}" for p in problems)]
    report = "\n".join(lines)
    print("\n" + report)
    if problems:
        print(f"\n!!! FAILED: {len(problems)} problems, see above; nothing written", file=sys.stderr)
        raise SystemExit(1)
    if args.output:
        write_section(args.output, "bench/ingest_throughput.py", report)


if __name__ == "__main__":
    asyncio.run(main())
