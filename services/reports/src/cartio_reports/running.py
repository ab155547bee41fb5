"""Running totals: any period's product figures as "through its last day" minus "through the day before it".

For a store, product_running holds one row per day from `since` to `through` (running_marks): every product's
totals from the store's first counted day through that day, as arrays in the order of the marker's product_ids.
A period's totals are then two rows read (plus the day rows after `through`, today's), whatever its length.

Only the periodic job (`catch_up`) writes the rows, for closed store days (through the store's yesterday), so the
handlers never rewrite an array on the hot path. A handler that adds to a day already in the rows (a late event)
records the day in running_stale instead; the rows from that day on are not used until the job has rebuilt them
(the reader sums the day rows from there), so the figures stay exact. The handlers hold the marker FOR SHARE
from before they write a day row until they commit, the job takes it FOR UPDATE before reading the day rows:
a day row is either in the job's sums or marked stale, never lost (the windows' protocol, windows.py).

Every build gives the marker a new version (a sequence, never reused): between two builds the rows do not change,
so (store, version, day) names one row's content, and the CSV export caches the lines of closed days by it
(product_export.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import zip_longest

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

from .domain.days import zone
from .tables import (
    PRODUCT_COUNTERS,
    product_days,
    product_running,
    running_marks,
    running_stale,
    running_versions,
    stores,
)

log = get_logger(__name__)

COLUMNS = (*PRODUCT_COUNTERS, "revenue")
UNITS = Decimal(10_000)  # revenue is kept in ten-thousandths (the day rows' Numeric(18, 4)), exactly
CHUNK = 31  # store days built per transaction: the store's handlers wait on the marker that long
INTERVAL = 60.0  # seconds between the periodic catch-ups


@dataclass(frozen=True)
class Columns:
    """Products' figures over a period, column by column (a product per index; revenue in ten-thousandths):
    plain lists, as 10,000 products must be ordered in a few milliseconds."""

    ids: list[int]
    values: list[list[int]]  # in the order of COLUMNS

    def column(self, name: str) -> list[int]:
        return self.values[COLUMNS.index(name)]

    def counted(self) -> list[int]:
        """The indexes of the products with anything counted."""
        return [i for i, row in enumerate(zip(*self.values, strict=True)) if any(row)]


async def hold(session: AsyncSession, store_hash: str) -> date | None:
    """The last day in the running rows (None: none yet), held until the transaction ends (a handler's)."""
    await session.execute(pg_insert(running_marks).values(store_hash=store_hash).on_conflict_do_nothing())
    query = sa.select(running_marks.c.through).where(running_marks.c.store_hash == store_hash)
    through: date | None = (await session.execute(query.with_for_update(read=True))).scalar_one()
    return through


async def mark_stale(session: AsyncSession, store_hash: str, through: date | None, days: Iterable[date]) -> None:
    """Days written (already in product_days) that the running rows already cover: to be rebuilt by the job."""
    late = sorted({d for d in days if through is not None and d <= through})
    for day in late:
        await session.execute(pg_insert(running_stale).values(store_hash=store_hash, day=day)
                              .on_conflict_do_nothing())


def _units(value: Decimal) -> int:
    return int(value * UNITS)


async def build(session: AsyncSession, store_hash: str, target: date, *, limit: int | None = None) -> date | None:
    """Bring the store's running rows to `target` (at most `limit` days in this transaction), rebuilding from the
    earliest stale day; the day built up to (None: nothing to build)."""
    await session.execute(pg_insert(running_marks).values(store_hash=store_hash).on_conflict_do_nothing())
    mark = (await session.execute(
        sa.select(running_marks).where(running_marks.c.store_hash == store_hash).with_for_update()
    )).mappings().one()
    since: date | None = mark["since"]
    through: date | None = mark["through"]
    ids: list[int] = list(mark["product_ids"] or [])
    stale = (await session.execute(sa.select(sa.func.min(running_stale.c.day))
                                   .where(running_stale.c.store_hash == store_hash))).scalar()
    if through is None:
        first = (await session.execute(sa.select(sa.func.min(product_days.c.day))
                                       .where(product_days.c.store_hash == store_hash))).scalar()
        if first is None or first > target:
            return None
        start: date = first
        since = first
    else:
        start = through + timedelta(days=1) if stale is None else min(stale, through + timedelta(days=1))
        since = min(since, start) if since is not None else start
    if start > target:
        return through
    last = target if limit is None else min(target, start + timedelta(days=limit - 1))

    sums = await _row(session, store_hash, start - timedelta(days=1), len(ids))
    index = {p: i for i, p in enumerate(ids)}
    day = start
    while day <= last:
        rows = (await session.execute(
            sa.select(product_days.c.product_id, *(product_days.c[c] for c in COLUMNS))
            .where(product_days.c.store_hash == store_hash, product_days.c.day == day)
        )).all()
        for product_id, *values in rows:
            i = index.get(product_id)
            if i is None:  # a product first counted on this day: a new slot at the end of every array
                i = index[product_id] = len(ids)
                ids.append(product_id)
                for column in sums:
                    column.append(0)
            for column, value in zip(sums, values, strict=True):
                column[i] += value if isinstance(value, int) else _units(value)
        stmt = pg_insert(product_running).values(store_hash=store_hash, day=day,
                                                 **{c: list(v) for c, v in zip(COLUMNS, sums, strict=True)})
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[product_running.c.store_hash, product_running.c.day],
            set_={c: stmt.excluded[c] for c in COLUMNS}))
        day += timedelta(days=1)

    new_through = max(last, through) if through is not None else last
    await session.execute(running_stale.delete().where(running_stale.c.store_hash == store_hash,
                                                       running_stale.c.day <= last))
    if last < new_through:  # rebuilt part of the way: the rows after `last` are still to be rebuilt
        await session.execute(pg_insert(running_stale).values(store_hash=store_hash, day=last + timedelta(days=1))
                              .on_conflict_do_nothing())
    await session.execute(running_marks.update().where(running_marks.c.store_hash == store_hash)
                          .values(since=since, through=new_through, product_ids=ids,
                                  version=running_versions.next_value()))
    return last


