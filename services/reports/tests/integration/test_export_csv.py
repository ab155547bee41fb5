"""The products CSV the API answers (product_export: closed days' lines cached, open days formatted live) is, byte for
byte, what Python's csv writer makes of the running totals' figures (queries.all_products, export.products_csv):
every period, currency and kind of name, and still after whatever changed since an export was cached."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cartio_contracts.messages import OrderLine, OrderPlaced, StoreUninstalled
from cartio_reports import counters, export, product_export, queries, running
from cartio_reports.tables import products

from .conftest import Handled, periods
from .test_counting_property import install
from .test_windows import D0, added, noon

NAMES = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\ttab", "\rreturn", "a,b", 'say "hi"', "two\nlines",
         "", "Crème brûlée", " leading space", "it's"]
LAST = D0 + timedelta(days=45)


def order(order_id: int, product: int, quantity: int, total: str, day: date) -> OrderPlaced:
    line = OrderLine(product_id=product, name=f"P{product}", quantity=quantity, unit_price=Decimal(total),
                     total=Decimal(total))
    return OrderPlaced(order_id=order_id, status_id=11, currency="USD", subtotal=line.total, grand_total=line.total,
                       items=[line], placed_at=noon(day))


async def both(shop: Handled, start: date, end: date, currency: str, cache: product_export.ClosedDays
               ) -> tuple[str, str]:
    """(the csv writer's CSV of the period, the API's) from one snapshot."""
    period = queries.Period(start, end, "America/Chicago")
    async with shop.snapshot() as session:
        reference = export.products_csv(await queries.all_products(session, shop.store, period, currency))
        written = await product_export.products_csv(session, shop.store, period, currency, cache=cache)
    return reference, written


async def lines(shop: Handled, start: date, end: date, cache: product_export.ClosedDays) -> dict[str, str]:
    """The API's USD export of the period, its lines by product id."""
    reference, written = await both(shop, start, end, "USD", cache)
    assert written == reference
    return {line.split(",")[0]: line for line in written.split("\r\n")[1:] if line}


async def test_the_exported_csv_equals_the_csv_writer_s_for_every_period_currency_and_name_cached_or_not(
    handled: Handled,
) -> None:
    cache = product_export.ClosedDays(size=1_000)  # every period's closed days stay cached between the checks
    for n in range(0, 40, 2):
        product = 1 + n % len(NAMES)
        day = D0 + timedelta(days=n)
        await handled.send(added(product, 1 + n % 5, day), day)
        if n % 3 == 0:  # ten-thousandths: half-up rounding to yen (0 digits), dollars (2) and dinars (3)
            await handled.send(order(1000 + n, product, 1 + n % 3, f"{n}.{5 + 10 * n:04d}", day), day)
    for order_id, total in ((1, "0.5000"), (2, "2.1250")):  # exactly half a yen, half a cent
        await handled.send(order(order_id, 99, 1, total, D0 + timedelta(days=4)), D0 + timedelta(days=4))
    async with handled.db() as session, session.begin():
        for i, name in enumerate(NAMES):
            await session.execute(products.update().where(products.c.store_hash == handled.store,
                                                          products.c.product_id == i + 1).values(name=name))
        await session.execute(products.delete().where(products.c.store_hash == handled.store,
                                                      products.c.product_id == 2))  # no name known

    async def same(when: str) -> None:
        for start, end in periods(LAST):
            for currency in ("USD", "JPY", "KWD"):
                reference, written = await both(handled, start, end, currency, cache)
                assert written == reference, (when, start, end, currency)

    await same("nothing built: the day rows")
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=30))
    await same("built through day 30, the rest from the day rows")
    await same("the same, the closed days from the cache")
    await handled.send(added(4, 3, D0 + timedelta(days=40)), D0 + timedelta(days=40))
    await same("an event on an open day")
    late = D0 + timedelta(days=9)
    await handled.send(added(5, 2, late), late)
    await same("a late event: stale from day 9")
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=30))
    await same("rebuilt through day 30")

    _, written = await both(handled, D0, LAST, "USD", cache)
    rows = written.split("\r\n")
    assert rows[0] == ("\ufeffproduct_id,name,times_added,quantity_added,times_ordered,quantity_ordered,"
                       "revenue,conversion_rate")
    by_id = {line.split(",")[0]: line for line in rows[1:]}
    assert by_id["1"].startswith('1,"\'=HYPERLINK(""http://x"")",'), by_id["1"]
    assert by_id["2"].startswith("2,Product 2,"), by_id["2"]
    assert by_id["99"] == "99,P99,0,0,2,2,2.63,0", by_id["99"]  # the name from the order line


async def test_an_export_shows_at_once_what_came_after_its_closed_days_were_cached(handled: Handled) -> None:
    cache = product_export.ClosedDays()
    for n in range(10):
        await handled.send(added(1 + n % 3, 1, D0 + timedelta(days=n)), D0 + timedelta(days=n))
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=8))  # day 9 is the store's today
    month = (D0, D0 + timedelta(days=9))
    assert (await lines(handled, *month, cache))["1"] == "1,Product 1,4,4,0,0,0.00,0.0000"
    assert len(cache.parts) == 1

    await handled.send(added(1, 2, D0 + timedelta(days=9)), D0 + timedelta(days=9))
    assert (await lines(handled, *month, cache))["1"] == "1,Product 1,6,6,0,0,0.00,0.0000", "today's adds"

    await handled.send(order(5, 2, 1, "7.5000", D0 + timedelta(days=1)), D0 + timedelta(days=1))
    assert (await lines(handled, *month, cache))["2"] == "2,P2,3,3,1,1,7.50,0.3333", "a late order, not rebuilt"
    await running.catch_up(handled.db, handled.store, D0 + timedelta(days=8))
    assert (await lines(handled, *month, cache))["2"] == "2,P2,3,3,1,1,7.50,0.3333", "rebuilt"

    async with handled.db() as session, session.begin():  # a name seen (a cart event brings it), nothing counted
        await counters.remember_product(session, handled.store, 3, "Blue mug, large", None, noon(D0 + timedelta(9)))
    assert (await lines(handled, *month, cache))["3"] == '3,"Blue mug, large",3,3,0,0,0.00,0.0000'


async def test_a_store_installed_again_after_its_purge_exports_none_of_its_former_figures(handled: Handled) -> None:
    cache = product_export.ClosedDays()
    await handled.send(added(1, 5, D0), D0)
    await running.catch_up(handled.db, handled.store, D0)
    week = (D0, D0 + timedelta(days=6))
    assert (await lines(handled, *week, cache))["1"] == "1,Product 1,5,5,0,0,0.00,0.0000"

    gone = noon(D0 + timedelta(days=1))
    await handled.deliver(StoreUninstalled(uninstalled_at=gone, purge_after=gone).envelope(handled.store),
                          install(handled.store))
    await handled.send(added(1, 1, D0), D0)  # the same day again, built again the same way
    await running.catch_up(handled.db, handled.store, D0)
    assert (await lines(handled, *week, cache))["1"] == "1,Product 1,1,1,0,0,0.00,0.0000"
