"""Turning a verdict into enforcement: a hit recorded once per rule and cart (or order), and `blacklist.matched`.

A hit already recorded publishes nothing again, so a cart judged twice (a redelivery, a rule re-enabled, the
blocked cart coming back as `cart.upserted`) is enforced once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_blacklist import tables as t
from cartio_blacklist.domain.matcher import StoreIndex, Verdict
from cartio_blacklist.domain.rules import Rule
from cartio_blacklist.queries import cart_subject, carts_touching
from cartio_contracts.messages import BlacklistMatched
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

log = get_logger(__name__)


async def enforce(
    unit: Unit,
    verdict: Verdict,
    now: datetime,
    *,
    subject: Literal["cart", "order"],
    cart_id: uuid.UUID | None = None,
    order_id: int | None = None,
) -> int:
    """Record and publish every new blocking match of the verdict; the number of new hits."""
    key = f"cart:{cart_id}" if subject == "cart" else f"order:{order_id}"
    new = 0
    for match in verdict.blocking:
        rule = match.rule
        inserted = await unit.session.execute(
            pg_insert(t.hits).values(
                store_hash=unit.store_hash, rule_id=rule.id, kind=rule.kind, value=rule.value, subject=subject,
                subject_key=key, cart_id=cart_id, order_id=order_id, matched=match.matched, hit_at=now,
            ).on_conflict_do_nothing().returning(t.hits.c.id)
        )
        if inserted.first() is None:
            continue
        new += 1
        await unit.session.execute(
            sa.update(t.rules)
            .where(t.rules.c.store_hash == unit.store_hash, t.rules.c.id == rule.id)
            .values(hits=t.rules.c.hits + 1, last_hit_at=sa.func.greatest(t.rules.c.last_hit_at, now))
        )
        await unit.emit(BlacklistMatched(
            rule_id=rule.id, kind=rule.kind, value=rule.value, subject=subject, cart_id=cart_id,
            order_id=order_id, matched_at=now, matched=match.matched, note=rule.note,
        ))
        log.info("blacklist match", rule_id=rule.id, kind=rule.kind, subject=subject,
                 cart_id=str(cart_id) if cart_id else None, order_id=order_id)
    return new


async def judge_existing_carts(unit: Unit, index: StoreIndex, rule: Rule, now: datetime) -> int:
    """After a rule changed: judge at once the carts it could hit, by every rule of the store (allow still wins)."""
    new = 0
    for row in await carts_touching(unit.session, unit.store_hash, rule):
        verdict = index.judge(cart_subject(row), now)
        new += await enforce(unit, verdict, now, subject="cart", cart_id=row.cart_id)
    return new