async def _row(session: AsyncSession, store_hash: str, day: date, width: int) -> list[list[int]]:
    """The running row of `day` as lists `width` long (zeros: before the store's first row)."""
    row = (await session.execute(sa.select(*(product_running.c[c] for c in COLUMNS)).where(
        product_running.c.store_hash == store_hash, product_running.c.day == day))).first()
    if row is None:
        return [[0] * width for _ in COLUMNS]
    return [list(values) + [0] * (width - len(values)) for values in row]


@dataclass(frozen=True)
class Usable:
    """The running rows as a reader's snapshot sees them: exact from `since` through `through` (None: no rows to
    use), arrays in the order of `ids`, written by the build that gave the marker `version`."""

    since: date | None
    through: date | None
    ids: list[int]
    version: int

    def span(self, start: date, end: date) -> tuple[date | None, date, date]:
        """(upto, before, days_from): the period from `start` to `end` is the running row of `upto` minus that of
        `before`, plus the day rows from `days_from` to `end` (upto None: the day rows alone)."""
        if self.through is not None and self.since is not None and self.through >= start:
            upto = min(end, self.through)
            return upto, start - timedelta(days=1), upto + timedelta(days=1)
        return None, start - timedelta(days=1), start


async def usable(session: AsyncSession, store_hash: str) -> Usable:
    mark = (await session.execute(sa.select(running_marks).where(running_marks.c.store_hash == store_hash))
            ).mappings().first()
    if mark is None or mark["through"] is None:
        return Usable(None, None, [], 0 if mark is None else mark["version"])
    stale = (await session.execute(sa.select(sa.func.min(running_stale.c.day))
                                   .where(running_stale.c.store_hash == store_hash))).scalar()
    through: date = mark["through"] if stale is None else min(mark["through"], stale - timedelta(days=1))
    if through < mark["since"]:
        return Usable(None, None, [], mark["version"])
    return Usable(mark["since"], through, list(mark["product_ids"]), mark["version"])


