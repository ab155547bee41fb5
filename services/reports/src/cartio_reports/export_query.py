"""The products CSV's rows written by PostgreSQL: the period's running-totals rows unnested and subtracted, today's
(or stale) day rows added, names joined, money and rates formatted and the lines joined in one statement.

The same figures and text as queries.all_products written by export.products_csv (a test holds them equal), without
10,000 rows decoded, built and written in Python: that per-row work was most of the export's time (see
docs/benchmarks.md)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.money import exponent

from . import running
from .export import PRODUCT_COLUMNS
from .queries import Period

# :upto/:before are the running rows' days (NULL: no running rows used); :days_from..:end the day rows summed.
# Every array of a running row is in the order of the marker's product_ids (running.py), hence WITH ORDINALITY.
# Money: ten-thousandths rounded half up to the currency's digits, the sign apart (domain money_of_units);
# the rate: ordered / added, four places, half to even in integers (domain rate_text); a name that a spreadsheet
# would run as a formula gets a leading ' and a field with , " CR or LF is quoted (Python's csv, QUOTE_MINIMAL).
LINES = sa.text(r"""
WITH marker AS (
    SELECT product_ids FROM running_marks WHERE store_hash = :store
), last AS (
    SELECT * FROM product_running WHERE store_hash = :store AND day = CAST(:upto AS date)
), first AS (
    SELECT * FROM product_running WHERE store_hash = :store AND day = CAST(:before AS date)
), run AS (
    -- One positional unnest of the ids and both rows' arrays (shorter ones padded with NULL): no joins.
    SELECT u.id, CAST(u.a AS bigint) - coalesce(u.fa, 0) AS a, CAST(u.q AS bigint) - coalesce(u.fq, 0) AS q,
           CAST(u.o AS bigint) - coalesce(u.fo, 0) AS o, CAST(u.oq AS bigint) - coalesce(u.foq, 0) AS oq,
           u.rev - coalesce(u.frev, 0) AS rev
    FROM marker m CROSS JOIN last l LEFT JOIN first f ON true,
        unnest(m.product_ids, l.times_added, l.quantity_added, l.times_ordered, l.quantity_ordered, l.revenue,
               f.times_added, f.quantity_added, f.times_ordered, f.quantity_ordered, f.revenue)
        AS u(id, a, q, o, oq, rev, fa, fq, fo, foq, frev)
    WHERE u.a IS NOT NULL
), days AS (
    SELECT d.product_id AS id, sum(d.times_added) AS a, sum(d.quantity_added) AS q, sum(d.times_ordered) AS o,
           sum(d.quantity_ordered) AS oq, CAST(sum(d.revenue) * 10000 AS bigint) AS rev
    FROM product_days d
    WHERE d.store_hash = :store AND d.day BETWEEN CAST(:days_from AS date) AND CAST(:end AS date)
    GROUP BY d.product_id
), names AS MATERIALIZED (  -- every name of the store at once (a hash join, not 10,000 index probes)
    SELECT product_id, name FROM products WHERE store_hash = :store
), totals AS (  -- a full join of bigints: no sort, no numeric sums
    SELECT id, coalesce(r.a, 0) + coalesce(d.a, 0) AS a, coalesce(r.q, 0) + coalesce(d.q, 0) AS q,
           coalesce(r.o, 0) + coalesce(d.o, 0) AS o, coalesce(r.oq, 0) + coalesce(d.oq, 0) AS oq,
           coalesce(r.rev, 0) + coalesce(d.rev, 0) AS rev
    FROM run r FULL JOIN days d USING (id)
), counted AS (
    SELECT * FROM totals WHERE a <> 0 OR q <> 0 OR o <> 0 OR oq <> 0 OR rev <> 0
), fields AS (
    SELECT t.id, t.a, t.q, t.o, t.oq, coalesce(nullif(p.name, ''), 'Product ' || t.id) AS name,
           CASE WHEN t.rev < 0 THEN '-' ELSE '' END
               || CAST(round(CAST(abs(t.rev) AS numeric) / 10000, CAST(:digits AS integer)) AS text) AS money,
           CASE WHEN t.a <= 0 THEN '0' WHEN t.o >= t.a THEN '1.0000'
                ELSE (r.q / 10000) || '.' || lpad(CAST(r.q % 10000 AS text), 4, '0') END AS rate
    FROM counted t
    LEFT JOIN names p ON p.product_id = t.id
    CROSS JOIN LATERAL (
        SELECT t.o * 10000 / nullif(t.a, 0)
               + CASE WHEN 2 * (t.o * 10000 % nullif(t.a, 0)) > t.a
                        OR (2 * (t.o * 10000 % nullif(t.a, 0)) = t.a AND t.o * 10000 / nullif(t.a, 0) % 2 = 1)
                      THEN 1 ELSE 0 END AS q
    ) AS r
), quoted AS (
    SELECT id, a, q, o, oq, money, rate,
           CASE WHEN left(name, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || name ELSE name END AS name
    FROM fields
)
SELECT string_agg(
    concat_ws(',', id, CASE WHEN name ~ '[,"\r\n]' THEN '"' || replace(name, '"', '""') || '"' ELSE name END,
              a, q, o, oq, money, rate) || chr(13) || chr(10), '' ORDER BY a DESC, o DESC, id)
FROM quoted
""")


async def products_csv(session: AsyncSession, store_hash: str, period: Period, currency: str | None) -> str:
    """The products CSV of the period (the session reads one snapshot, REPEATABLE READ, as running.period_totals)."""
    since, through, _ = await running.usable_through(session, store_hash)
    upto: date | None = None
    before: date | None = None
    days_from = period.start
    if through is not None and since is not None and through >= period.start:
        upto, before = min(period.end, through), period.start - timedelta(days=1)
        days_from = upto + timedelta(days=1)
    lines = (await session.execute(LINES, {
        "store": store_hash, "upto": upto, "before": before, "days_from": days_from, "end": period.end,
        "digits": exponent(currency)})).scalar()
    return "\ufeff" + ",".join(PRODUCT_COLUMNS) + "\r\n" + (lines or "")
