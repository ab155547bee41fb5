"""Read-side SQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_notifier import tables as t

# Notices that count against the rate limit: those that went or may still go out.
_COUNTING = ("pending", "sending", "sent")


async def store_info(session: AsyncSession, store_hash: str) -> tuple[str | None, str | None]:
    row = (await session.execute(sa.select(t.stores.c.name, t.stores.c.currency)
                                 .where(t.stores.c.store_hash == store_hash))).first()
    return (row.name, row.currency) if row else (None, None)


async def last_send_of_cart(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> datetime | None:
    n = t.notices
    value: datetime | None = (await session.execute(
        sa.select(sa.func.max(n.c.created_at)).where(
            n.c.store_hash == store_hash, sa.or_(n.c.cart_id == cart_id, n.c.checkout_cart_id == cart_id),
            n.c.status.in_(_COUNTING))
    )).scalar()
    return value


async def sends_of_store_in_hour(session: AsyncSession, store_hash: str, now: datetime
                                 ) -> tuple[int, datetime | None]:
    """How many emails the store sent (or is sending) in the hour before `now`, and when the oldest was."""
    n = t.notices
    row = (await session.execute(
        sa.select(sa.func.count(), sa.func.min(n.c.created_at)).where(
            n.c.store_hash == store_hash, n.c.created_at >= now - timedelta(hours=1), n.c.status.in_(_COUNTING))
    )).one()
    return int(row[0] or 0), row[1]


async def notice_exists(session: AsyncSession, store_hash: str, notice_id: uuid.UUID) -> bool:
    n = t.notices
    found = (await session.execute(
        sa.select(n.c.id).where(n.c.store_hash == store_hash, n.c.id == notice_id)
    )).first()
    return found is not None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


async def notices_of_cart(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> list[dict[str, Any]]:
    n = t.notices
    rows = (await session.execute(
        sa.select(n).where(n.c.store_hash == store_hash,
                           sa.or_(n.c.cart_id == cart_id, n.c.checkout_cart_id == cart_id))
        .order_by(n.c.created_at.desc())
    )).mappings().all()
    return [
        {
            "id": str(r["id"]), "cart_id": str(r["cart_id"]),
            "checkout_cart_id": str(r["checkout_cart_id"]) if r["checkout_cart_id"] else None,
            "recipient": r["recipient"], "requested_by": r["requested_by"], "status": r["status"],
            "reason": r["reason"], "subject": r["subject"], "attempts": r["attempts"],
            "created_at": _iso(r["created_at"]), "sent_at": _iso(r["sent_at"]),
            "clicked_at": _iso(r["clicked_at"]), "clicks": r["clicks"],
        }
        for r in rows
    ]
