"""The figures as CSV for a spreadsheet: a header row, one row per product (or per figure), UTF-8 with a BOM so
that spreadsheet programs read accented names right, and text that a spreadsheet would run as a formula quoted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from cartio_platform.money import money_text

from .domain.funnel import COUNT_METRICS, VALUE_METRICS
from .queries import Period

PRODUCT_COLUMNS = ("product_id", "name", "times_added", "quantity_added", "times_ordered", "quantity_ordered",
                   "revenue", "conversion_rate")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    # A name like "=HYPERLINK(...)" must stay text in the merchant's spreadsheet (CSV injection).
    return "'" + value if value.startswith(FORMULA_START) else value


def _write(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def products_csv(rows: list[tuple[Any, ...]]) -> str:
    """Rows as queries.all_products gives them, in PRODUCT_COLUMNS' order."""
    # One pass of startswith, then the rows as they are: the csv writer walks a list at C speed.
    if any(r[1].startswith(FORMULA_START) for r in rows):
        rows = [(r[0], _text(r[1]), *r[2:]) for r in rows]
    return _write(PRODUCT_COLUMNS, rows)


def summary_csv(period: Period, currency: str | None, figures: Mapping[str, Any]) -> str:
    rows: list[list[Any]] = [["from", period.start.isoformat()], ["to", period.end.isoformat()],
                             ["timezone", period.timezone], ["currency", currency or ""]]
    rows += [[m, figures[m]] for m in COUNT_METRICS]
    rows += [[m, money_text(figures[m], currency)] for m in VALUE_METRICS]
    return _write(("figure", "value"), rows)
