"""Property: the counters built from a shuffled stream with redeliveries equal those built from the clean stream,
and the rolling windows of the top lists, rolled over the stream's days and beyond, equal the day rows' sums.

Each event goes through the real handlers and the real inbox claim, one transaction per delivery as the consumer
runs them, on the real PostgreSQL (the broker only adds the order, which hypothesis shuffles). Both streams start
with store.installed, as every store's do: carts only hears of a store after it is installed.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import (
    BlacklistMatched,
    CartAbandoned,
    CartConverted,
    CartCustomer,
    CartDeleted,
    CartSnapshot,
    CartUpserted,
    ItemChange,
    Message,
    NotificationSent,
    OrderLine,
    OrderPlaced,
    StoreInstalled,
)
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.messaging import dispatch_table
from cartio_reports import queries, windows
from cartio_reports import tables as t
from cartio_reports.handlers import HANDLERS
from cartio_reports.settings import Settings

T0 = datetime(2026, 3, 10, tzinfo=UTC)
ZONE = "America/Chicago"
FIRST_DAY = date(2026, 3, 10)  # in the store's zone: T0 is the evening of the 9th there
minutes = st.integers(min_value=0, max_value=3 * 24 * 60)
money = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)

change = st.builds(
    lambda action, product, quantity, delta: ItemChange(
        action=action, product_id=product, variant_id=product * 10 if product % 2 else None, name=f"P{product}",
        quantity=quantity, quantity_delta=delta if action != "added" else quantity, unit_price=Decimal("5.00")),
    st.sampled_from(["added", "removed", "quantity_changed"]), st.integers(1, 3), st.integers(0, 4),
    st.integers(-3, 3),
)
snapshot = st.tuples(minutes, st.booleans(), money, st.lists(change, max_size=3))
cart = st.fixed_dictionaries({
    "created": minutes,
    "snapshots": st.lists(snapshot, min_size=1, max_size=3),
    "abandoned": st.none() | st.tuples(minutes, money),
    "sent": st.none() | minutes,
    "end": st.sampled_from(["open", "converted", "deleted", "blocked", "matched"]),
    "end_at": minutes,
    "lines": st.lists(st.tuples(st.integers(1, 3), st.integers(1, 4)), min_size=1, max_size=3),
})


def at(offset: int) -> datetime:
    return T0 + timedelta(minutes=offset)


def events_of(spec: dict[str, Any], order_id: int) -> list[tuple[Message, datetime]]:
    cart_id, created = uuid.uuid4(), at(spec["created"])
    out: list[tuple[Message, datetime]] = []
    for offset, has_email, total, changes in spec["snapshots"]:
        updated = created + timedelta(minutes=offset)
        out.append((CartUpserted(cart=CartSnapshot(
            id=cart_id, status="active", currency="USD", items=[],
            customer=CartCustomer(user_type="guest", email="a@b.example" if has_email else None),
            subtotal=total, grand_total=total, created_at=created, updated_at=updated), item_changes=changes),
            updated))
    if spec["abandoned"] is not None:
        when, value = at(spec["abandoned"][0]), spec["abandoned"][1]
        out.append((CartAbandoned(cart_id=cart_id, grand_total=value, currency="USD", abandoned_at=when), when))
    if spec["sent"] is not None:
        when = at(spec["sent"])
        out.append((NotificationSent(notification_id=uuid.uuid4(), cart_id=cart_id, recipient="a@b.example",
                                     sent_at=when), when))
    end, when = spec["end"], at(spec["end_at"])
    if end == "converted":
        lines = [OrderLine(product_id=p, name=f"P{p}", quantity=q, unit_price=Decimal("5.00"), total=Decimal(5 * q))
                 for p, q in spec["lines"]]
        out.append((OrderPlaced(order_id=order_id, cart_id=cart_id, status_id=11, currency="USD",
                                subtotal=sum((line.total for line in lines), Decimal(0)),
                                grand_total=sum((line.total for line in lines), Decimal(0)), items=lines,
                                placed_at=when), when))
        out.append((CartConverted(cart_id=cart_id, order_id=order_id, converted_at=when), when))
    elif end in ("deleted", "blocked"):
        out.append((CartDeleted(cart_id=cart_id, reason="shopper" if end == "deleted" else "blocked",
                                deleted_at=when), when))
    elif end == "matched":
        out.append((BlacklistMatched(rule_id=1, kind="email", value="a@b.example", subject="cart", cart_id=cart_id,
                                     matched_at=when), when))
    return out


async def deliver(url: str, deliveries: list[Envelope]) -> None:
    """Each delivery in its own transaction: claim the inbox, run the handler (as the consumer does)."""
    engine = make_engine(url, pool_size=1)
    table = dispatch_table(HANDLERS, t.outbox, Topology("property"))
    try:
        db = make_sessionmaker(engine)
        for envelope in deliveries:
            async with db() as session, session.begin():
                claimed = (await session.execute(
                    pg_insert(t.inbox).values(consumer="property", message_id=envelope.message_id,
                                              store_hash=envelope.store_hash, message_type=envelope.type)
                    .on_conflict_do_nothing().returning(t.inbox.c.message_id))).first()
                if claimed is not None:
                    await table[envelope.type](session, envelope)
    finally:
        await engine.dispose()


async def counters(url: str, store: str) -> dict[str, set[tuple[Any, ...]]]:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            out = {}
            for table in (t.funnel_days, t.product_days, t.variant_days):
                keys = [c for c in table.primary_key.columns if c.name != "store_hash"]
                values = [c for c in table.c if not c.primary_key]
                rows = (await conn.execute(sa.select(*keys, *values).where(table.c.store_hash == store))).all()
                # A row whose counters all went back to zero is the same as no row.
                out[table.name] = {tuple(r) for r in rows if any(v != 0 for v in tuple(r)[len(keys):])}
            return out
    finally:
        await engine.dispose()


async def windows_agree(url: str, store: str, first: date, last: date, every: int = 1) -> None:
    """Roll the store's windows day by day from `first` to `last`, each day twice (the second does nothing), and
    check every window against the day rows on the first day and every `every` days: its totals, and the top
    lists read from it."""
    engine = make_engine(url, pool_size=2)
    try:
        db = make_sessionmaker(engine)
        day = first
        while day <= last:
            await windows.roll(db, store, day)
            await windows.roll(db, store, day)
            async with db() as session, session.begin():
                assert not await windows.step(session, store, day - timedelta(days=1)), "a day rolls once"
            async with db() as session:
                assert await windows.as_of(session, store) == day
                for w in windows.WINDOWS if (day - first).days % every == 0 else ():
                    assert await window_totals(session, store, w) == await day_totals(session, store, day, w)
                    period = queries.Period(day - timedelta(days=w - 1), day, ZONE)
                    for top in (queries.top_added, queries.top_ordered):
                        assert await top(session, store, period, 100) == await top(session, store, period, 100,
                                                                                  windows=False), (top, w, day)
            day += timedelta(days=1)
    finally:
        await engine.dispose()


async def window_totals(session: AsyncSession, store: str, w: int) -> set[tuple[Any, ...]]:
    pw = t.product_windows.c
    rows = await session.execute(sa.select(pw.product_id, *(pw[c] for c in windows.COLUMNS))
                                 .where(pw.store_hash == store, pw.days == w))
    return {tuple(r) for r in rows}


async def day_totals(session: AsyncSession, store: str, day: date, w: int) -> set[tuple[Any, ...]]:
    pd = t.product_days.c
    rows = await session.execute(sa.select(pd.product_id, *(sa.func.sum(pd[c]) for c in windows.COLUMNS))
                                 .where(pd.store_hash == store, pd.day.between(day - timedelta(days=w - 1), day))
                                 .group_by(pd.product_id))
    return {tuple(r) for r in rows if any(v != 0 for v in tuple(r)[1:])}


def envelopes(store: str, events: list[tuple[Message, datetime]]) -> list[Envelope]:
    return [message.envelope(store, occurred_at=when) for message, when in events]


def install(store: str) -> Envelope:
    return StoreInstalled(scope="s", access_token_encrypted="x", installed_at=T0, timezone=ZONE).envelope(store)


# No shrinking: through the database it takes minutes; the failing example is reported as generated.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(carts=st.lists(cart, min_size=1, max_size=4), seed=st.integers(0, 2**32 - 1),
       repeats=st.integers(min_value=1, max_value=3))
def test_counters_from_a_shuffled_stream_with_redeliveries_equal_those_from_the_clean_stream(
    reports_settings: Settings, carts: list[dict[str, Any]], seed: int, repeats: int
) -> None:
    events = [e for number, spec in enumerate(carts) for e in events_of(spec, 1000 + number)]
    clean_store, messy_store = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    clean = envelopes(clean_store, sorted(events, key=lambda e: e[1]))
    messy = envelopes(messy_store, events)
    rng = random.Random(seed)
    redelivered = [e for e in messy for _ in range(rng.randint(1, repeats))]  # same message id: the inbox skips
    # carts announcing an order again (a new message): counted once per order
    again = [m.envelope(messy_store, occurred_at=w) for m, w in events if isinstance(m, OrderPlaced)]
    stream = redelivered + again
    rng.shuffle(stream)
    url = reports_settings.database_url

    half = len(stream) // 2

    async def run() -> tuple[dict[str, set[tuple[Any, ...]]], dict[str, set[tuple[Any, ...]]]]:
        await deliver(url, [install(clean_store), *clean])
        # The messy store's windows exist before its events (handlers add to them) and roll over between its
        # halves and after: the events span several store days, and the rollover adds the days after the marker.
        await deliver(url, [install(messy_store)])
        await windows_agree(url, messy_store, FIRST_DAY, FIRST_DAY)
        await deliver(url, stream[:half])
        await windows_agree(url, messy_store, FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=1))
        await deliver(url, stream[half:])
        # past the stream's last day (at most the 16th) until its days have left the 7 days' window
        await windows_agree(url, messy_store, FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=14))
        return await counters(url, clean_store), await counters(url, messy_store)

    from_clean, from_messy = asyncio.run(run())
    assert from_messy == from_clean
    assert from_clean["funnel_days"], "every generated stream creates at least one cart"
