"""Cart Statistics in the store's currency (issue 13, point 9): money in the currency's own precision, not always
in cents (JPY has no minor unit)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from cartio_contracts.messages import CartAbandoned

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
