"""Benchmark of Cart Statistics (reports' internal API) for a store with two years of history and 10,000 products.

    .venv/bin/python bench/reports_queries.py [--products 10000] [--active 1500] [--requests 350] [--output ...]
        [--only "CSV export"] [--keep]

Creates a fresh database on the PostgreSQL server of CARTIO_TEST_POSTGRES_URL (default the local server),
migrates it and fills it in SQL (generate_series): 730 days of the benchmark store (time zone America/Chicago)
with `--active` products added on each day out of `--products` (a quarter of them also ordered), the funnel of
every day, the product names, and a tenth as much of another store; builds the top lists' rolling windows (and
times one day's rollover) and the running totals. Starts reports as a real process on it and
measures the HTTP routes the gateway calls, the period kinds in turn; the baseline, measured in the same run on the
same process, is `/healthz` and the same routes for a store without figures. Exits 1 when a route's p95 is above
the 50 ms target. Drops the database at the end (unless --keep). `--only TEXT` measures only the kinds whose name
contains TEXT (repeatable; e.g. `--only CSV --requests 100` while working on the export; not for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench is a package of the repository's root
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine  # noqa: E402

from bench.carts_list import amqp_url, bench_database_url, machine, pct, table, write_section  # noqa: E402
from cartio_platform.db import drop_database, ensure_database  # noqa: E402
from cartio_platform.migrate import upgrade_async  # noqa: E402
from cartio_platform.testing import delete_namespace, free_port  # noqa: E402
from cartio_reports import running, windows  # noqa: E402

STORE = "benchstore"
OTHER = "otherstore"
EMPTY = "emptystore"
TOKEN = "bench-service-token"
TARGET_MS = 50.0
DAYS = 730

# Product p is added on day d when it is among the day's `active` products (a permutation walk of the catalog,
# different every day); every fourth of them is also ordered. Counts vary with g so that the top lists differ.
FILL_PRODUCTS = """
INSERT INTO product_days (store_hash, day, product_id, times_added, quantity_added, times_ordered, quantity_ordered,
                          revenue)
SELECT CAST(:store AS text), CAST(:today AS date) - d,
       1 + (g * 7919 + d * 104729) % CAST(:products AS integer),
       1 + g % 7, 2 + g % 11,
       CASE WHEN g % 4 = 0 THEN 1 + g % 3 ELSE 0 END,
       CASE WHEN g % 4 = 0 THEN 1 + g % 5 ELSE 0 END,
       CASE WHEN g % 4 = 0 THEN (1 + g % 5) * (4.99 + (g % 90)) ELSE 0 END
FROM generate_series(0, CAST(:days AS integer) - 1) AS d, generate_series(1, CAST(:active AS integer)) AS g
"""
FILL_FUNNEL = """
INSERT INTO funnel_days (store_hash, day, carts_created, carts_with_email, carts_abandoned, carts_converted,
                         carts_recovered, carts_deleted, carts_blocked, value_abandoned, value_recovered)
SELECT CAST(:store AS text), CAST(:today AS date) - d, 900 + d % 50, 500, 300, 200, 20, 40, 3, 21000.50, 1800.25
FROM generate_series(0, CAST(:days AS integer) - 1) AS d
"""
FILL_NAMES = """
INSERT INTO products (store_hash, product_id, name, image_url, seen_at)
SELECT CAST(:store AS text), p, 'Product ' || p, 'https://cdn.example/p/' || p || '.jpg', now()
FROM generate_series(1, CAST(:products AS integer)) AS p
"""

_TODAY = datetime.now(UTC).astimezone(ZoneInfo("America/Chicago")).date()  # the benchmark store's


def _range(days: int, back: int = 0) -> dict[str, str]:
    """A date range of `days` days ending `back` days before the store's today."""
    end = _TODAY - timedelta(days=back)
    return {"from": str(end - timedelta(days=days - 1)), "to": str(end)}


class Fresh:
    """30-day date ranges ending further back at each request (2 to 301 days): never exported before by the process,
    whose cache keeps the closed days' lines of its last few periods (services/reports product_export.py)."""

    def __init__(self) -> None:
        self.back = 1

    def __call__(self) -> dict[str, str]:
        self.back = 2 + (self.back - 1) % 300
        return _range(30, self.back)


