"""Rolling-window totals: each product's last 7, 30 and 90 days as one row, for the top lists.

The invariant: for a store whose marker says `as_of = D`, the row (store, w, product) holds the sum of the
product's product_days rows from D - w + 1 to D. It is kept by three writers:

- the handlers (counters.add_products) add a delta to every window its day is in, in the transaction that adds
  it to the day row (so the inbox keeps it exactly once); a day after D is in no window yet;
- the rollover (`step`) moves the windows from D to D + 1: it adds the day rows of D + 1 and subtracts those of
  the day that leaves each window, and advances the marker, all in one transaction; run again for D it does
  nothing, as the marker has moved;
- `rebuild` sums the day rows anew (a store's first windows, a gap longer than the longest window, a backfill).

The handlers hold the marker FOR SHARE from before they write a day row until they commit, and the rollover
and rebuild take it FOR UPDATE before reading the day rows: a day row is either written before the rollover reads
it, or written by a handler that saw the new marker, never both or neither.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

from .domain.days import zone
from .domain.products import ProductDelta
from .tables import PRODUCT_COUNTERS, product_days, product_windows, stores, window_marks

log = get_logger(__name__)

WINDOWS = (7, 30, 90)
COLUMNS = (*PRODUCT_COUNTERS, "revenue")
ROLL_INTERVAL = 300.0  # seconds between the periodic rollovers (until then a query reads the running totals)


def _summed(stmt: Insert) -> Insert:
    return stmt.on_conflict_do_update(
        index_elements=[product_windows.c.store_hash, product_windows.c.days, product_windows.c.product_id],
        set_={c: product_windows.c[c] + stmt.excluded[c] for c in COLUMNS},
    )


def _upsert(rows: sa.Select[tuple[object, ...]]) -> Insert:
    return _summed(pg_insert(product_windows).from_select(["store_hash", "days", "product_id", *COLUMNS], rows))


async def _lock(session: AsyncSession, store_hash: str, *, share: bool) -> date | None:
    await session.execute(pg_insert(window_marks).values(store_hash=store_hash).on_conflict_do_nothing())
    query = sa.select(window_marks.c.as_of).where(window_marks.c.store_hash == store_hash)
    as_of: date | None = (await session.execute(query.with_for_update(read=share))).scalar_one()
    return as_of


async def hold(session: AsyncSession, store_hash: str) -> date | None:
    """The day the store's windows end on (None: not built), held until the transaction ends (a handler's)."""
    return await _lock(session, store_hash, share=True)


async def add(session: AsyncSession, store_hash: str, as_of: date | None, deltas: list[ProductDelta]) -> None:
    """Add the deltas (already added to product_days) to the windows their day is in."""
    if as_of is None:
        return
    sums: dict[tuple[int, int], dict[str, Decimal]] = {}
    for d in deltas:
        for w in WINDOWS:
            if as_of - timedelta(days=w) < d.day <= as_of:
                row = sums.setdefault((w, d.product_id), dict.fromkeys(COLUMNS, Decimal(0)))
                for c in COLUMNS:
                    row[c] += getattr(d, c)
    for (w, product_id), values in sorted(sums.items()):  # one order for every writer: no deadlocks
        await session.execute(_summed(pg_insert(product_windows).values(
            store_hash=store_hash, days=w, product_id=product_id,
            **{c: v if c == "revenue" else int(v) for c, v in values.items()})))


def _day(store_hash: str, w: int, day: date, sign: int) -> sa.Select[tuple[object, ...]]:
    pd = product_days.c
    return (sa.select(pd.store_hash, sa.literal(w), pd.product_id, *(pd[c] * sign for c in COLUMNS))
            .where(pd.store_hash == store_hash, pd.day == day))


async def _drop_zeros(session: AsyncSession, store_hash: str) -> None:
    # A product whose window went back to nothing is no row (as in the day tables' sums: no rows).
    await session.execute(product_windows.delete().where(
        product_windows.c.store_hash == store_hash, *(product_windows.c[c] == 0 for c in COLUMNS)))


async def step(session: AsyncSession, store_hash: str, from_day: date) -> bool:
    """Move the store's windows from `from_day` to the next day; False (nothing done) if not as of `from_day`."""
    if await _lock(session, store_hash, share=False) != from_day:
        return False
    new = from_day + timedelta(days=1)
    for w in WINDOWS:
        await session.execute(_upsert(_day(store_hash, w, new, 1)))
        await session.execute(_upsert(_day(store_hash, w, new - timedelta(days=w), -1)))
    await _drop_zeros(session, store_hash)
    await session.execute(window_marks.update().where(window_marks.c.store_hash == store_hash).values(as_of=new))
    return True


async def rebuild(session: AsyncSession, store_hash: str, today: date) -> None:
    """The store's windows as of `today`, summed anew from product_days."""
    await _lock(session, store_hash, share=False)
    await session.execute(product_windows.delete().where(product_windows.c.store_hash == store_hash))
    pd = product_days.c
    for w in WINDOWS:
        await session.execute(_upsert(
            sa.select(pd.store_hash, sa.literal(w), pd.product_id, *(sa.func.sum(pd[c]) for c in COLUMNS))
            .where(pd.store_hash == store_hash, pd.day.between(today - timedelta(days=w - 1), today))
            .group_by(pd.store_hash, pd.product_id)))
    await _drop_zeros(session, store_hash)
    await session.execute(window_marks.update().where(window_marks.c.store_hash == store_hash).values(as_of=today))


async def as_of(session: AsyncSession, store_hash: str) -> date | None:
    query = sa.select(window_marks.c.as_of).where(window_marks.c.store_hash == store_hash)
    day: date | None = (await session.execute(query)).scalar()
    return day


async def roll(db: SessionMaker, store_hash: str, today: date) -> None:
    """Bring the store's windows to `today`, one store-day per transaction (rebuilt when far behind)."""
    while True:
        async with db() as session:
            current = await as_of(session, store_hash)
        if current == today:
            return
        async with db() as session, session.begin():
            if current is None or current > today or (today - current).days > max(WINDOWS):
                # Not built, a longer gap than any window, or the store's zone moved its day back.
                await rebuild(session, store_hash, today)
                return
            await step(session, store_hash, current)  # False: another replica moved it; read it again


async def roll_all(db: SessionMaker, now: datetime | None = None) -> None:
    """The periodic job: every store's windows to its own today."""
    now = now or datetime.now(UTC)
    async with db() as session:
        rows = (await session.execute(
            sa.select(window_marks.c.store_hash, window_marks.c.as_of, stores.c.timezone)
            .select_from(window_marks.outerjoin(stores, stores.c.store_hash == window_marks.c.store_hash))
        )).all()
    for store_hash, current, tz_name in rows:
        today = now.astimezone(zone(tz_name)).date()
        if current != today:
            await roll(db, store_hash, today)
            log.info("windows rolled", store_hash=store_hash, since=str(current), to=str(today))
