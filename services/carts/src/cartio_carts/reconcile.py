"""`python -m cartio_carts reconcile --store <hash>`: make a store's carts agree with BigCommerce again.

For webhooks that never came: a hook BigCommerce deactivated after ~48 hours of failed deliveries, an outage
longer than its retries. BigCommerce has no list of carts (only `GET /v3/carts/{id}`), so reconciling is:

1. the orders BigCommerce changed since `--since-days` are recorded, as their webhook would have done (the cart
   becomes converted, `order.placed` goes out once: an order already known changes nothing);
2. every cart Cartio holds open for the store (active or abandoned) is fetched again and applied, or marked
   deleted when BigCommerce no longer has it.

Each order and each cart is its own transaction under the cart's lock, so it runs safely beside the service's
replicas, a stop halfway keeps what was done, and a second run changes nothing. The events it writes are
published by this process before it exits (the outbox relay's flush), else by the service's relays.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from tqdm import tqdm

from cartio_bigcommerce import BigCommerceClient, BigCommerceError, is_store_hash
from cartio_platform.logging import configure_logging, get_logger
from cartio_platform.runtime import Runtime

from .clients import StoreClients, StoreUnavailable
from .domain import STATUSES, is_terminal
from .service import SYSTEM, CartService, now
from .settings import Settings
from .tables import carts, metadata

log = get_logger(__name__)

OPEN_STATUSES = tuple(status for status in STATUSES if not is_terminal(status))


@dataclass
class Summary:
    orders_seen: int = 0
    orders_new: int = 0  # order.placed written now: its webhook had been lost
    carts_checked: int = 0
    carts_changed: int = 0
    failed: int = 0

    def line(self, store_hash: str) -> str:
        return (f"store {store_hash}: {self.orders_seen} order(s) read, {self.orders_new} newly recorded; "
                f"{self.carts_checked} open cart(s) checked, {self.carts_changed} changed; {self.failed} failed")


async def reconcile(service: CartService, store_hash: str, *, since_days: float, progress: bool = True) -> Summary:
    """Orders changed in the last `since_days` days, then every open cart of the store, against BigCommerce.

    Raises StoreUnavailable when the store is not installed here."""
    client = await service.clients.get(store_hash)
    summary = Summary()
    await _orders(service, client, store_hash, since_days, summary, progress)
    await _carts(service, client, store_hash, summary, progress)
    log.info("store reconciled", store_hash=store_hash, **vars(summary))
    return summary


async def _orders(service: CartService, client: BigCommerceClient, store_hash: str, since_days: float,
                  summary: Summary, progress: bool) -> None:
    since = now() - timedelta(days=since_days)
    with tqdm(desc="orders", unit="order", disable=not progress, file=sys.stderr) as bar:
        async for order in client.iter_orders(min_date_modified=since, sort="date_modified:asc"):
            summary.orders_seen += 1
            bar.update()
            try:
                products = await client.get_order_products(order.id)
                async with service.unit(store_hash) as unit:
                    if await service.record_order(unit, order, products, actor=SYSTEM):
                        summary.orders_new += 1
            except BigCommerceError as exc:
                summary.failed += 1
                log.warning("order not reconciled", store_hash=store_hash, order_id=order.id, error=str(exc))


async def _carts(service: CartService, client: BigCommerceClient, store_hash: str, summary: Summary,
                 progress: bool) -> None:
    async with service.db() as session:
        ids: list[uuid.UUID] = list((await session.execute(
            sa.select(carts.c.cart_id)
            .where(carts.c.store_hash == store_hash, carts.c.status.in_(OPEN_STATUSES))
            .order_by(carts.c.updated_at)
        )).scalars())
    for cart_id in tqdm(ids, desc="carts", unit="cart", disable=not progress, file=sys.stderr):
        summary.carts_checked += 1
        try:
            async with service.unit(store_hash) as unit:
                applied = await service.refresh(unit, client, cart_id, actor=SYSTEM)
        except BigCommerceError as exc:  # BigCommerce down or refusing: the next run does this cart again
            summary.failed += 1
            log.warning("cart not reconciled", store_hash=store_hash, cart_id=str(cart_id), error=str(exc))
            continue
        if applied.changed:
            summary.carts_changed += 1


async def _run(settings: Settings, store_hash: str, since_days: float) -> int:
    runtime = Runtime(settings, tables=metadata)
    service = CartService(settings, runtime.db, StoreClients(settings, runtime.db), runtime.unit)
    # The broker and the outbox relay (and the hourly prune every replica runs), so the events leave with us.
    await runtime.start()
    try:
        summary = await reconcile(service, store_hash, since_days=since_days, progress=True)
    except StoreUnavailable as exc:
        print(f"cannot reconcile: {exc}", file=sys.stderr)
        return 2
    finally:
        await service.clients.close()
        await runtime.stop()
    print(summary.line(store_hash))
    return 1 if summary.failed else 0


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m cartio_carts reconcile",
                                     description="Fetch a store's orders and open carts from BigCommerce again.")
    parser.add_argument("--store", required=True, help="the store hash")
    parser.add_argument("--since-days", type=float, default=7.0,
                        help="orders changed in this many days are read (default 7)")
    args = parser.parse_args(argv)
    if not is_store_hash(args.store):
        parser.error(f"--store {args.store!r} is not a store hash (lowercase letters and digits)")
    if not 0 < args.since_days <= 365:
        parser.error("--since-days must be more than 0 and at most 365")
    settings = Settings()
    # Warnings only: the progress bar and the summary are the operator's output; one line per cart is noise.
    configure_logging(settings.service_name, level="WARNING", json=settings.log_json)
    sys.exit(asyncio.run(_run(settings, args.store, args.since_days)))
