"""The core of carts' application: the cart's lock, its row, its timeline and its status.

`service.CartService` joins it with one module per feature. Every method works inside the caller's `Unit` (a
consumer's message, an API request's write, a periodic sweep); nothing here commits, and events go to the
unit's outbox carrying its correlation and causation. Writes to one cart are serialised by a
transaction-scoped advisory lock on (store, cart), so a diff is always taken against the latest stored row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain
from .clients import StoreClients
from .domain import Status
from .settings import Settings
from .tables import cart_timeline, carts

log = get_logger(__name__)

SHOPPER = "shopper"
SYSTEM = "system"

Row = Mapping[Any, Any]
# `Runtime.unit`: one transaction for a store, committed at exit, events to the outbox.
Units = Callable[[str], AbstractAsyncContextManager[Unit]]


def now() -> datetime:
    return datetime.now(UTC)


# session.info key: the cart locks the session's transaction holds. Forgotten when any transaction of the session
# ends (a savepoint rolled back releases the locks taken in it; after a commit none is held): at worst one more ask.
_HELD_LOCKS = "cartio_carts_cart_locks"


@event.listens_for(Session, "after_transaction_end")
def _locks_released(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_HELD_LOCKS, None)


class CartCore:
    """The cart's lock, row, timeline and status: what every feature of the application uses."""

    def __init__(self, settings: Settings, db: SessionMaker, clients: StoreClients, units: Units) -> None:
        self.settings = settings
        self.db = db
        self.clients = clients
        self.unit = units

    @staticmethod
    async def lock(unit: Unit, cart_id: uuid.UUID) -> None:
        """Serialise writers of one cart until the transaction ends. A lock this transaction already holds is
        not asked for again (a webhook's refresh locks the cart its coalescing step locked: one round trip)."""
        held: set[str] = unit.session.info.setdefault(_HELD_LOCKS, set())
        name = f"{unit.store_hash}/{cart_id}"
        if name in held:
            return
        await unit.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(name, 0))))
        held.add(name)

    @staticmethod
    async def get_row(unit: Unit, cart_id: uuid.UUID) -> Row | None:
        query = sa.select(carts).where(carts.c.store_hash == unit.store_hash, carts.c.cart_id == cart_id)
        row: Row | None = (await unit.session.execute(query)).mappings().first()
        return row

    @staticmethod
    async def timeline(unit: Unit, cart_id: uuid.UUID, *, actor: str, action: str,
                       detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> None:
        await unit.session.execute(
            cart_timeline.insert().values(
                store_hash=unit.store_hash, cart_id=cart_id, at=at or now(), actor=actor, action=action,
                detail=dict(detail or {}),
            )
        )

    @staticmethod
    async def timelines(unit: Unit, cart_id: uuid.UUID, entries: list[tuple[str, str, Mapping[str, Any]]],
                        at: datetime) -> None:
        """Several timeline entries `(actor, action, detail)` of one moment in one statement (a new cart's
        `created` and its lines: one round trip, not one each)."""
        if entries:
            await unit.session.execute(cart_timeline.insert(), [
                {"store_hash": unit.store_hash, "cart_id": cart_id, "at": at, "actor": actor, "action": action,
                 "detail": dict(detail)}
                for actor, action, detail in entries
            ])

    async def mark(
        self, unit: Unit, cart_id: uuid.UUID, target: Status, *, actor: str, at: datetime | None = None,
        reason: domain.DeleteReason | None = None, order_id: int | None = None, locked: bool = False,
        detail: Mapping[str, Any] | None = None,
    ) -> bool:
        """Move a stored cart to `target` if the status rules allow (`domain.change_status` says what changes
        and which events go out); False when nothing changed (unknown cart, or a status it cannot leave)."""
        store_hash = unit.store_hash
        if not locked:
            await self.lock(unit, cart_id)
        row = await self.get_row(unit, cart_id)
        if row is None:
            log.info("status change for an unknown cart ignored", store_hash=store_hash, cart_id=str(cart_id),
                     status=target)
            return False
        when = at or now()
        change = domain.change_status(row, domain.StatusRequest(
            target=target, at=when, reason=reason, order_id=order_id, detail=dict(detail or {})))
        if change is None:
            return False
        where = (carts.c.store_hash == store_hash) & (carts.c.cart_id == cart_id)
        await unit.session.execute(carts.update().where(where).values(**change.values))
        if change.status is None:  # the status stays; only a late order id is linked
            return False
        await self.timeline(unit, cart_id, actor=actor, action=change.status, detail=change.entry, at=when)
        if change.status == "converted" and not change.values.get("order_id"):
            log.warning("cart converted without an order id", store_hash=store_hash, cart_id=str(cart_id))
        for message in change.events:
            await unit.emit(message)
        log.info("cart status changed", store_hash=store_hash, cart_id=str(cart_id), status_from=row["status"],
                 status_to=change.status, actor=actor, order_id=change.values.get("order_id"))
        return True
