"""Cart Statistics in the store's currency (issue 13, point 9): money in the currency's own precision, not always
in cents (JPY has no minor unit)."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

from cartio_contracts.messages import CartAbandoned, OrderLine, OrderPlaced

from .conftest import Reports
from .test_reports_api import added, at, upserted


async def test_a_yen_store_s_figures_are_whole_yen(rp: Reports) -> None:
    await rp.install("UTC", currency="JPY")
    cart = uuid.uuid4()
    sent = [
        await rp.send(upserted(cart, at("2026-03-10T09:00"), {111: 1}, [added(111, 1)]), at=at("2026-03-10T09:00")),
        await rp.send(CartAbandoned(cart_id=cart, grand_total=Decimal("1234.5"), currency="JPY",
                                    abandoned_at=at("2026-03-10T12:00"))),
    ]
    await rp.handled(*sent)
    day = await rp.get("/summary", **{"from": "2026-03-10", "to": "2026-03-10"})
    assert day["currency"] == "JPY"
    assert day["carts_abandoned"] == 1
    assert day["value_abandoned"] == "1235"
    assert day["value_recovered"] == "0"


async def test_a_yen_store_s_csv_exports_are_in_whole_yen(rp: Reports) -> None:
    await rp.install("UTC", currency="JPY")
    cart = uuid.uuid4()
    line = OrderLine(product_id=111, name="Blue Mug", quantity=1, unit_price=Decimal("1234.5"),
                     total=Decimal("1234.5"))
    sent = [
        await rp.send(upserted(cart, at("2026-03-10T09:00"), {111: 1}, [added(111, 1)]), at=at("2026-03-10T09:00")),
        await rp.send(OrderPlaced(order_id=7, cart_id=cart, status_id=11, currency="JPY", subtotal=line.total,
                                  grand_total=line.total, items=[line], placed_at=at("2026-03-10T10:00"))),
        await rp.send(CartAbandoned(cart_id=uuid.uuid4(), grand_total=Decimal("99.5"), currency="JPY",
                                    abandoned_at=at("2026-03-10T12:00"))),
    ]
    await rp.handled(*sent)
    day = {"from": "2026-03-10", "to": "2026-03-10"}
    products = await rp.http.get(rp.path("/export.csv"), params=day)
    rows = list(csv.reader(io.StringIO(products.content.decode("utf-8-sig"))))
    assert rows[1][0] == "111"
    assert rows[1][6] == "1235"  # revenue, as the API's top-ordered writes it
    summary = await rp.http.get(rp.path("/export.csv"), params={**day, "report": "summary"})
    table = dict(csv.reader(io.StringIO(summary.content.decode("utf-8-sig"))))
    assert table["currency"] == "JPY"
    assert table["value_abandoned"] == "100"
