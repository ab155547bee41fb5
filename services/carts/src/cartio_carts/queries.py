"""Carts' read-side SQL in one place: the listing, a cart's timeline, and the small lookups the application
and the handlers make. Reads only; every query is scoped to one store."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.ext.asyncio import AsyncSession

from . import domain
from .tables import cart_timeline, carts, order_requests, orders, send_requests, stores

Row = Mapping[Any, Any]

SUMMARY_COLUMNS = (
    carts.c.cart_id, carts.c.status, carts.c.user_type, carts.c.customer_id, carts.c.email, carts.c.name,
    carts.c.item_count, carts.c.grand_total, carts.c.currency, carts.c.country, carts.c.created_at,
    carts.c.updated_at,
)
TIMELINE_LIMIT = 500


def listing_query(store_hash: str, query: domain.ListQuery) -> sa.Select[Any]:
    """Newest first by (updated_at, cart_id), keyset-paginated: every page is an index range scan.
    One row more than the page is asked for, so the caller knows whether another page follows."""
    stmt = sa.select(*SUMMARY_COLUMNS).where(carts.c.store_hash == store_hash)
    if query.status:
        stmt = stmt.where(carts.c.status == query.status)
    if query.user_type:
        stmt = stmt.where(carts.c.user_type == query.user_type)
    if query.q and query.q_index_part:
        # The index is asked for the rare part; the whole of `q` is checked on the rows it finds (not indexable,
        # so PostgreSQL does not read the common trigrams' posting lists for it).
        stmt = stmt.where(carts.c.search.contains(query.q_index_part, autoescape=True),
                          sa.func.strpos(carts.c.search, query.q) > 0)
    elif query.q:
        stmt = stmt.where(carts.c.search.contains(query.q, autoescape=True))
    if query.updated_since:
        stmt = stmt.where(carts.c.updated_at >= query.updated_since)
    if query.min_total is not None:
        stmt = stmt.where(carts.c.grand_total >= query.min_total)
    if query.after:
        stmt = stmt.where(sa.tuple_(carts.c.updated_at, carts.c.cart_id) < sa.tuple_(*query.after))
    return stmt.order_by(carts.c.updated_at.desc(), carts.c.cart_id.desc()).limit(query.limit + 1)


async def list_carts(session: AsyncSession, store_hash: str, query: domain.ListQuery
                     ) -> tuple[Sequence[Row], str | None]:
    """One page of the store's carts and the cursor of the next page (None on the last)."""
    rows = (await session.execute(listing_query(store_hash, query))).mappings().all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_cursor = domain.encode_cursor(rows[-1]["updated_at"], rows[-1]["cart_id"]) if more and rows else None
    return rows, next_cursor


async def search_texts(session: AsyncSession, rows: int) -> list[str]:
    """About `rows` carts' `search` texts of any store, a sample of whole pages (TABLESAMPLE SYSTEM: a few pages
    read, not the table): what domain.search weighs the trigrams of a text filter by."""
    estimate = await _scalar(session, sa.select(sa.column("reltuples")).select_from(sa.table("pg_class"))
                             .where(sa.column("oid") == sa.cast("carts", REGCLASS)))
    percent = min(100.0, 200.0 * rows / estimate) if estimate and estimate > 0 else 100.0  # twice over: LIMIT cuts
    sample = sa.tablesample(carts, sa.func.system(percent))
    texts = (await session.execute(sa.select(sample.c.search).limit(rows))).scalars().all()
    return [t for t in texts if t]


async def cart_row(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> Row | None:
    query = sa.select(carts).where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id)
    row: Row | None = (await session.execute(query)).mappings().first()
    return row


async def timeline_of(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> list[Row]:
    """The cart's timeline, oldest first: its latest `TIMELINE_LIMIT` entries."""
    entries = (
        await session.execute(
            sa.select(cart_timeline.c.at, cart_timeline.c.actor, cart_timeline.c.action, cart_timeline.c.detail)
            .where(cart_timeline.c.store_hash == store_hash, cart_timeline.c.cart_id == cart_id)
            .order_by(cart_timeline.c.id.desc())
            .limit(TIMELINE_LIMIT)
        )
    ).mappings().all()
    return list(reversed(entries))


async def _scalar(session: AsyncSession, query: sa.Select[Any]) -> Any:
    return (await session.execute(query)).scalar_one_or_none()


async def source_cart_of(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> uuid.UUID | None:
    """The merchant's cart that `cart_id` was re-created from for sending (None when it was not)."""
    source: uuid.UUID | None = await _scalar(session, sa.select(carts.c.source_cart_id).where(
        carts.c.store_hash == store_hash, carts.c.cart_id == cart_id))
    return source


async def store_is_active(session: AsyncSession, store_hash: str) -> bool:
    return bool(await _scalar(session, sa.select(stores.c.active).where(stores.c.store_hash == store_hash)))


async def store_name(session: AsyncSession, store_hash: str) -> str | None:
    name: str | None = await _scalar(session, sa.select(stores.c.name).where(stores.c.store_hash == store_hash))
    return name


async def order_status(session: AsyncSession, store_hash: str, order_id: int) -> sa.Row[Any, Any] | None:
    """The stored order's (status_id, cart_id), or None for an order Cartio does not hold."""
    return (await session.execute(
        sa.select(orders.c.status_id, orders.c.cart_id)
        .where(orders.c.store_hash == store_hash, orders.c.order_id == order_id)
    )).first()


async def order_request_actor(session: AsyncSession, store_hash: str, order_id: int) -> str | None:
    """The staff member whose create-order request made this order, if Cartio made it."""
    actor: str | None = await _scalar(session, sa.select(order_requests.c.actor).where(
        order_requests.c.store_hash == store_hash, order_requests.c.order_id == order_id).limit(1))
    return actor


async def earlier_send(session: AsyncSession, store_hash: str, key: str) -> sa.Row[Any, Any] | None:
    """The (request_hash, result) of the send made with this Idempotency-Key, if any."""
    return (await session.execute(
        sa.select(send_requests.c.request_hash, send_requests.c.result)
        .where(send_requests.c.store_hash == store_hash, send_requests.c.idempotency_key == key)
    )).first()
