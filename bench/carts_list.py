"""Benchmark of the carts listing (`GET /internal/stores/{store}/carts`) with a million carts in one store.

    .venv/bin/python bench/carts_list.py [--carts 1000000] [--requests 200] [--output docs/benchmarks.md]

Creates a fresh database on the PostgreSQL server of CARTIO_TEST_POSTGRES_URL (or CARTIO_BENCH_POSTGRES_URL;
default the local server), migrates it, fills it in SQL (generate_series: a million carts of the benchmark
store plus 100,000 of another store), prints `EXPLAIN ANALYZE` of the listing query (first page, a deep
cursor page, filtered pages), starts carts as a real process on it and measures the latency of the HTTP
route over `--requests` requests. Drops the database at the end (unless --keep). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cartio_carts import domain
from cartio_carts.api import listing_query
from cartio_platform.db import drop_database, ensure_database
from cartio_platform.migrate import upgrade_async
from cartio_platform.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
STORE = "benchstore"
OTHER = "otherstore"
TOKEN = "bench-service-token"

FILL = """
INSERT INTO carts (store_hash, cart_id, status, user_type, customer_id, email, name, currency, items, item_count,
                   subtotal, discount, shipping, tax, grand_total, coupon_codes, created_at, updated_at,
                   bc_updated_time, version, bc_seq, session_id, browser, ip, country)
SELECT CAST(:store AS text),
       md5(CAST(:store AS text) || g::text)::uuid,
       (ARRAY['active','active','active','abandoned','abandoned','converted','deleted'])[1 + g % 7],
       CASE WHEN g % 3 = 0 THEN 'customer' ELSE 'guest' END,
       CASE WHEN g % 3 = 0 THEN g ELSE 0 END,
       CASE WHEN g % 4 <> 1 THEN 'shopper' || g || '@example.com' END,
       CASE WHEN g % 3 = 0 THEN 'Person ' || g END,
       'USD',
       jsonb_build_array(
         jsonb_build_object('id', md5(g::text || 'a'), 'kind', 'physical', 'product_id', 111, 'variant_id', 301,
                            'name', 'Blue Mug', 'sku', 'BLUMUG-111', 'image_url', 'http://img/111.svg',
                            'quantity', 1 + g % 3, 'unit_price', '22.00', 'list_price', '22.00',
                            'extended_price', ((1 + g % 3) * 22)::text || '.00', 'options', '[]'::jsonb),
         jsonb_build_object('id', md5(g::text || 'b'), 'kind', 'physical', 'product_id', 112, 'variant_id', 302,
                            'name', 'Red Mug', 'sku', 'REDMUG-112', 'image_url', 'http://img/112.svg',
                            'quantity', 1, 'unit_price', '19.50', 'list_price', '19.50', 'extended_price', '19.50',
                            'options', '[]'::jsonb)),
       2 + g % 3,
       (1 + g % 3) * 22 + 19.5, 0, 0, 0, (1 + g % 3) * 22 + 19.5 + (g % 400),
       '{}',
       now() - make_interval(secs => g * 3),
       now() - make_interval(secs => g * 2.5),
       now() - make_interval(secs => g * 2.5),
       1 + g % 9, 2 + 2 * (g % 9),
       md5(g::text), 'Chrome 131 on Windows', '81.2.69.' || (g % 250)::text, 'GB'
