"""The figures merchants read: a period's funnel, top added and top ordered products, pre-aggregated.

The summary is one index range scan of (store_hash, day). The top lists of the last 7, 30 or 90 days read the
rolling windows (windows.py) when the periodic job has rolled them to the period's end; any other period (and
the export) reads the running totals (running.py): two rows, whatever the period. Nothing reads events.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.money import exponent

from . import running
from .domain.days import zone
from .domain.funnel import COUNT_METRICS, VALUE_METRICS
from .domain.products import conversion_rate, money_of_units, rate_text
from .tables import funnel_days, product_windows, products, stores
from .windows import COLUMNS as COUNTERS
from .windows import WINDOWS, as_of


@dataclass(frozen=True)
class Period:
    start: date  # first day, in the store's time zone
    end: date  # last day, included
    timezone: str

    def json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": (self.end - self.start).days + 1,
                "timezone": self.timezone}


async def store_settings(session: AsyncSession, store_hash: str) -> tuple[str, str | None]:
    """The store's time zone name (UTC until the store's information is known) and currency."""
    row = (await session.execute(sa.select(stores.c.timezone, stores.c.currency)
                                 .where(stores.c.store_hash == store_hash))).first()
    return (row.timezone, row.currency) if row is not None else ("UTC", None)


def _in(table: sa.Table, store_hash: str, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.store_hash == store_hash, table.c.day.between(period.start, period.end))


async def summary(session: AsyncSession, store_hash: str, period: Period) -> dict[str, Any]:
    columns = [sa.func.coalesce(sa.func.sum(funnel_days.c[m]), 0).label(m) for m in COUNT_METRICS + VALUE_METRICS]
    row = (await session.execute(sa.select(*columns).where(_in(funnel_days, store_hash, period)))).mappings().one()
    out: dict[str, Any] = {m: int(row[m]) for m in COUNT_METRICS}
    out.update({m: Decimal(row[m]) for m in VALUE_METRICS})
    return out


Row = dict[str, Any]


def _order(columns: running.Columns, by: str, then: str, having: str | None, limit: int | None) -> list[int]:
    """The indexes of the products to list, most `by` first, then most `then`, then by product id."""
    first, second, ids = columns.column(by), columns.column(then), columns.ids
    keep = columns.counted() if having is None else [i for i, v in enumerate(columns.column(having)) if v > 0]
    if limit is not None:
        return heapq.nsmallest(limit, keep, key=lambda i: (-first[i], -second[i], ids[i]))
    # Every product: three stable sorts keyed by C-level item lookups, least significant first (10,000 tuples
    # built for one sort cost more than the three).
    keep.sort(key=ids.__getitem__)
    keep.sort(key=second.__getitem__, reverse=True)
    keep.sort(key=first.__getitem__, reverse=True)
    return keep


async def _top(session: AsyncSession, store_hash: str, period: Period, limit: int, by: str, then: str,
               having: str, *, windows: bool = True) -> list[Row]:
    days = (period.end - period.start).days + 1
    if windows and days in WINDOWS and await as_of(session, store_hash) == period.end:
        return await _top_of_window(session, store_hash, days, limit, by, then, having)
    # Any other period (or a window not rolled to the period's end yet): the running totals, two rows.
    columns = await running.period_totals(session, store_hash, period.start, period.end)
    chosen = _order(columns, by, then, having, limit)
    names = await _names(session, store_hash, [columns.ids[i] for i in chosen])
    rows: list[Row] = []
    for i in chosen:
        name, image_url = names.get(columns.ids[i], (None, None))
        rows.append({"product_id": columns.ids[i], **{c: v[i] for c, v in zip(COUNTERS, columns.values, strict=True)},
                     "revenue": Decimal(columns.column("revenue")[i]).scaleb(-4), "name": name, "image_url": image_url})
    return rows


async def _names(session: AsyncSession, store_hash: str, ids: list[int] | None
                 ) -> dict[int, tuple[str, str | None]]:
    """Names and thumbnails of `ids` (None: of every product, as arrays: one row to decode, not 10,000)."""
    p = products.c
    query = (sa.select(sa.func.array_agg(p.product_id), sa.func.array_agg(p.name), sa.func.array_agg(p.image_url))
             .where(p.store_hash == store_hash))
    if ids is not None:
        query = query.where(p.product_id.in_(ids))
    product_ids, names, images = (await session.execute(query)).one()
    return dict(zip(product_ids or [], zip(names or [], images or [], strict=True), strict=True))


async def _top_of_window(session: AsyncSession, store_hash: str, days: int, limit: int | None, by: str, then: str,
                         having: str) -> list[Row]:
    """The window's rows in the order of its index (tables.py), LIMIT n: a few index entries read."""
    pw = product_windows
    query = (
        sa.select(pw.c.product_id, *(pw.c[c] for c in COUNTERS), products.c.name, products.c.image_url)
        .select_from(pw.outerjoin(products, sa.and_(products.c.store_hash == pw.c.store_hash,
                                                    products.c.product_id == pw.c.product_id)))
        .where(pw.c.store_hash == store_hash, pw.c.days == days, pw.c[having] > 0)
        .order_by(pw.c[by].desc(), pw.c[then].desc(), pw.c.product_id)
        .limit(limit)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


def _name(row: Row) -> str:
    return row["name"] if row["name"] is not None else f"Product {row['product_id']}"


async def top_added(session: AsyncSession, store_hash: str, period: Period, limit: int, *, windows: bool = True
                    ) -> list[dict[str, Any]]:
    """Most added first; from the rolling windows when the period is one (False: from the running totals)."""
    rows = await _top(session, store_hash, period, limit, "times_added", "quantity_added", "times_added",
                      windows=windows)
    return [{"product_id": r["product_id"], "name": _name(r), "image_url": r["image_url"],
             "times_added": int(r["times_added"]), "quantity_added": int(r["quantity_added"])} for r in rows]


async def top_ordered(session: AsyncSession, store_hash: str, period: Period, limit: int, *, windows: bool = True
                      ) -> list[dict[str, Any]]:
    rows = await _top(session, store_hash, period, limit, "times_ordered", "revenue", "times_ordered",
                      windows=windows)
    return [{"product_id": r["product_id"], "name": _name(r), "image_url": r["image_url"],
             **_ordered(r), "times_added": int(r["times_added"])} for r in rows]


def _ordered(r: Row) -> dict[str, Any]:
    return {"times_ordered": int(r["times_ordered"]), "quantity_ordered": int(r["quantity_ordered"]),
            "revenue": Decimal(r["revenue"]),
            "conversion_rate": conversion_rate(int(r["times_ordered"]), int(r["times_added"]))}


async def all_products(session: AsyncSession, store_hash: str, period: Period, currency: str | None = None
                       ) -> list[tuple[Any, ...]]:
    """Every product added or ordered in the period, most added first, then most ordered: (product_id, name,
    times added, quantity added, times ordered, quantity ordered, revenue, conversion rate), money (in the
    currency's precision) and rate as the API writes them. The export's rows in Python: the reference that
    export_query (the CSV the API answers, written by PostgreSQL) is tested against."""
    columns = await running.period_totals(session, store_hash, period.start, period.end)
    p = products.c
    product_ids, names = (await session.execute(
        sa.select(sa.func.array_agg(p.product_id), sa.func.array_agg(p.name)).where(p.store_hash == store_hash)
    )).one()
    name_of = dict(zip(product_ids or [], names or [], strict=True))
    ids, digits = columns.ids, exponent(currency)
    added, quantity, ordered, ordered_quantity, revenue = columns.values
    return [(ids[i], name_of.get(ids[i]) or f"Product {ids[i]}", added[i], quantity[i], ordered[i],
             ordered_quantity[i], money_of_units(revenue[i], digits), rate_text(ordered[i], added[i]))
            for i in _order(columns, "times_added", "times_ordered", None, None)]


def today_in(tz_name: str, now: datetime) -> date:
    return now.astimezone(zone(tz_name)).date()
