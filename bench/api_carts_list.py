"""Benchmark of the merchant's listing, `GET /api/carts` on the gateway, with a million carts in the store.

    .venv/bin/python bench/api_carts_list.py [--carts 1000000] [--requests 200] [--output docs/benchmarks.md]

The whole system as real processes (cartio_platform.testing.system: simulator, ingest, carts and gateway on fresh
databases and their own broker namespace, on the servers of CARTIO_TEST_POSTGRES_URL / CARTIO_TEST_AMQP_URL,
default the local ones). The app is installed into the simulator's store and a shopper's cart is waited for
in `GET /api/carts`; then the store gets a million carts (and another store a tenth as many) written straight
into carts' database with bench/carts_list.py's generator, indexed and analysed. Measured, with the merchant's
session cookie, sequentially: `GET /api/carts` over `--requests` requests of the kinds of bench/carts_list.py,
`GET /api/carts/{id}` of a few carts, and for comparison (the baseline: what the gateway hop adds is the
difference) carts' own `GET /internal/stores/{store}/carts` and `.../carts/{id}` on the same data. Databases
and the namespace are dropped at the end. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench and tests are packages of the repository's root
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bench.carts_list import (  # noqa: E402
    bench_args,
    bench_system,
    describe,
    fill,
    machine,
    measure,
    pct,
    table,
    write_section,
)
from cartio_platform.testing import wait_until  # noqa: E402
from cartio_platform.testing.system import SERVICE_TOKEN, Merchant, System  # noqa: E402

OTHER = "otherstore"
TARGET_P95_MS = 20.0  # issue 16: the dashboard's listing through the gateway, p95 over all requests


async def first_cart(system: System, merchant: Merchant, store: str) -> str:
    """A shopper's cart made in the simulator, once it is in `GET /api/carts`: the whole path works for the store."""
    product = (await system.products())[0]["id"]
    made = await system.shopper_cart(store, [{"product_id": product, "quantity": 1}], email="first@buyer.example")

    async def listed() -> bool:
        answer = await merchant.get("/api/carts")
        return answer.status_code == 200 and any(c["id"] == made["id"] for c in answer.json()["items"])

    await wait_until(listed, timeout=30, interval=0.2, what="the shopper's cart in GET /api/carts")
    return str(made["id"])


async def cart_pages(merchant: Merchant | httpx.AsyncClient, ids: list[str], rounds: int,
                     path: str = "/api/carts") -> list[float]:
    """Milliseconds of `GET {path}/{id}` for each cart, `rounds` times over (the merchant's `/api/carts`, or
    carts' own `/internal/stores/{store}/carts` on its client)."""
    timings: list[float] = []
    for _ in range(rounds):
        for cart_id in ids:
            started = time.perf_counter()
            answer = await merchant.get(f"{path}/{cart_id}")
            timings.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            assert answer.json()["id"] == cart_id, answer.text
    return timings


def hop_line(through: dict[str, list[float]], direct: dict[str, list[float]]) -> str:
    """The gateway's share in a sentence: p50 and p95 over all requests, through it and straight to carts."""
    def over_all(timings: dict[str, list[float]], p: float) -> float:
        return pct([t for values in timings.values() for t in values], p)

    p50, p95 = over_all(through, 50), over_all(through, 95)
    d50, d95 = over_all(direct, 50), over_all(direct, 95)
    return (f"Through the gateway / straight to carts, over all requests: p50 {p50:.1f} / {d50:.1f} ms (the hop "
            f"adds {p50 - d50:.1f} ms, ratio {p50 / d50:.2f}), p95 {p95:.1f} / {d95:.1f} ms (ratio {p95 / d95:.2f}); "
            f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else '**NOT met**'}.")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--carts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = bench_args(parser)

    async with bench_system() as system:
        print("starting simulator, ingest, carts and gateway ...", flush=True)
        await system.start()
        store = await system.install()
        merchant = await system.merchant(store)
        shoppers_cart = await first_cart(system, merchant, store)
        print(f"store {store} installed; a shopper's cart went through to GET /api/carts", flush=True)

        engine = create_async_engine(system.db_urls["carts"])
        try:
            print(f"filling {args.carts:,} carts of the store (+{args.carts // 10:,} of another) ...", flush=True)
            fill_seconds = await fill(engine, args.carts, store=store, other=OTHER)
            total, size, deep_cursor = await describe(engine, store, args.carts)
        finally:
            await engine.dispose()
        print(f"filled and indexed in {fill_seconds:.0f} s: {total:,} rows, table with indexes {size}", flush=True)

        load = os.getloadavg()[0]
        timings = await measure(merchant.client, "/api/carts", args.requests, deep_cursor)
        first = (await merchant.get("/api/carts", params={"limit": "50"})).json()["items"]
        deep = (await merchant.get("/api/carts", params={"limit": "50", "cursor": deep_cursor})).json()["items"]
        ids = [shoppers_cart, *(c["id"] for c in first[1:5]), *(c["id"] for c in deep[:5])]
        one_cart = await cart_pages(merchant, ids, rounds=3)
        async with httpx.AsyncClient(base_url=system.url("carts"), timeout=30,
                                     headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as internal:
            direct = await measure(internal, f"/internal/stores/{store}/carts", args.requests, deep_cursor)
            one_direct = await cart_pages(internal, ids, rounds=3, path=f"/internal/stores/{store}/carts")

    lines = [
        f"## gateway: `GET /api/carts` (the merchant's session) with {args.carts:,} carts",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/api_carts_list.py` on this machine ({machine(load)}): "
        "simulator, ingest, carts and gateway started as real processes (`cartio_platform.testing.system`), "
        "the app installed into the simulator's store, a shopper's cart seen in `GET /api/carts`, then "
        f"{args.carts:,} carts written into the store in carts' database and {args.carts // 10:,} into another "
        f"({total:,} rows, table and indexes {size}). Each request goes from the client with the merchant's session "
        "cookie to the gateway (session lookup in its database), over HTTP to carts' internal API, and back; "
        f"{args.requests} sequential requests, limit 50, the kinds of the carts section below.",
        "",
        *table(timings),
        "",
        f"`GET /api/carts/{{id}}` (the cart in full with its timeline), {len(set(ids))} carts from the top and from "
        "90 % deep, each three times:",
        "",
        *table({"cart in full": one_cart, "the same, straight to carts": one_direct}, total=None),
        "",
        "The same listing requests straight to carts' `GET /internal/stores/{store}/carts` in the same run, on the "
        "same data (what the gateway hop adds is the difference):",
        "",
        *table(direct),
        "",
        hop_line(timings, direct),
    ]
    report = "\n".join(lines)
    print("\n" + report)
    if args.output:
        write_section(args.output, "bench/api_carts_list.py", report)


if __name__ == "__main__":
    asyncio.run(main())
