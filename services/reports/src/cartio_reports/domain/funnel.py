"""The cart funnel: what is known about one cart, merged from events in any order, and what it counts.

Every event only ever moves a cart's facts forward (earliest time, "has an email" once true), so merging is
commutative and idempotent. The counters hold the sum of `contributions(facts)` over carts: a handler adds
`contributions(new) - contributions(old)`, so a late or repeated event never counts a cart twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from .days import local_day

COUNT_METRICS = ("carts_created", "carts_with_email", "carts_abandoned", "carts_converted", "carts_recovered",
                 "carts_deleted", "carts_blocked")
VALUE_METRICS = ("value_abandoned", "value_recovered")
METRICS = COUNT_METRICS + VALUE_METRICS


@dataclass(frozen=True)
class CartFacts:
    created_at: datetime | None = None
    has_email: bool = False
    # The latest snapshot's total (by the snapshot's own time), the fallback value of a recovery.
    total: Decimal | None = None
    total_at: datetime | None = None
    abandoned_at: datetime | None = None
    abandoned_value: Decimal | None = None
    converted_at: datetime | None = None
    order_total: Decimal | None = None
    sent_at: datetime | None = None
    # Set when this cart is the checkout cart Cartio made to send `recovery_of`: not a shopper's new cart.
    recovery_of: uuid.UUID | None = None
    deleted_at: datetime | None = None
    blocked_at: datetime | None = None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def seen_snapshot(facts: CartFacts, *, created_at: datetime, updated_at: datetime, has_email: bool,
                  total: Decimal) -> CartFacts:
    newer = facts.total_at is None or updated_at >= facts.total_at
    return replace(
        facts,
        created_at=_earliest(facts.created_at, created_at),
        has_email=facts.has_email or has_email,
        total=total if newer else facts.total,
        total_at=updated_at if newer else facts.total_at,
    )


def abandoned(facts: CartFacts, at: datetime, value: Decimal) -> CartFacts:
    """Counted once, at its first abandonment, with its total then."""
    if facts.abandoned_at is not None and facts.abandoned_at <= at:
        return facts
    return replace(facts, abandoned_at=at, abandoned_value=value)


def converted(facts: CartFacts, at: datetime) -> CartFacts:
    # A cart ordered at once may be gone from BigCommerce before carts read it: no snapshot ever comes. It was
    # created no later than it converted (a snapshot's own time moves it earlier if one comes).
    return replace(facts, converted_at=_earliest(facts.converted_at, at), created_at=_earliest(facts.created_at, at))


def ordered(facts: CartFacts, grand_total: Decimal, *, at: datetime | None = None, has_email: bool = False
            ) -> CartFacts:
    """The order of the cart: its total, and what it tells of the cart (the email typed into the checkout's
    billing address, which no snapshot may have carried)."""
    return replace(facts, order_total=grand_total if facts.order_total is None else facts.order_total,
                   created_at=_earliest(facts.created_at, at), has_email=facts.has_email or has_email)


def sent(facts: CartFacts, at: datetime, *, recovery_of: uuid.UUID | None = None) -> CartFacts:
    return replace(facts, sent_at=_earliest(facts.sent_at, at), recovery_of=facts.recovery_of or recovery_of)


def deleted(facts: CartFacts, at: datetime, *, blocked: bool) -> CartFacts:
    if blocked:
        return replace(facts, blocked_at=_earliest(facts.blocked_at, at))
    return replace(facts, deleted_at=_earliest(facts.deleted_at, at))


Contributions = dict[tuple[date, str], Decimal]


def contributions(facts: CartFacts, tz: ZoneInfo) -> Contributions:
    """What one cart adds to the daily funnel. "Created" and "with email" count on the day it was created."""
    out: defaultdict[tuple[date, str], Decimal] = defaultdict(Decimal)
    if facts.created_at is not None and facts.recovery_of is None:
        day = local_day(facts.created_at, tz)
        out[(day, "carts_created")] += 1
        if facts.has_email:
            out[(day, "carts_with_email")] += 1
    if facts.abandoned_at is not None:
        day = local_day(facts.abandoned_at, tz)
        out[(day, "carts_abandoned")] += 1
        out[(day, "value_abandoned")] += facts.abandoned_value or Decimal(0)
    if facts.converted_at is not None:
        day = local_day(facts.converted_at, tz)
        out[(day, "carts_converted")] += 1
        # The checkout cart made for a send converts only as its recovery; another cart, if sent first. (An
        # order's time has whole seconds: a cart paid within the second of its send would look paid before it.)
        if facts.sent_at is not None and (facts.recovery_of is not None or facts.sent_at <= facts.converted_at):
            out[(day, "carts_recovered")] += 1
            value = facts.order_total if facts.order_total is not None else facts.total
            out[(day, "value_recovered")] += value or Decimal(0)
    if facts.blocked_at is not None:
        out[(local_day(facts.blocked_at, tz), "carts_blocked")] += 1
    elif facts.deleted_at is not None:
        out[(local_day(facts.deleted_at, tz), "carts_deleted")] += 1
    return dict(out)


def difference(old: CartFacts, new: CartFacts, tz: ZoneInfo) -> dict[tuple[date, str], Decimal]:
    """What to add to the counters when a cart's facts move from `old` to `new` (zeros left out)."""
    before, after = contributions(old, tz), contributions(new, tz)
    keys = set(before) | set(after)
    diff = {k: after.get(k, Decimal(0)) - before.get(k, Decimal(0)) for k in keys}
    return {k: v for k, v in diff.items() if v != 0}
