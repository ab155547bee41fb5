"""Writing the counters inside the handler's transaction: cart facts merged, deltas added with upserts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from . import running, windows
from .domain import funnel
from .domain.days import zone
from .domain.products import ProductDelta
from .tables import PRODUCT_COUNTERS, cart_facts, funnel_days, product_days, products, stores, variant_days

FACT_FIELDS = [f.name for f in dataclasses.fields(funnel.CartFacts)]


async def store_zone(session: AsyncSession, store_hash: str) -> ZoneInfo:
    name = (await session.execute(sa.select(stores.c.timezone).where(stores.c.store_hash == store_hash))).scalar()
    return zone(name)


async def update_cart(session: AsyncSession, store_hash: str, cart_id: uuid.UUID,
                      change: Callable[[funnel.CartFacts], funnel.CartFacts]) -> None:
    """Merge what an event says into the cart's facts (row locked) and add the funnel's difference."""
    await session.execute(pg_insert(cart_facts).values(store_hash=store_hash, cart_id=cart_id).on_conflict_do_nothing())
    row = (await session.execute(
        sa.select(cart_facts).where(cart_facts.c.store_hash == store_hash, cart_facts.c.cart_id == cart_id)
        .with_for_update()
    )).mappings().one()
    old = funnel.CartFacts(**{k: row[k] for k in FACT_FIELDS})
    new = change(old)
    if new == old:
        return
    await session.execute(
        cart_facts.update().where(cart_facts.c.store_hash == store_hash, cart_facts.c.cart_id == cart_id)
        .values(**dataclasses.asdict(new))
    )
    await add_funnel(session, store_hash, funnel.difference(old, new, await store_zone(session, store_hash)))


async def add_funnel(session: AsyncSession, store_hash: str, diff: dict[tuple[date, str], Decimal]) -> None:
    by_day: dict[date, dict[str, Decimal]] = {}
    for (day, metric), value in diff.items():
        by_day.setdefault(day, {})[metric] = value
    for day in sorted(by_day):  # one order for every writer: no deadlocks between concurrent handlers
        values = by_day[day]
        stmt = pg_insert(funnel_days).values(store_hash=store_hash, day=day, **values)
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[funnel_days.c.store_hash, funnel_days.c.day],
            set_={m: funnel_days.c[m] + stmt.excluded[m] for m in values},
        ))


async def add_products(session: AsyncSession, store_hash: str, deltas: Iterable[ProductDelta]) -> None:
    columns = (*PRODUCT_COUNTERS, "revenue")
    ordered = sorted(deltas, key=lambda d: (d.day, d.product_id, d.variant_id))
    if not ordered:
        return
    as_of = await windows.hold(session, store_hash)  # before the day rows: see windows.py and running.py
    through = await running.hold(session, store_hash)
    for d in ordered:
        values = {c: getattr(d, c) for c in columns}
        for table, keys in ((product_days, {"product_id": d.product_id}),
                            (variant_days, {"product_id": d.product_id, "variant_id": d.variant_id})):
            stmt = pg_insert(table).values(store_hash=store_hash, day=d.day, **keys, **values)
            await session.execute(stmt.on_conflict_do_update(
                index_elements=[table.c.store_hash, table.c.day, *(table.c[k] for k in keys)],
                set_={c: table.c[c] + stmt.excluded[c] for c in columns},
            ))
    await windows.add(session, store_hash, as_of, ordered)
    await running.mark_stale(session, store_hash, through, (d.day for d in ordered))


async def remember_product(session: AsyncSession, store_hash: str, product_id: int, name: str,
                           image_url: str | None, seen_at: datetime) -> None:
    """Keep the latest name and thumbnail (by the event's time) for the top lists."""
    stmt = pg_insert(products).values(store_hash=store_hash, product_id=product_id, name=name,
                                      image_url=image_url, seen_at=seen_at)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[products.c.store_hash, products.c.product_id],
        set_={"name": stmt.excluded.name, "image_url": sa.func.coalesce(stmt.excluded.image_url, products.c.image_url),
              "seen_at": stmt.excluded.seen_at},
        where=products.c.seen_at <= stmt.excluded.seen_at,
    ))
