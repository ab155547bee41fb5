"""The products CSV written by PostgreSQL (export_query) is, byte for byte, what Python's csv writer makes of the
running totals' figures (queries.all_products, export.products_csv): every period, currency and kind of name."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from cartio_contracts.messages import OrderLine, OrderPlaced
from cartio_platform.db import SessionMaker, make_engine, make_sessionmaker
from cartio_reports import export, export_query, queries, running
from cartio_reports.settings import Settings
from cartio_reports.tables import products

from .test_counting_property import deliver, install
from .test_running import periods, snapshot
from .test_windows import D0, added, noon

NAMES = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\ttab", "\rreturn", "a,b", 'say "hi"', "two\nlines",
         "", "Crème brûlée", " leading space", "it's"]


def order(order_id: int, product: int, quantity: int, total: str, day: date) -> OrderPlaced:
    line = OrderLine(product_id=product, name=f"P{product}", quantity=quantity, unit_price=Decimal(total),
                     total=Decimal(total))
    return OrderPlaced(order_id=order_id, status_id=11, currency="USD", subtotal=line.total, grand_total=line.total,
                       items=[line], placed_at=noon(day))


async def both(db: SessionMaker, store: str, start: date, end: date, currency: str) -> tuple[str, str]:
    period = queries.Period(start, end, "America/Chicago")
    async with snapshot(db) as session:
        reference = export.products_csv(await queries.all_products(session, store, period, currency))
        written = await export_query.products_csv(session, store, period, currency)
    return reference, written


async def test_the_csv_written_by_postgresql_equals_the_csv_writer_s_for_every_period_currency_and_name(
    reports_settings: Settings,
) -> None:
    url, store = reports_settings.database_url, uuid.uuid4().hex[:10]
    engine = make_engine(url, pool_size=2)
    db = make_sessionmaker(engine)
    last = D0 + timedelta(days=45)
    try:
        await deliver(url, [install(store)])
        events = []
        for n in range(0, 40, 2):
            product = 1 + n % len(NAMES)
            day = D0 + timedelta(days=n)
            events.append(added(product, 1 + n % 5, day).envelope(store, occurred_at=noon(day)))
            if n % 3 == 0:  # ten-thousandths: half-up rounding to yen (0 digits), dollars (2) and dinars (3)
                events.append(order(1000 + n, product, 1 + n % 3, f"{n}.{5 + 10 * n:04d}", day)
                              .envelope(store, occurred_at=noon(day)))
        for order_id, total in ((1, "0.5000"), (2, "2.1250")):  # exactly half a yen, half a cent
            events.append(order(order_id, 99, 1, total, D0 + timedelta(days=4))
                          .envelope(store, occurred_at=noon(D0 + timedelta(days=4))))
        await deliver(url, events)
        async with db() as session, session.begin():
            for i, name in enumerate(NAMES):
                await session.execute(products.update().where(products.c.store_hash == store,
                                                              products.c.product_id == i + 1).values(name=name))
            await session.execute(products.delete().where(products.c.store_hash == store,
                                                          products.c.product_id == 2))  # no name known

        async def same(when: str) -> None:
            for start, end in periods(last):
                for currency in ("USD", "JPY", "KWD"):
                    reference, written = await both(db, store, start, end, currency)
                    assert written == reference, (when, start, end, currency)

        await same("nothing built: the day rows")
        await running.catch_up(db, store, D0 + timedelta(days=30))
        await same("built through day 30, the rest from the day rows")
        late = D0 + timedelta(days=9)
        await deliver(url, [added(5, 2, late).envelope(store, occurred_at=noon(late))])
        await same("a late event: stale from day 9")

        _, written = await both(db, store, D0, last, "USD")
        lines = written.split("\r\n")
        assert lines[0] == ("\ufeffproduct_id,name,times_added,quantity_added,times_ordered,quantity_ordered,"
                            "revenue,conversion_rate")
        names = {line.split(",")[0]: line for line in lines[1:]}
        assert names["1"].startswith('1,"\'=HYPERLINK(""http://x"")",'), names["1"]
        assert names["2"].startswith("2,Product 2,"), names["2"]
        assert names["99"] == "99,P99,0,0,2,2,2.63,0", names["99"]  # the name from the order line
    finally:
        await engine.dispose()
