"""The running totals through the real handlers, inbox and PostgreSQL: any date range gives the figures of the
day rows it covers, before and after the periodic job built them, and with late events in between."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from cartio_reports import queries, running
from cartio_reports.tables import product_days, running_stale

from .conftest import Handled, periods
from .test_windows import D0, added, ordered


async def from_day_rows(shop: Handled, start: date, end: date) -> list[tuple[Any, ...]]:
    """What the day rows say for the period: the figures the running totals must give."""
    pd = product_days.c
    async with shop.db() as session:
        rows = (await session.execute(
            sa.select(pd.product_id, *(sa.func.sum(pd[c]) for c in running.COLUMNS))
            .where(pd.store_hash == shop.store, pd.day.between(start, end)).group_by(pd.product_id)
            .order_by(pd.product_id))).all()
    return [tuple(r) for r in rows]


async def from_running(shop: Handled, start: date, end: date) -> list[tuple[Any, ...]]:
    async with shop.snapshot() as session:
        columns = await running.period_totals(session, shop.store, start, end)
    return sorted((columns.ids[i], *(v[i] for v in columns.values[:-1]), Decimal(columns.values[-1][i]).scaleb(-4))
                  for i in columns.counted())


async def test_any_date_range_gives_the_day_rows_figures_before_and_after_the_job_and_with_late_events(
    handled: Handled,
) -> None:
    last = D0 + timedelta(days=45)

    async def same_figures(when: str) -> None:
        for start, end in periods(last):
            assert await from_running(handled, start, end) == await from_day_rows(handled, start, end), (
                when, start, end)

    for n in range(0, 40, 3):
        await handled.send(added(1 + n % 4, 1 + n % 3, D0 + timedelta(days=n)), D0 + timedelta(days=n))
    await handled.send(ordered(2, 3, D0 + timedelta(days=10)), D0 + timedelta(days=10))
    await same_figures("nothing built: the day rows")
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=35))  # two chunks of days
    await same_figures("built through day 35")

    # Late events: one on a built day, one before the first day, one after the built days.
    await handled.send(added(9, 2, D0 + timedelta(days=9)), D0 + timedelta(days=9))
    await handled.send(added(1, 1, D0 - timedelta(days=2)), D0 - timedelta(days=2))
    await handled.send(added(3, 1, D0 + timedelta(days=38)), D0 + timedelta(days=38))
    async with handled.db() as session:
        stale = (await session.execute(sa.select(running_stale.c.day).where(
            running_stale.c.store_hash == handled.store).order_by(running_stale.c.day))).scalars().all()
    assert stale == [D0 - timedelta(days=2), D0 + timedelta(days=9)]
    await same_figures("late events, not rebuilt yet")

    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=40))
    async with handled.snapshot() as session:
        rows = await running.usable(session, handled.store)
    assert (rows.since, rows.through) == (D0 - timedelta(days=2), D0 + timedelta(days=40))
    await same_figures("rebuilt through day 40")


async def test_the_top_lists_of_a_date_range_read_the_running_totals_in_the_merchants_order(
    handled: Handled,
) -> None:
    for event, n in ((added(1, 2, D0), 0), (added(2, 2, D0 + timedelta(days=1)), 1),
                     (added(3, 1, D0 + timedelta(days=2)), 2), (ordered(3, 2, D0 + timedelta(days=2)), 2)):
        await handled.send(event, D0 + timedelta(days=n))
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=1))  # day 2 still only in the day rows
    period = queries.Period(D0, D0 + timedelta(days=2), "America/Chicago")
    async with handled.snapshot() as session:
        top = await queries.top_added(session, handled.store, period, 2)
        best = await queries.top_ordered(session, handled.store, period, 10)
        every = await queries.all_products(session, handled.store, period)
    # equal times added: product id decides, as in the windows' index
    assert [(r["product_id"], r["times_added"]) for r in top] == [(1, 2), (2, 2)]
    assert [(r["product_id"], r["name"], r["times_ordered"], str(r["revenue"]), str(r["conversion_rate"]))
            for r in best] == [(3, "P3", 1, "10.0000", "1.0000")]
    assert [r[:2] for r in every] == [(1, "Product 1"), (2, "Product 2"), (3, "P3")]
    assert every[2][4:] == (1, 2, "10.00", "1.0000")
