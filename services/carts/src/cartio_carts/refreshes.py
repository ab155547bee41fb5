"""Per cart: when carts last read it from BigCommerce, and whether webhooks came since that wait for a fetch.

A store's API quota is 150 calls per 30 s, shared by every app, and one shopper change fires several webhooks.
A webhook ingest received before a fetch of the cart began needs nothing (that fetch saw its change). Else it
fetches at once when the cart was not read within the settle time (the leading edge); later ones mark the cart
dirty and `coalescing.flush_due` fetches it once when the burst has settled, at most
`refresh_max_delay` after the first (the trailing edge: always after the last webhook, so no change is
missed). Every write here happens under the cart's advisory lock, in the caller's transaction: the mark is
committed with the webhook's inbox row, so it is never lost, and a fetch clears only what it covers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_platform.messaging import Unit

from .tables import TS, metadata

cart_refreshes = sa.Table(
    "cart_refreshes",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
    # When the last fetch of the cart began (carts' clock).
    sa.Column("fetched_at", TS),
    # Set: webhooks came that no fetch has covered yet; the cart is fetched at `due_at`.
    sa.Column("dirty_since", TS),
    sa.Column("due_at", TS),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # `store/cart/updated` webhooks marked since the last fetch: each stands for one change of the cart's own
    # (items, email, customer), so the version moving further says the checkout changed (`checkout_can_matter`).
    # Negative: moves the last fetch saw that webhooks still on their way are to explain (each adds one).
    sa.Column("updates", sa.Integer, nullable=False, server_default="0"),
    # A replica took the fetch until then (another one takes it over after).
    sa.Column("claimed_until", TS),
)


@dataclass(frozen=True)
class Marker:
    fetched_at: datetime | None
    dirty_since: datetime | None
    due_at: datetime | None
    updates: int = 0


def _key(unit: Unit, cart_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return (cart_refreshes.c.store_hash == unit.store_hash) & (cart_refreshes.c.cart_id == cart_id)


async def marker(unit: Unit, cart_id: uuid.UUID) -> Marker | None:
    row = (await unit.session.execute(
        sa.select(cart_refreshes.c.fetched_at, cart_refreshes.c.dirty_since, cart_refreshes.c.due_at,
                  cart_refreshes.c.updates)
        .where(_key(unit, cart_id))
    )).first()
    return None if row is None else Marker(row.fetched_at, row.dirty_since, row.due_at, row.updates)


def covered(found: Marker | None, received_at: datetime) -> bool:
    """Whether a fetch began after ingest received the webhook: that fetch saw its change (a created and an
    updated of one new cart come together: the first one's read covers the second)."""
    return found is not None and found.fetched_at is not None and received_at < found.fetched_at


def should_wait(found: Marker | None, at: datetime, settle: timedelta) -> bool:
    """Whether a webhook at `at` waits for the trailing fetch (a fetch is pending, or one began within the
    settle time) rather than fetching now."""
    if found is None:
        return False
    if found.dirty_since is not None:
        return True
    return found.fetched_at is not None and at - found.fetched_at < settle


def next_due(found: Marker | None, at: datetime, settle: timedelta, max_delay: timedelta) -> tuple[datetime, datetime]:
    """(dirty_since, due_at) after a webhook at `at`: each webhook of a burst pushes the fetch back by the
    settle time, but never beyond `max_delay` after the first one."""
    since = found.dirty_since if found is not None and found.dirty_since is not None else at
    return since, min(at + settle, since + max_delay)


async def mark_dirty(unit: Unit, cart_id: uuid.UUID, *, since: datetime, due: datetime, updates: int = 0) -> None:
    """The cart waits for a fetch at `due`; `updates` more `store/cart/updated` webhooks wait with it."""
    stmt = pg_insert(cart_refreshes).values(store_hash=unit.store_hash, cart_id=cart_id, dirty_since=since,
                                            due_at=due, updates=updates)
    await unit.session.execute(stmt.on_conflict_do_update(
        index_elements=[cart_refreshes.c.store_hash, cart_refreshes.c.cart_id],
        set_={"dirty_since": since, "due_at": due, "updates": cart_refreshes.c.updates + updates},
    ))


async def fetched(unit: Unit, cart_id: uuid.UUID, at: datetime, *, updates: int = 0) -> None:
    """A fetch that began at `at`, under the cart's lock, covers every webhook marked before it. `updates` (<= 0):
    version moves it saw that webhooks still on their way are to explain (each one that comes adds one)."""
    stmt = pg_insert(cart_refreshes).values(store_hash=unit.store_hash, cart_id=cart_id, fetched_at=at,
                                            updates=updates)
    await unit.session.execute(stmt.on_conflict_do_update(
        index_elements=[cart_refreshes.c.store_hash, cart_refreshes.c.cart_id],
        set_={"fetched_at": at, "dirty_since": None, "due_at": None, "attempts": 0, "claimed_until": None,
              "updates": updates},
    ))


async def paid(unit: Unit, cart_id: uuid.UUID) -> None:
    """A `store/cart/updated` the last fetch saw the change of (it came late): one of that fetch's moves explained."""
    await unit.session.execute(cart_refreshes.update().where(_key(unit, cart_id), cart_refreshes.c.updates < 0)
                               .values(updates=cart_refreshes.c.updates + 1))