Params = dict[str, str] | Fresh
KINDS: list[tuple[str, str, Params]] = [
    ("summary, 7 days", "summary", {"days": "7"}),
    ("summary, 90 days", "summary", {"days": "90"}),
    ("summary, two years", "summary", {"days": "730"}),
    ("top added, 7 days", "top-added", {"days": "7", "limit": "10"}),
    ("top added, 30 days", "top-added", {"days": "30", "limit": "10"}),
    ("top added, 90 days", "top-added", {"days": "90", "limit": "10"}),
    ("top ordered, 30 days", "top-ordered", {"days": "30", "limit": "10"}),
    ("top ordered, 90 days", "top-ordered", {"days": "90", "limit": "10"}),
    ("top added, 30 days to yesterday (date range)", "top-added", {**_range(30, 1), "limit": "10"}),
    ("top ordered, 45 days a year ago (date range)", "top-ordered", {**_range(45, 365), "limit": "10"}),
    ("top added, two years", "top-added", {"days": "730", "limit": "10"}),
    ("top ordered, two years (date range to today)", "top-ordered", {**_range(730), "limit": "10"}),
    ("CSV export, 30 days (every product)", "export.csv", {"days": "30"}),
    ("CSV export, two years (every product)", "export.csv", _range(730, 1)),
    ("CSV export, 30 days, a range not exported before (closed days formatted)", "export.csv", Fresh()),
]


async def fill(engine: AsyncEngine, products: int, active: int) -> float:
    started = time.perf_counter()
    today = datetime.now(UTC).date()  # the store's today is this or the day before; both are filled
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO stores (store_hash, timezone, currency) VALUES "
                                   "(:s, 'America/Chicago', 'USD'), (:o, 'America/Chicago', 'USD'), "
                                   "(:e, 'America/Chicago', 'USD')"), {"s": STORE, "o": OTHER, "e": EMPTY})
        for store, share in ((STORE, 1), (OTHER, 10)):
            values = {"store": store, "today": today, "days": DAYS, "products": products, "active": active // share}
            await conn.execute(sa.text(FILL_PRODUCTS), values)
            await conn.execute(sa.text(FILL_FUNNEL), values)
            await conn.execute(sa.text(FILL_NAMES), values)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - started


async def build_windows(engine: AsyncEngine) -> tuple[float, float, float]:
    """The rolling windows: built from the day rows as of the store's yesterday, then rolled over to its today
    (what the periodic job does once a day); the running totals through the store's yesterday (the periodic
    job's first catch-up); the seconds each took."""
    db = async_sessionmaker(engine, expire_on_commit=False)
    today = _TODAY
    started = time.perf_counter()
    async with db() as session, session.begin():
        await windows.rebuild(session, STORE, today - timedelta(days=1))
        await windows.rebuild(session, OTHER, today)
    built = time.perf_counter() - started
    started = time.perf_counter()
    await windows.roll(db, STORE, today)
    rolled = time.perf_counter() - started
    started = time.perf_counter()
    for store in (STORE, OTHER):
        await running.catch_up(db, store, today - timedelta(days=1))
    totals = time.perf_counter() - started
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("VACUUM ANALYZE product_windows"))
        await conn.execute(sa.text("VACUUM ANALYZE product_running"))
    return built, rolled, totals


async def describe(engine: AsyncEngine, table: str = "product_days") -> tuple[int, str]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT count(*) FROM product_days"))).scalar_one()
        size = (await conn.execute(sa.text(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))"))
                ).scalar_one()
    return int(rows), str(size)


def _params(params: Params) -> dict[str, str]:
    return params() if isinstance(params, Fresh) else params


async def measure(client: httpx.AsyncClient, store: str, kinds: list[tuple[str, str, Params]],
                  requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name, _, _ in kinds}
    for _, route, params in kinds:  # warm-up: every route once
        (await client.get(f"/internal/stores/{store}/reports/{route}", params=_params(params))).raise_for_status()
    for n in range(requests):
        name, route, params = kinds[n % len(kinds)]
        started = time.perf_counter()
        response = await client.get(f"/internal/stores/{store}/reports/{route}", params=_params(params))
        timings[name].append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        if store == STORE and route.startswith("top"):
            assert len(response.json()["items"]) == 10, (name, response.text[:200])
    return timings


