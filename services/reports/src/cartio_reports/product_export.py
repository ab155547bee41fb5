"""The products CSV the API answers: the lines of a period's closed days cached, the products of its open days
(today's, or days a late event made stale) and every name read live.

A period's figures are two running rows minus one another plus the day rows after them (running.py). The running
rows do not change between two builds, and every build gives the store's marker a new version, so the figures of
the rows' part, their text (`,times_added,...,conversion_rate`) and their order are cached by (store, version,
upto, before, currency digits). A request then reads the marker, the day rows after the running rows (today's
~1,500 products) and the store's names, in one snapshot; formats only the products those day rows touch; merges
them into the cached order; and writes each line's id and name in front of its cached text. Today's figures, a
late event (its day is stale: the running rows are used only up to the day before it, another key) and a
renamed product are in the very next export.

The same figures and bytes as queries.all_products written by export.products_csv (a test holds them equal),
without formatting 10,000 lines per request (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.money import exponent

from . import running
from .domain.products import money_formatter, rate_text
from .export import FORMULA_START, PRODUCT_COLUMNS
from .queries import Period
from .tables import products

HEADER = "\ufeff" + ",".join(PRODUCT_COLUMNS) + "\r\n"
CACHED = 8  # periods kept per process: ~4 MB each for a store of 10,000 products (8,580 lines counted)
QUOTE = re.compile(r'[,"\r\n]')  # what makes Python's csv writer (QUOTE_MINIMAL) quote a field

Figures = tuple[int, int, int, int, int]  # times added, quantity added, times ordered, quantity ordered, revenue
Key = tuple[str, int, date, date, int]  # store, marker version, upto, before, currency digits


@dataclass(frozen=True)
class Part:
    """The products counted in some days: figures, sort keys and text after the name, and the export's order."""

    figures: dict[int, Figures]
    keys: dict[int, tuple[int, int, int]]  # (-times added, -times ordered, id): the export's order, ascending
    tails: dict[int, str]
    order: list[int]


def _part(figures: dict[int, Figures], digits: int) -> Part:
    # One pass over the products (a miss formats every line of a store: 10,000 of them).
    money = money_formatter(digits)
    counted: dict[int, Figures] = {}
    keys: dict[int, tuple[int, int, int]] = {}
    tails: dict[int, str] = {}
    for p, f in figures.items():
        a, q, o, oq, rev = f
        if a or q or o or oq or rev:
            counted[p] = f
            keys[p] = (-a, -o, p)
            tails[p] = f",{a},{q},{o},{oq},{money(rev)},{rate_text(o, a)}\r\n"
    return Part(counted, keys, tails, sorted(keys, key=keys.__getitem__))


def _figures(columns: running.Columns) -> dict[int, Figures]:
    return dict(zip(columns.ids, zip(*columns.values, strict=True), strict=True))


def _add(closed: Figures | None, live: Figures) -> Figures:
    if closed is None:
        return live
    return (closed[0] + live[0], closed[1] + live[1], closed[2] + live[2], closed[3] + live[3], closed[4] + live[4])


class ClosedDays:
    """The few periods' closed parts most recently exported (a process's own: each replica keeps its own)."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self.parts: OrderedDict[Key, Part] = OrderedDict()

    async def part(self, session: AsyncSession, store_hash: str, rows: running.Usable, upto: date, before: date,
                   digits: int) -> Part:
        key = (store_hash, rows.version, upto, before, digits)
        if (found := self.parts.get(key)) is not None:
            self.parts.move_to_end(key)
            return found
        made = _part(_figures(await running.row_totals(session, store_hash, rows, upto, before)), digits)
        self.parts[key] = made
        while len(self.parts) > self.size:
            self.parts.popitem(last=False)
        return made


CLOSED = ClosedDays()
EMPTY = Part({}, {}, {}, [])


async def _name_fields(session: AsyncSession, store_hash: str) -> dict[int, str]:
    """Every product's name as its CSV field: a name a spreadsheet would run as a formula gets a leading ' (CSV
    injection), one with , " CR or LF is quoted as the csv writer quotes it."""
    p = products.c
    ids, names = (await session.execute(
        sa.select(sa.func.array_agg(p.product_id), sa.func.array_agg(p.name)).where(p.store_hash == store_hash)
    )).one()
    fields: dict[int, str] = {}
    for product_id, name in zip(ids or [], names or [], strict=True):
        if not name:
            continue  # written "Product <id>"
        if name.startswith(FORMULA_START):
            name = "'" + name
        fields[product_id] = '"' + name.replace('"', '""') + '"' if QUOTE.search(name) else name
    return fields


async def products_csv(session: AsyncSession, store_hash: str, period: Period, currency: str | None, *,
                       cache: ClosedDays = CLOSED) -> str:
    """The products CSV of the period (the session reads one snapshot, REPEATABLE READ, as running.period_totals)."""
    digits = exponent(currency)
    rows = await running.usable(session, store_hash)
    upto, before, days_from = rows.span(period.start, period.end)
    closed = EMPTY if upto is None else await cache.part(session, store_hash, rows, upto, before, digits)
    live = _figures(await running.day_sums(session, store_hash, days_from, period.end))
    if live:  # the products the open days touch: their totals formatted anew, the others' lines as cached
        fresh = _part({p: _add(closed.figures.get(p), f) for p, f in live.items()}, digits)
        # Two sorted runs: the sort merges them in one pass.
        order = [p for p in closed.order if p not in live] + fresh.order
        keys = closed.keys | fresh.keys
        order.sort(key=keys.__getitem__)
        tails = closed.tails | fresh.tails
    else:
        order, tails = closed.order, closed.tails
    names = await _name_fields(session, store_hash)
    return HEADER + "".join([f"{p},{names.get(p) or f'Product {p}'}{tails[p]}" for p in order])