FROM generate_series(1, CAST(:count AS integer)) AS g
"""


def server_url() -> str:
    return (os.environ.get("CARTIO_BENCH_POSTGRES_URL") or os.environ.get("CARTIO_TEST_POSTGRES_URL")
            or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


async def fill(engine: AsyncEngine, count: int) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        # Built in one go, then indexed: what a long-lived table looks like, reached in minutes, not hours.
        for name in ("carts_recent", "carts_status_recent", "carts_user_type_recent", "carts_search_trgm",
                     "carts_active_idle"):
            await conn.execute(sa.text(f"DROP INDEX {name}"))
        await conn.execute(sa.text(FILL), {"store": STORE, "count": count})
        await conn.execute(sa.text(FILL), {"store": OTHER, "count": max(1, count // 10)})
    async with engine.begin() as conn:
        await conn.execute(sa.text("SET maintenance_work_mem = '256MB'"))
        await conn.execute(sa.text("CREATE INDEX carts_recent ON carts (store_hash, updated_at DESC, cart_id DESC)"))
        await conn.execute(sa.text(
            "CREATE INDEX carts_status_recent ON carts (store_hash, status, updated_at DESC, cart_id DESC)"))
        await conn.execute(sa.text(
            "CREATE INDEX carts_user_type_recent ON carts (store_hash, user_type, updated_at DESC, cart_id DESC)"))
        await conn.execute(sa.text("CREATE INDEX carts_search_trgm ON carts USING gin (search gin_trgm_ops)"))
        await conn.execute(sa.text(
            "CREATE INDEX carts_active_idle ON carts (store_hash, updated_at) WHERE status = 'active'"))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("VACUUM ANALYZE carts"))
    return time.perf_counter() - started


async def explain(engine: AsyncEngine, label: str, query: domain.ListQuery) -> tuple[str, str]:
    stmt = listing_query(STORE, query)
    compiled = stmt.compile(dialect=engine.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup or [])
    async with engine.connect() as conn:
        for _ in range(2):  # warm the cache, as a server that has been running would be
            await conn.exec_driver_sql(str(compiled), params)
        result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), params)
        plan = "\n".join(r[0] for r in result.all())
    return label, plan


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def measure(url: str, requests: int, deep_cursor: str) -> dict[str, list[float]]:
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("scrolling from the top", {}),
        ("first page, status=active", {"status": "active"}),
        ("status=abandoned & user_type=customer", {"status": "abandoned", "user_type": "customer"}),
        ("deep cursor page (~900,000th cart)", {"cursor": deep_cursor}),
        ("q=shopper12345 (email)", {"q": "shopper12345"}),
        ("min_total=400", {"min_total": "400"}),
    ]
    timings: dict[str, list[float]] = {name: [] for name, _ in kinds}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(5):  # warm-up
            await client.get(f"/internal/stores/{STORE}/carts")
        cursor: str | None = None
        for n in range(requests):
            name, params = kinds[n % len(kinds)]
            if name == "scrolling from the top" and cursor:
                params = {"cursor": cursor}  # walking pages from the top, as a merchant scrolling would
            started = time.perf_counter()
            response = await client.get(f"/internal/stores/{STORE}/carts", params={"limit": 50, **params})
            timings[name].append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            body = response.json()
            if name == "scrolling from the top":
                cursor = body["next_cursor"]
            assert body["items"] or name.startswith("q=") or name.startswith("min_total"), (name, body)
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--carts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--output", type=Path, default=None, help="write the report (markdown) there too")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    url = str(make_url(server_url()).set(database=f"cartio_bench_carts_{uuid.uuid4().hex[:6]}")
              .render_as_string(hide_password=False))
    await ensure_database(url)
    engine = create_async_engine(url)
    process: subprocess.Popen[bytes] | None = None
    try:
        await upgrade_async(url, ROOT / "services" / "carts" / "migrations")
        print(f"filling {args.carts:,} carts of one store (+{args.carts // 10:,} of another) ...", flush=True)
        fill_seconds = await fill(engine, args.carts)
        async with engine.connect() as conn:
            total = (await conn.execute(sa.text("SELECT count(*) FROM carts"))).scalar_one()
            size = (await conn.execute(sa.text("SELECT pg_size_pretty(pg_total_relation_size('carts'))"))).scalar_one()
            deep = (await conn.execute(sa.text(
                "SELECT updated_at, cart_id FROM carts WHERE store_hash = :s ORDER BY updated_at DESC, cart_id DESC "
                "OFFSET :o LIMIT 1"), {"s": STORE, "o": int(args.carts * 0.9)})).one()
        print(f"filled and indexed in {fill_seconds:.0f} s: {total:,} rows, table with indexes {size}")
        deep_cursor = domain.encode_cursor(deep[0], deep[1])

        plans = [
            await explain(engine, "first page", domain.parse_list_query(limit="50")),
            await explain(engine, "deep cursor page (~900,000th cart)",
                          domain.parse_list_query(limit="50", cursor=deep_cursor)),
            await explain(engine, "status=active", domain.parse_list_query(limit="50", status="active")),
            await explain(engine, "q=shopper12345", domain.parse_list_query(limit="50", q="shopper12345")),
        ]
        for label, plan in plans:
            print(f"\n--- EXPLAIN ANALYZE: {label}\n{plan}")

        port = free_port()
        env = {**os.environ, "CARTIO_DATABASE_URL": url, "CARTIO_PORT": str(port), "CARTIO_SERVICE_TOKEN": TOKEN,
               "CARTIO_NAMESPACE": f"bench{uuid.uuid4().hex[:6]}", "CARTIO_LOG_LEVEL": "WARNING"}
        if os.environ.get("CARTIO_TEST_AMQP_URL"):
            env["CARTIO_AMQP_URL"] = os.environ["CARTIO_TEST_AMQP_URL"]
        process = subprocess.Popen([sys.executable, "-m", "cartio_carts", "serve"], env=env,  # noqa: ASYNC220
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    if (await client.get(base + "/healthz", timeout=1)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        timings = await measure(base, args.requests, deep_cursor)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        await engine.dispose()
        if not args.keep:
            await drop_database(url)

    every = [t for values in timings.values() for t in values]
    lines = [
        "## carts: `GET /internal/stores/{store}/carts` with a million carts",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/carts_list.py` on this machine (2 cores, PostgreSQL "
        f"and carts on one host): {args.carts:,} carts in the benchmark store and {args.carts // 10:,} in another "
        f"({total:,} rows, table and indexes {size}); {args.requests} sequential requests over HTTP, limit 50.",
        "",
        "| request | n | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for name, values in timings.items():
        lines.append(f"| {name} | {len(values)} | {statistics.median(values):.1f} | {pct(values, 95):.1f} | "
                     f"{max(values):.1f} |")
    lines.append(f"| **all** | {len(every)} | {statistics.median(every):.1f} | **{pct(every, 95):.1f}** | "
                 f"{max(every):.1f} |")
    lines += ["", "Query plans (`EXPLAIN (ANALYZE, BUFFERS)` of the listing query, warm cache):", ""]
    for label, plan in plans:
        lines += [f"{label}:", "", "```", plan, "```", ""]
    report = "\n".join(lines)
    print("\n" + report)
    if args.output:
        args.output.write_text(report + "\n")
        print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