async def row_totals(session: AsyncSession, store_hash: str, rows: Usable, upto: date, before: date) -> Columns:
    """Every product's figures from the day after `before` through `upto`: two running rows (days `rows` can use),
    one minus the other; products with nothing counted may be in."""
    found = (await session.execute(
        sa.select(product_running.c.day, *(product_running.c[c] for c in COLUMNS)).where(
            product_running.c.store_hash == store_hash, product_running.c.day.in_([upto, before]))
    )).all()
    by_day = {r[0]: r[1:] for r in found}
    last = by_day.get(upto)
    if last is None:  # nothing counted by then (rows start at `since`)
        return Columns([], [[] for _ in COLUMNS])
    first = by_day.get(before)
    return Columns(rows.ids[:len(last[0])], [
        list(end_col) if first is None else [a - b for a, b in zip_longest(end_col, start_col, fillvalue=0)]
        for end_col, start_col in zip(last, first or last, strict=True)])


# One row of arrays, not a row per product: decoding 1,500 rows costs more than the sums (revenue in units).
DAY_SUMS = sa.text("""
SELECT array_agg(product_id), array_agg(a), array_agg(q), array_agg(o), array_agg(oq), array_agg(rev)
FROM (SELECT product_id, sum(times_added) AS a, sum(quantity_added) AS q, sum(times_ordered) AS o,
             sum(quantity_ordered) AS oq, CAST(sum(revenue) * 10000 AS bigint) AS rev
      FROM product_days WHERE store_hash = :store AND day BETWEEN :start AND :end GROUP BY product_id) AS d
""")


async def day_sums(session: AsyncSession, store_hash: str, start: date, end: date) -> Columns:
    """Every product's figures from `start` to `end` summed from the day rows (the days after the running rows)."""
    if start > end:
        return Columns([], [[] for _ in COLUMNS])
    ids, *values = (await session.execute(DAY_SUMS, {"store": store_hash, "start": start, "end": end})).one()
    if ids is None:
        return Columns([], [[] for _ in COLUMNS])
    return Columns(list(ids), [list(column) for column in values])


async def period_totals(session: AsyncSession, store_hash: str, start: date, end: date) -> Columns:
    """Every product's figures from `start` to `end` (both included); products with nothing counted may be in.

    The session must read one snapshot (REPEATABLE READ): the marker, the rows and the day rows agree."""
    rows = await usable(session, store_hash)
    upto, before, days_from = rows.span(start, end)
    closed = Columns([], [[] for _ in COLUMNS]) if upto is None else await row_totals(
        session, store_hash, rows, upto, before)
    ids, values = closed.ids, closed.values
    added = await day_sums(session, store_hash, days_from, end)
    index = {p: i for i, p in enumerate(ids)}
    for j, product_id in enumerate(added.ids):
        i = index.get(product_id)
        if i is None:
            i = index[product_id] = len(ids)
            ids.append(product_id)
            for column in values:
                column.append(0)
        for column, more in zip(values, added.values, strict=True):
            column[i] += more[j]
    return Columns(ids, values)


def yesterday(tz_name: str | None, now: datetime) -> date:
    return now.astimezone(zone(tz_name)).date() - timedelta(days=1)


async def catch_up(db: SessionMaker, store_hash: str, target: date) -> None:
    """Bring a store's running rows to `target`, CHUNK days per transaction."""
    while True:
        async with db() as session, session.begin():
            built = await build(session, store_hash, target, limit=CHUNK)
        if built is None or built >= target:
            return


async def catch_up_all(db: SessionMaker, now: datetime | None = None) -> None:
    """The periodic job: every store's running rows through its own yesterday (stale days rebuilt)."""
    now = now or datetime.now(UTC)
    async with db() as session:  # every store that counted a product has a marker (`hold`)
        rows = (await session.execute(
            sa.select(running_marks.c.store_hash, stores.c.timezone)
            .select_from(running_marks.outerjoin(stores, stores.c.store_hash == running_marks.c.store_hash))
        )).all()
    for store_hash, tz_name in rows:
        await catch_up(db, store_hash, yesterday(tz_name, now))