async def healthz(client: httpx.AsyncClient, requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        (await client.get("/healthz")).raise_for_status()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=1_500, help="products added on each day")
    parser.add_argument("--requests", type=int, default=350)
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the report into this markdown file (its own section, between markers)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the kinds whose name contains TEXT (repeatable)")
    args, others = parser.parse_known_args()
    kinds = [k for k in KINDS if not args.only or any(text in k[0] for text in args.only)]
    if not kinds:
        parser.error(f"no kind matches {args.only}")
    if others:
        print(f"(ignoring arguments meant for other benchmarks: {' '.join(others)})")

    url = bench_database_url("reports")
    await ensure_database(url)
    engine = create_async_engine(url)
    process: subprocess.Popen[bytes] | None = None
    namespace = f"bench{uuid.uuid4().hex[:6]}"
    try:
        await upgrade_async(url, ROOT / "services" / "reports" / "migrations")
        print(f"filling {DAYS} days x {args.active:,} products of {args.products:,} ...", flush=True)
        seconds = await fill(engine, args.products, args.active)
        rows, size = await describe(engine)
        print(f"filled in {seconds:.0f} s: {rows:,} product-day rows, {size}")
        built, rolled, totals = await build_windows(engine)
        _, running_size = await describe(engine, "product_running")
        print(f"windows built in {built:.1f} s, a day's rollover {rolled * 1000:.0f} ms, "
              f"running totals built in {totals:.1f} s ({running_size})")
        port = free_port()
        env = {**os.environ, "CARTIO_DATABASE_URL": url, "CARTIO_PORT": str(port), "CARTIO_SERVICE_TOKEN": TOKEN,
               "CARTIO_NAMESPACE": namespace, "CARTIO_AMQP_URL": amqp_url(), "CARTIO_LOG_LEVEL": "WARNING"}
        process = subprocess.Popen([sys.executable, "-m", "cartio_reports", "serve"], env=env,  # noqa: ASYNC220
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                                     timeout=30) as client:
            for _ in range(300):
                try:
                    if (await client.get("/readyz", timeout=1)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            load = os.getloadavg()[0]
            floor = {"`/healthz`": await healthz(client, 100)}
            empty = await measure(client, EMPTY, kinds, len(kinds) * 20)
            timings = await measure(client, STORE, kinds, args.requests)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
            await delete_namespace(amqp_url(), namespace)
        await engine.dispose()
        if not args.keep:
            await drop_database(url)

    worst = max(pct(values, 95) for values in timings.values())
    lines = [
        "## reports: Cart Statistics with two years of history and 10,000 products",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/reports_queries.py` on this machine ({machine(load)}): "
        f"reports as a real process on a database filled with {DAYS} days of the benchmark store, "
        f"{args.active:,} of its {args.products:,} products added on each day (a quarter of them also ordered): "
        f"{rows:,} product-day rows (with another store's tenth), table and indexes {size}. The top lists of the "
        "last 7, 30 and 90 days read the rolling windows (services/reports windows.py): built from the day rows in "
        f"{built:.1f} s for both stores, and the benchmark store's rollover from yesterday to today (the periodic "
        f"job's daily work: its new day added, the leaving days subtracted) took {rolled * 1000:.0f} ms, off the "
        "request path (until the job has rolled them, a query reads the running totals). Any other period and the "
        "CSV export read the running totals (services/reports running.py: each product's totals through a day, "
        "one row per store and day; a period is its last day's row minus the row of the day before it, plus "
        f"today's day rows): built for both stores' two years in {totals:.1f} s, {running_size}. The CSV export "
        "keeps the lines of a period's closed days (services/reports product_export.py, per process, its last few "
        "periods) and formats per request only the products that today's day rows touch; the first export of a "
        "period formats every line (the kind 'a range not exported before', a new range at each request). "
        "Sequential requests over HTTP with the service token, as the gateway sends them; the period kinds in turn "
        "(every kind once before the measured requests).",
        "",
            *table(timings),
        "",
        f"Target: p95 under {TARGET_MS:.0f} ms for every route and period: worst route p95 {worst:.1f} ms, "
        f"**{'met' if worst <= TARGET_MS else 'NOT met'}**.",
        "",
        "Baseline in the same run, same process: `/healthz` (HTTP and the process, no database), and the same "
        "routes for a store without figures (the queries' fixed cost):",
        "",
        *table({**floor, **{f"{k} (no figures)": v for k, v in empty.items()}}, total=None),
    ]
    report = "\n".join(lines)
    print("\n" + report)
    if args.output:
        write_section(args.output, "bench/reports_queries.py", report)
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
