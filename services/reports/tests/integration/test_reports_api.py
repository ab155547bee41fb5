"""Figures through the internal API from events on the real broker: funnel, top lists, CSV, the store's days."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cartio_contracts import Envelope
from cartio_contracts.messages import (
    CartAbandoned,
    CartConverted,
    CartCustomer,
    CartDeleted,
    CartItem,
    CartSnapshot,
    CartUpserted,
    ItemChange,
    NotificationSent,
    OrderLine,
    OrderPlaced,
)

from .conftest import Reports

DAY = {"from": "2026-03-10", "to": "2026-03-10"}
NEXT_DAY = {"from": "2026-03-11", "to": "2026-03-11"}
PRODUCTS = {111: ("Blue Mug", Decimal("22.00")), 112: ("Red Mug", Decimal("19.50")),
            113: ("=Tea Towel", Decimal("10.00"))}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def added(product_id: int, quantity: int) -> ItemChange:
    name, price = PRODUCTS[product_id]
    return ItemChange(action="added", product_id=product_id, name=name, quantity=quantity, quantity_delta=quantity,
                      unit_price=price)


def upserted(cart_id: uuid.UUID, created: datetime, lines: dict[int, int], changes: list[ItemChange],
             email: str | None = None) -> CartUpserted:
    items = [CartItem(id=f"line-{p}", product_id=p, name=PRODUCTS[p][0], image_url=f"http://img/{p}.png",
                      quantity=q, unit_price=PRODUCTS[p][1], extended_price=PRODUCTS[p][1] * q)
             for p, q in lines.items()]
    total = sum((i.extended_price for i in items), Decimal(0))
    return CartUpserted(cart=CartSnapshot(
        id=cart_id, status="active", currency="USD", items=items, customer=CartCustomer(user_type="guest", email=email),
        subtotal=total, grand_total=total, created_at=created, updated_at=created), item_changes=changes)


def order(order_id: int, cart_id: uuid.UUID, placed: datetime, lines: dict[int, int]) -> OrderPlaced:
    items = [OrderLine(product_id=p, name=PRODUCTS[p][0], quantity=q, unit_price=PRODUCTS[p][1],
                       total=PRODUCTS[p][1] * q) for p, q in lines.items()]
    total = sum((i.total for i in items), Decimal(0))
    return OrderPlaced(order_id=order_id, cart_id=cart_id, status_id=11, currency="USD", subtotal=total,
                       grand_total=total, items=items, placed_at=placed)


async def shop_day(rp: Reports) -> list[Envelope]:
    """One day of a store in Chicago (UTC-5 on 10 March 2026): four carts, two orders, one of them recovered."""
    a, b, c, e = (uuid.uuid4() for _ in range(4))
    sent = [
        # A: two mugs and a red one, one more blue added later, ordered and converted.
        await rp.send(upserted(a, at("2026-03-10T15:00"), {111: 2, 112: 1}, [added(111, 2), added(112, 1)],
                               email="ann@example.com"), at=at("2026-03-10T15:00")),
        await rp.send(upserted(a, at("2026-03-10T15:00"), {111: 3, 112: 1}, [ItemChange(
            action="quantity_changed", product_id=111, name="Blue Mug", quantity=3, quantity_delta=1,
            unit_price=Decimal("22.00"))], email="ann@example.com"), at=at("2026-03-10T15:10")),
        await rp.send(order(90, a, at("2026-03-10T16:00"), {111: 3, 112: 1})),
        await rp.send(CartConverted(cart_id=a, order_id=90, converted_at=at("2026-03-10T16:00"))),
        # B: 22:30 in Chicago, 03:30 UTC the next day: still the 10th; abandoned at midnight in Chicago: the 11th.
        await rp.send(upserted(b, at("2026-03-11T03:30"), {111: 1}, [added(111, 1)]), at=at("2026-03-11T03:30")),
        await rp.send(CartAbandoned(cart_id=b, grand_total=Decimal("22.00"), currency="USD",
                                    abandoned_at=at("2026-03-11T05:00"))),
        # C: sent to the shopper, then ordered: recovered.
        await rp.send(upserted(c, at("2026-03-10T14:00"), {113: 1}, [added(113, 1)], email="cy@example.com"),
                      at=at("2026-03-10T14:00")),
        await rp.send(NotificationSent(notification_id=uuid.uuid4(), cart_id=c, recipient="cy@example.com",
                                       sent_at=at("2026-03-10T18:00"))),
        await rp.send(order(91, c, at("2026-03-10T19:00"), {113: 1})),
        await rp.send(CartConverted(cart_id=c, order_id=91, converted_at=at("2026-03-10T19:00"))),
        # E: blocked by the blacklist.
        await rp.send(upserted(e, at("2026-03-10T19:30"), {}, []), at=at("2026-03-10T19:30")),
        await rp.send(CartDeleted(cart_id=e, reason="blocked", deleted_at=at("2026-03-10T20:00"))),
    ]
    await rp.handled(*sent)
    return sent


THE_DAY = {"carts_created": 4, "carts_with_email": 2, "carts_abandoned": 0, "carts_converted": 2,
           "carts_recovered": 1, "carts_deleted": 0, "carts_blocked": 1, "value_abandoned": "0.00",
           "value_recovered": "10.00"}
TOP_ADDED = [
    {"product_id": 111, "name": "Blue Mug", "image_url": "http://img/111.png", "times_added": 2, "quantity_added": 4},
    {"product_id": 112, "name": "Red Mug", "image_url": "http://img/112.png", "times_added": 1, "quantity_added": 1},
    {"product_id": 113, "name": "=Tea Towel", "image_url": "http://img/113.png", "times_added": 1,
     "quantity_added": 1},
]
TOP_ORDERED = [(111, 1, 3, "66.00", 0.5), (112, 1, 1, "19.50", 1.0), (113, 1, 1, "10.00", 1.0)]


def figures(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in THE_DAY}


async def test_the_merchant_sees_the_days_funnel_and_top_products_counted_in_the_stores_time_zone(rp: Reports
                                                                                                   ) -> None:
    await rp.install("America/Chicago")
    await shop_day(rp)
    day = await rp.get("/summary", **DAY)
    assert figures(day) == THE_DAY
    assert day["period"] == {"from": "2026-03-10", "to": "2026-03-10", "days": 1, "timezone": "America/Chicago"}
    assert day["currency"] == "USD"
    assert figures(await rp.get("/summary", **NEXT_DAY)) == {
        **dict.fromkeys(THE_DAY, 0), "carts_abandoned": 1, "value_abandoned": "22.00", "value_recovered": "0.00"}
    assert (await rp.get("/top-added", **DAY))["items"] == TOP_ADDED
    ordered = (await rp.get("/top-ordered", **DAY))["items"]
    assert [(i["product_id"], i["times_ordered"], i["quantity_ordered"], i["revenue"], i["conversion_rate"])
            for i in ordered] == TOP_ORDERED
    assert (await rp.get("/top-added", **DAY, limit=1))["items"] == TOP_ADDED[:1]


async def test_the_same_events_in_a_utc_store_fall_on_utc_days(rp: Reports) -> None:
    await rp.install(None)  # no time zone known: UTC
    await shop_day(rp)
    day = await rp.get("/summary", **DAY)
    assert day["carts_created"] == 3  # B was made at 03:30 UTC on the 11th
    assert day["period"]["timezone"] == "UTC"
    added = {i["product_id"]: i["quantity_added"] for i in (await rp.get("/top-added", **DAY))["items"]}
    assert added == {111: 3, 112: 1, 113: 1}


async def test_redelivered_events_and_an_order_announced_twice_count_once(rp: Reports) -> None:
    await rp.install("America/Chicago")
    sent = await shop_day(rp)
    for envelope in sent:  # the broker delivers everything again
        await rp.resend(envelope)
    again = await rp.send(order(90, uuid.UUID(sent[2].data["cart_id"]), at("2026-03-10T16:00"), {111: 3, 112: 1}))
    await rp.handled(again)
    assert figures(await rp.get("/summary", **DAY)) == THE_DAY
    assert (await rp.get("/top-added", **DAY))["items"] == TOP_ADDED
    ordered = (await rp.get("/top-ordered", **DAY))["items"]
    assert [i["times_ordered"] for i in ordered] == [1, 1, 1]


async def test_the_csv_export_has_a_header_row_and_the_same_figures(rp: Reports) -> None:
    await rp.install("America/Chicago")
    await shop_day(rp)
    answer = await rp.http.get(rp.path("/export.csv"), params=DAY)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="cart-statistics-products-2026-03-10-to-2026-03-10.csv"' in answer.headers[
        "content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [
        ["product_id", "name", "times_added", "quantity_added", "times_ordered", "quantity_ordered", "revenue",
         "conversion_rate"],
        ["111", "Blue Mug", "2", "4", "1", "3", "66.00", "0.5000"],
        ["112", "Red Mug", "1", "1", "1", "1", "19.50", "1.0000"],
        ["113", "'=Tea Towel", "1", "1", "1", "1", "10.00", "1.0000"],  # never run as a formula
    ]
    summary = await rp.http.get(rp.path("/export.csv"), params={**DAY, "report": "summary"})
    table = dict(csv.reader(io.StringIO(summary.content.decode("utf-8-sig"))))
    assert table["figure"] == "value"
    assert table["timezone"] == "America/Chicago"
    assert {k: table[k] for k in THE_DAY} == {k: str(v) for k, v in THE_DAY.items()}


async def test_a_store_sees_only_its_own_figures(rp: Reports) -> None:
    await rp.install("America/Chicago")
    await shop_day(rp)
    rp.store = uuid.uuid4().hex[:10]
    assert figures(await rp.get("/summary", **DAY)) == {**dict.fromkeys(THE_DAY, 0), "value_abandoned": "0.00",
                                                       "value_recovered": "0.00"}
    assert (await rp.get("/top-added", **DAY))["items"] == []


async def test_the_last_days_period_ends_today_in_the_stores_time_zone(rp: Reports) -> None:
    await rp.install("Pacific/Kiritimati")  # UTC+14: "today" there is often tomorrow in UTC
    body = await rp.get("/summary", days=7)
    today = datetime.now(UTC).astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    assert body["period"]["to"] == today.isoformat()
    assert body["period"]["days"] == 7


@pytest.mark.parametrize(("params", "says"), [
    ({"days": 0}, "days must be between 1 and 731"),
    ({"days": 1000}, "days must be between 1 and 731"),
    ({"days": "week"}, "days"),
    ({"from": "2026-03-10"}, "needs both from and to"),
    ({"from": "2026-03-12", "to": "2026-03-10"}, "from must not be after to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 731 days"),
    ({"from": "2026-02-30", "to": "2026-03-10"}, "from"),
    ({"days": 7, "from": "2026-03-10", "to": "2026-03-10"}, "not both"),
])
async def test_a_bad_period_gets_422_saying_what_is_wrong(rp: Reports, params: dict[str, Any], says: str) -> None:
    for route in ("/summary", "/top-added", "/top-ordered", "/export.csv"):
        answer = await rp.http.get(rp.path(route), params=params)
        assert answer.status_code == 422, (route, answer.text)
        assert says in answer.json()["error"]["message"]


@pytest.mark.parametrize("limit", [0, 101, "ten"])
async def test_a_bad_limit_gets_422(rp: Reports, limit: object) -> None:
    answer = await rp.http.get(rp.path("/top-ordered"), params={"limit": limit})
    assert answer.status_code == 422
    assert "limit" in answer.json()["error"]["message"]


async def test_without_the_service_token_nothing_is_told(rp: Reports) -> None:
    answer = await rp.http.get(rp.path("/summary"), headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401
