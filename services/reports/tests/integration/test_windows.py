"""The top lists' rolling windows through the real handlers, inbox and PostgreSQL: a day leaves each window once.

Events go through the handlers as the consumer runs them (test_counting_property.deliver); the windows roll over
day by day as the periodic job does, each day twice, and the top lists read from them show what a merchant would
expect on that day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from cartio_contracts.messages import CartCustomer, CartSnapshot, CartUpserted, ItemChange, OrderLine, OrderPlaced
from cartio_platform.db import SessionMaker, make_engine, make_sessionmaker
from cartio_reports import queries, windows
from cartio_reports.settings import Settings

from .test_counting_property import deliver, install

D0 = date(2026, 3, 10)  # the store's zone is America/Chicago (install()); noon there is the same day in UTC


def noon(day: date) -> datetime:
    return datetime.combine(day, time(18, 0), tzinfo=UTC)


def added(product: int, times: int, day: date) -> CartUpserted:
    at = noon(day)
    changes = [ItemChange(action="added", product_id=product, name=f"P{product}", quantity=1, quantity_delta=1,
                          unit_price=Decimal("5.00")) for _ in range(times)]
    return CartUpserted(cart=CartSnapshot(
        id=uuid.uuid4(), status="active", currency="USD", items=[], customer=CartCustomer(user_type="guest"),
        subtotal=Decimal(0), grand_total=Decimal(0), created_at=at, updated_at=at), item_changes=changes)


def ordered(product: int, quantity: int, day: date) -> OrderPlaced:
    line = OrderLine(product_id=product, name=f"P{product}", quantity=quantity, unit_price=Decimal("5.00"),
                     total=Decimal(5 * quantity))
    return OrderPlaced(order_id=7, status_id=11, currency="USD", subtotal=line.total, grand_total=line.total,
                       items=[line], placed_at=noon(day))


async def top(db: SessionMaker, store: str, days: int, on: date, kind: str = "added") -> list[tuple[Any, ...]]:
    async with db() as session:
        assert await windows.as_of(session, store) == on
        period = queries.Period(on - timedelta(days=days - 1), on, "America/Chicago")
        if kind == "added":
            return [(r["product_id"], r["times_added"]) for r in await queries.top_added(session, store, period, 10)]
        return [(r["product_id"], r["times_ordered"], r["revenue"])
                for r in await queries.top_ordered(session, store, period, 10)]


async def test_each_day_leaves_each_window_once_however_often_the_rollover_runs(reports_settings: Settings) -> None:
    url, store = reports_settings.database_url, uuid.uuid4().hex[:10]
    engine = make_engine(url, pool_size=2)
    db = make_sessionmaker(engine)
    try:
        await deliver(url, [install(store)])
        await windows.roll(db, store, D0)  # built (empty) before the events: the handlers add to it
        events = [added(1, 3, D0), added(2, 1, D0 + timedelta(days=5)), ordered(1, 2, D0 + timedelta(days=20))]
        await deliver(url, [e.envelope(store, occurred_at=noon(D0 + timedelta(days=n)))
                            for e, n in zip(events, (0, 5, 20), strict=True)])
        expected: dict[tuple[int, int, str], list[tuple[Any, ...]]] = {
            (0, 7, "added"): [(1, 3)],  # day 5's add is after the windows' day: in no window yet
            (5, 7, "added"): [(1, 3), (2, 1)],
            (6, 7, "added"): [(1, 3), (2, 1)],
            (7, 7, "added"): [(2, 1)],  # day 0 left the 7 days
            (12, 7, "added"): [],
            (29, 30, "added"): [(1, 3), (2, 1)],
            (30, 30, "added"): [(2, 1)],
            (20, 7, "ordered"): [(1, 1, Decimal("10.00"))],
            (89, 90, "added"): [(1, 3), (2, 1)],
            (90, 90, "added"): [(2, 1)],
            (95, 90, "added"): [],
            (95, 90, "ordered"): [(1, 1, Decimal("10.00"))],
            (110, 90, "ordered"): [],
        }
        for n in range(111):
            day = D0 + timedelta(days=n)
            await windows.roll(db, store, day)
            await windows.roll(db, store, day)
            async with db() as session, session.begin():
                assert not await windows.step(session, store, day - timedelta(days=1))
            for (at, days, kind), items in expected.items():
                if at == n:
                    assert await top(db, store, days, day, kind) == items, (n, days, kind)
    finally:
        await engine.dispose()


async def test_the_periodic_rollover_brings_every_store_to_its_own_today(reports_settings: Settings) -> None:
    url, store = reports_settings.database_url, uuid.uuid4().hex[:10]
    engine = make_engine(url, pool_size=2)
    db = make_sessionmaker(engine)
    try:
        await deliver(url, [install(store)])
        await windows.roll(db, store, D0)
        await deliver(url, [added(3, 2, D0 + timedelta(days=1)).envelope(store, occurred_at=noon(D0 + timedelta(1)))])
        # 03:00 UTC on day 2 is still day 1 in Chicago
        await windows.roll_all(db, now=datetime.combine(D0 + timedelta(days=2), time(3, 0), tzinfo=UTC))
        assert await top(db, store, 7, D0 + timedelta(days=1)) == [(3, 2)]
    finally:
        await engine.dispose()
