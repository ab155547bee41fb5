"""`python -m cartio_reports backfill --store <hash>`: rebuild a store's counters from carts' history.

For a new deployment (the events before reports existed) or a changed counting rule. Carts' history
(`/internal/stores/{store}/history/...`, cartio_carts.history) is the events carts announced, rebuilt from its
tables; they go through the very handlers the live consumer runs, so the figures are the live ones (counting is
independent of the order of events: see tests/integration/test_counting_property.py).

The store's counters (the top lists' rolling windows and the running totals too) are deleted and rebuilt in one
transaction: readers see the old figures until it commits, and a failure leaves them as they were. Events of the
store handled live while it runs wait on its row locks and are added on top; one that carts' history already held
then counts twice, so run it when the store is quiet (or stop reports' consumers meanwhile).
The store's time zone (from store.installed) is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from cartio_bigcommerce import is_store_hash
from cartio_contracts import Envelope
from cartio_platform.consumer import RawHandler
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.logging import configure_logging, get_logger
from cartio_platform.messaging import dispatch_table

from . import running, windows
from .counters import store_zone
from .handlers import HANDLERS
from .settings import Settings
from .tables import STORE_TABLES, outbox, stores

log = get_logger(__name__)
PAGE = 200


@dataclass
class Summary:
    carts: int = 0
    orders: int = 0
    events: int = 0

    def line(self, store_hash: str) -> str:
        return (f"store {store_hash}: counters rebuilt from {self.carts} cart(s) and {self.orders} order(s) "
                f"({self.events} event(s))")


class HistoryUnavailable(Exception):
    pass


async def _pages(http: httpx.AsyncClient, path: str) -> AsyncIterator[dict[str, Any]]:
    after: Any = None
    while True:
        answer = await http.get(path, params={"limit": PAGE, **({"after": after} if after is not None else {})})
        if answer.status_code != 200:
            raise HistoryUnavailable(f"carts answered {answer.status_code} to {path}: {answer.text[:300]}")
        page: dict[str, Any] = answer.json()
        yield page
        after = page.get("next_after")
        if after is None:
            return


async def _apply(session: AsyncSession, table: dict[str, RawHandler], store_hash: str, event: dict[str, Any]
                 ) -> bool:
    handler = table.get(event["type"])
    if handler is None:
        return False
    envelope = Envelope(message_id=uuid.uuid4(), type=event["type"], store_hash=store_hash,
                        occurred_at=datetime.fromisoformat(event["at"]), data=event["data"])
    await handler(session, envelope)
    return True


async def backfill(settings: Settings, store_hash: str, *, http: httpx.AsyncClient | None = None,
                   progress: bool = True) -> Summary:
    """Delete the store's counters and count carts' whole history again, in one transaction."""
    own = http is None
    http = http or httpx.AsyncClient(base_url=settings.carts_url, timeout=60)
    http.headers["Authorization"] = f"Bearer {settings.service_token.get_secret_value()}"
    engine = make_engine(settings.database_url, pool_size=1)
    table = dispatch_table(HANDLERS, outbox, settings.topology)
    summary = Summary()
    base = f"/internal/stores/{store_hash}/history"
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            for counters in STORE_TABLES:
                if counters is not stores:
                    await session.execute(counters.delete().where(counters.c.store_hash == store_hash))
            with tqdm(desc=f"{store_hash} carts", unit="cart", disable=not progress) as bar:
                async for page in _pages(http, f"{base}/carts"):
                    bar.total = page["total"]
                    for cart in page["items"]:
                        for event in cart["events"]:
                            summary.events += await _apply(session, table, store_hash, event)
                        summary.carts += 1
                        bar.update(1)
            with tqdm(desc=f"{store_hash} orders", unit="order", disable=not progress) as bar:
                async for page in _pages(http, f"{base}/orders"):
                    bar.total = page["total"]
                    for event in page["items"]:
                        summary.events += await _apply(session, table, store_hash, event)
                        summary.orders += 1
                        bar.update(1)
            # The rolling windows of the top lists and the running totals, summed anew from the rebuilt day rows.
            today = datetime.now(UTC).astimezone(await store_zone(session, store_hash)).date()
            await windows.rebuild(session, store_hash, today)
            await running.build(session, store_hash, today - timedelta(days=1))
    finally:
        await engine.dispose()
        if own:
            await http.aclose()
    log.info("counters rebuilt", store_hash=store_hash, carts=summary.carts, orders=summary.orders,
             events=summary.events)
    return summary


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m cartio_reports backfill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="the store's hash")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if not is_store_hash(args.store):
        print(f"not a store hash: {args.store!r}", file=sys.stderr)
        sys.exit(2)
    settings = Settings()
    configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)
    try:
        summary = asyncio.run(backfill(settings, args.store, progress=not args.quiet))
    except (HistoryUnavailable, httpx.HTTPError) as exc:
        print(f"backfill failed, counters unchanged: {exc}", file=sys.stderr)
        sys.exit(1)
    print(summary.line(args.store))
