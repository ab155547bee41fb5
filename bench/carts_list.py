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
import contextlib
import dataclasses
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from cartio_carts import domain, queries
from cartio_carts.domain.search import Sample, index_part
from cartio_carts.queries import listing_query
from cartio_carts.search_sample import SearchSampler
from cartio_platform.db import drop_database, ensure_database
from cartio_platform.migrate import upgrade_async
from cartio_platform.testing import Infra, TempDatabases, delete_namespace, free_port
from cartio_platform.testing.system import System

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


def bench_database_url(service: str) -> str:
    """A fresh database name for one benchmark run of `service`, on the benchmark's server."""
    return str(make_url(server_url()).set(database=f"cartio_bench_{service}_{uuid.uuid4().hex[:6]}")
               .render_as_string(hide_password=False))


def amqp_url() -> str:
    return os.environ.get("CARTIO_TEST_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/"


# The abandonment sweep would otherwise mark the ~430,000 generated active carts older than an hour abandoned,
# one transaction each, while the requests are measured: the benchmark store stays as it was filled.
QUIET_CARTS_ENV = {"CARTIO_ABANDON_AFTER": "P3650D", "CARTIO_ABANDON_CHECK_INTERVAL": "86400"}


def bench_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add `--output`, parse, and let pass the arguments `python -m bench` meant for the other benchmarks."""
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the report into this markdown file (its own section, between markers)")
    args, others = parser.parse_known_args()
    if others:
        print(f"(ignoring arguments meant for other benchmarks: {' '.join(others)})")
    return args


@contextlib.asynccontextmanager
async def bench_system() -> AsyncIterator[System]:
    """A whole system (not yet started) on its own databases and namespace, all removed afterwards."""
    infra = Infra(server_url(), amqp_url())
    run_id = uuid.uuid4().hex[:8]
    databases = TempDatabases(infra, run_id)
    system = System(infra, f"bench{run_id}", databases, name="bench", extra_env=QUIET_CARTS_ENV)
    try:
        yield system
    finally:
        await system.stop()
        await databases.drop_all()
        await delete_namespace(infra.amqp_url, system.namespace)

KINDS: list[tuple[str, dict[str, str]]] = [
    ("scrolling from the top", {}),
    ("first page, status=active", {"status": "active"}),
    ("status=abandoned & user_type=customer", {"status": "abandoned", "user_type": "customer"}),
    ("deep cursor page (~900,000th cart)", {}),  # the cursor is added by measure()
    ("q=shopper12345 (email)", {"q": "shopper12345"}),
    ("min_total=400", {"min_total": "400"}),
]


async def fill(engine: AsyncEngine, count: int, store: str = STORE, other: str = OTHER) -> float:
    """`count` carts of `store` and a tenth as many of `other`, then indexes and VACUUM ANALYZE; seconds taken."""
    started = time.perf_counter()
    async with engine.begin() as conn:
        # Built in one go, then indexed: what a long-lived table looks like, reached in minutes, not hours.
        for name in ("carts_recent", "carts_status_recent", "carts_user_type_recent", "carts_search_trgm",
                     "carts_active_idle"):
            await conn.execute(sa.text(f"DROP INDEX {name}"))
        await conn.execute(sa.text(FILL), {"store": store, "count": count})
        await conn.execute(sa.text(FILL), {"store": other, "count": max(1, count // 10)})
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


async def describe(engine: AsyncEngine, store: str, count: int) -> tuple[int, str, str]:
    """Rows in carts, the table's size with indexes, and the cursor of the store's cart at 90 % depth."""
    async with engine.connect() as conn:
        total = (await conn.execute(sa.text("SELECT count(*) FROM carts"))).scalar_one()
        size = (await conn.execute(sa.text("SELECT pg_size_pretty(pg_total_relation_size('carts'))"))).scalar_one()
        deep = (await conn.execute(sa.text(
            "SELECT updated_at, cart_id FROM carts WHERE store_hash = :s ORDER BY updated_at DESC, cart_id DESC "
            "OFFSET :o LIMIT 1"), {"s": store, "o": int(count * 0.9)})).one()
    return total, size, domain.encode_cursor(deep[0], deep[1])


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


async def measure(client: httpx.AsyncClient, path: str, requests: int, deep_cursor: str) -> dict[str, list[float]]:
    """Milliseconds of `requests` sequential listing requests (`path` on `client`), KINDS in turn."""
    timings: dict[str, list[float]] = {name: [] for name, _ in KINDS}
    for _ in range(5):  # warm-up
        (await client.get(path)).raise_for_status()
    cursor: str | None = None
    for n in range(requests):
        name, params = KINDS[n % len(KINDS)]
        if name == "scrolling from the top" and cursor:
            params = {"cursor": cursor}  # walking pages from the top, as a merchant scrolling would
        elif name.startswith("deep cursor"):
            params = {"cursor": deep_cursor}
        started = time.perf_counter()
        response = await client.get(path, params={"limit": "50", **params})
        timings[name].append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        body = response.json()
        if name == "scrolling from the top":
            cursor = body["next_cursor"]
        assert body["items"] or name.startswith("q=") or name.startswith("min_total"), (name, body)
    return timings


def write_section(path: Path, script: str, report: str) -> None:
    """Put `report` between the markers of `script` in the markdown file `path` (appended the first time).

    What lies outside the markers (the introduction, notes on the figures) is kept as it is.
    """
    begin, end = f"<!-- begin {script} (generated) -->", f"<!-- end {script} -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{report.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
    print(f"\nwritten to {path}")


def machine(load: float) -> str:
    """The host, with the 1-minute load average `load` read as the measuring began (other work skews figures)."""
    return (f"{os.cpu_count()} cores, PostgreSQL, RabbitMQ and the services on one host, load average {load:.1f} "
            "as the measuring began")


def table(timings: dict[str, list[float]], *, total: str | None = "**all**") -> list[str]:
    """A markdown table of p50/p95/max per kind of request, and over all of them unless `total` is None."""
    def row(name: str, values: list[float], p95: str = "{:.1f}") -> str:
        return (f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95.format(pct(values, 95))} | "
                f"{max(values):.1f} |")

    lines = ["| request | n | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    lines += [row(name, values) for name, values in timings.items()]
    if total is not None:
        lines.append(row(total, [t for values in timings.values() for t in values], "**{:.1f}**"))
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--carts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the report into this markdown file (its own section, between markers)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    url = bench_database_url("carts")
    await ensure_database(url)
    engine = create_async_engine(url)
    process: subprocess.Popen[bytes] | None = None
    namespace = f"bench{uuid.uuid4().hex[:6]}"
    try:
        await upgrade_async(url, ROOT / "services" / "carts" / "migrations")
        print(f"filling {args.carts:,} carts of one store (+{args.carts // 10:,} of another) ...", flush=True)
        fill_seconds = await fill(engine, args.carts)
        total, size, deep_cursor = await describe(engine, STORE, args.carts)
        print(f"filled and indexed in {fill_seconds:.0f} s: {total:,} rows, table with indexes {size}")

        async with AsyncSession(engine) as session:
            sample = Sample.of(await queries.search_texts(session, SearchSampler().rows))
        part = index_part("shopper12345", sample)
        plans = [
            await explain(engine, "first page", domain.parse_list_query(limit="50")),
            await explain(engine, "deep cursor page (~900,000th cart)",
                          domain.parse_list_query(limit="50", cursor=deep_cursor)),
            await explain(engine, "status=active", domain.parse_list_query(limit="50", status="active")),
            await explain(engine, "q=shopper12345, all of it asked of the trigram index (before issue 16)",
                          domain.parse_list_query(limit="50", q="shopper12345")),
            await explain(engine, f"q=shopper12345, the index asked for its rare part {part!r} (what carts does)",
                          dataclasses.replace(domain.parse_list_query(limit="50", q="shopper12345"),
                                              q_index_part=part)),
        ]
        for label, plan in plans:
            print(f"\n--- EXPLAIN ANALYZE: {label}\n{plan}")

        port = free_port()
        env = {**os.environ, "CARTIO_DATABASE_URL": url, "CARTIO_PORT": str(port), "CARTIO_SERVICE_TOKEN": TOKEN,
               "CARTIO_NAMESPACE": namespace, "CARTIO_AMQP_URL": amqp_url(), "CARTIO_LOG_LEVEL": "WARNING",
               **QUIET_CARTS_ENV}
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
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                                     timeout=30) as client:
            load = os.getloadavg()[0]
            timings = await measure(client, f"/internal/stores/{STORE}/carts", args.requests, deep_cursor)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
            await delete_namespace(amqp_url(), namespace)
        await engine.dispose()
        if not args.keep:
            await drop_database(url)

    lines = [
        "## carts: `GET /internal/stores/{store}/carts` with a million carts",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/carts_list.py` on this machine ({machine(load)}): "
        f"{args.carts:,} carts in the benchmark store and {args.carts // 10:,} in another "
        f"({total:,} rows, table and indexes {size}); {args.requests} sequential requests over HTTP, limit 50.",
        "",
        *table(timings),
    ]
    lines += ["", "Query plans (`EXPLAIN (ANALYZE, BUFFERS)` of the listing query, warm cache):", ""]
    for label, plan in plans:
        lines += [f"{label}:", "", "```", plan, "```", ""]
    report = "\n".join(lines)
    print("\n" + report)
    if args.output:
        write_section(args.output, "bench/carts_list.py", report)


if __name__ == "__main__":
    asyncio.run(main())
