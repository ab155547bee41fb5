"""Issue 10, end to end: shoppers add, order and abandon known products in the simulated store; the merchant's
Cart Statistics (summary, top added, top ordered, CSV) show exactly those figures, on the store's own day.

Then `python -m cartio_reports backfill` rebuilds the store's counters from carts' history: the same figures.

The store's time zone is chosen so that its calendar day differs from UTC's while the test runs (UTC+14 from
10:30 UTC on, else UTC-11): counted on UTC's day, the figures would be on the wrong date.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e


def zone_off_utcs_day(now: datetime) -> str:
    return "Pacific/Kiritimati" if (now.hour, now.minute) >= (10, 30) else "Pacific/Pago_Pago"


def plain(product: dict[str, Any]) -> bool:
    """A product a shopper adds by its id alone: no options to choose, no required modifier."""
    return (all(not v.get("option_values") for v in product.get("variants", []))
            and not any(m.get("required") for m in product.get("modifiers", [])))


async def wait_for(merchant: Merchant, system: System, cart_id: str, predicate: Any) -> dict[str, Any]:
    return await system.wait_for_cart(merchant, cart_id, predicate, timeout=15)


async def test_shoppers_adding_ordering_and_abandoning_give_the_merchant_exact_figures_on_the_stores_day(
    system: System,
) -> None:
    now = datetime.now(UTC)
    zone = zone_off_utcs_day(now)
    today = now.astimezone(ZoneInfo(zone)).date()
    assert today != now.date()
    store = await system.new_store()
    changed = await system.sim_call("PATCH", "/_sim/store/information", store=store, json={"timezone": zone})
    assert changed.status_code == 200, changed.text
    await system.install(store)
    merchant = await system.merchant(store)
    mug, towel, tea = [p["id"] for p in await system.products() if plain(p)][:3]

    # A: two mugs and a towel, one more mug, then ordered.
    a = await system.shopper_cart(store, [{"product_id": mug, "quantity": 2}, {"product_id": towel, "quantity": 1}],
                                  email="ann@shopper.example")
    await wait_for(merchant, system, a["id"], lambda c: len(c["items"]) == 2)
    added = await system.sim_call("POST", f"/_sim/carts/{a['id']}/items", store=store,
                                  json={"product_id": mug, "quantity": 1})
    assert added.status_code == 201, added.text
    cart_a = await wait_for(merchant, system, a["id"], lambda c: sum(i["quantity"] for i in c["items"]) == 4)
    prices = {i["product_id"]: Decimal(i["unit_price"]) for i in cart_a["items"]}
    paid = await system.sim_call("POST", f"/_sim/carts/{a['id']}/checkout", store=store, json={})
    assert paid.status_code == 201, paid.text
    await wait_for(merchant, system, a["id"], lambda c: c["status"] == "converted")

    # B: one mug, left behind.
    b = await system.shopper_cart(store, [{"product_id": mug, "quantity": 1}])
    cart_b = await wait_for(merchant, system, b["id"], lambda c: len(c["items"]) == 1)
    left = await system.sim_call("POST", f"/_sim/carts/{b['id']}/abandon", store=store)
    assert left.status_code == 200, left.text
    await wait_for(merchant, system, b["id"], lambda c: c["status"] == "abandoned")

    # C: two teas with an email; the merchant deletes the cart.
    c = await system.shopper_cart(store, [{"product_id": tea, "quantity": 2}], email="cy@shopper.example")
    await wait_for(merchant, system, c["id"], lambda cart: len(cart["items"]) == 1)
    deleted = await merchant.send("DELETE", f"/api/carts/{c['id']}")
    assert deleted.status_code in (200, 204), deleted.text

    expected = {"carts_created": 3, "carts_with_email": 2, "carts_abandoned": 1, "carts_converted": 1,
                "carts_recovered": 0, "carts_deleted": 1, "carts_blocked": 0,
                "value_abandoned": f"{Decimal(cart_b['summary']['grand_total']):.2f}", "value_recovered": "0.00"}
    period = {"from": today.isoformat(), "to": today.isoformat()}

    async def counted() -> dict[str, Any] | None:
        body: dict[str, Any] = (await merchant.get("/api/reports/summary", params=period)).json()
        return body if {k: body.get(k) for k in expected} == expected else None

    try:
        summary = await wait_until(counted, timeout=15, what="the day's figures")
    except AssertionError:
        got = (await merchant.get("/api/reports/summary", params=period)).json()
        raise AssertionError(f"summary {got} != {expected}\n{system.logs()}") from None
    assert summary["period"]["timezone"] == zone
    # UTC's date of the same moment holds nothing: the day is the store's.
    utc_day = {"from": now.date().isoformat(), "to": now.date().isoformat()}
    assert (await merchant.get("/api/reports/summary", params=utc_day)).json()["carts_created"] == 0

    top_added = (await merchant.get("/api/reports/top-added", params={**period, "limit": 10})).json()["items"]
    assert [(i["product_id"], i["times_added"], i["quantity_added"]) for i in top_added] == [
        (mug, 2, 4), (tea, 1, 2), (towel, 1, 1)]
    assert all(i["name"] and i["image_url"] for i in top_added)

    revenue = {mug: prices[mug] * 3, towel: prices[towel]}
    top_ordered = (await merchant.get("/api/reports/top-ordered", params=period)).json()["items"]
    assert [(i["product_id"], i["times_ordered"], i["quantity_ordered"], i["revenue"], i["conversion_rate"])
            for i in top_ordered] == sorted(
        [(mug, 1, 3, f"{revenue[mug]:.2f}", 0.5), (towel, 1, 1, f"{revenue[towel]:.2f}", 1.0)],
        key=lambda row: -Decimal(row[3]))

    export = await merchant.get("/api/reports/export.csv", params=period)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["product_id", "name", "times_added", "quantity_added", "times_ordered", "quantity_ordered",
                       "revenue", "conversion_rate"]
    assert [(int(r[0]), r[2], r[3], r[4], r[5], r[6]) for r in rows[1:]] == [
        (mug, "2", "4", "1", "3", f"{revenue[mug]:.2f}"), (towel, "1", "1", "1", "1", f"{revenue[towel]:.2f}"),
        (tea, "1", "2", "0", "0", "0.00")]  # most added first, then most ordered
    yesterday = {"from": (today - timedelta(days=1)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    assert (await merchant.get("/api/reports/top-added", params=yesterday)).json()["items"] == []

    # The backfill rebuilds the same figures from carts' history, with a progress bar on the terminal.
    live = [(await merchant.get(f"/api/reports/{route}", params=period)).json()
            for route in ("summary", "top-added", "top-ordered")]
    rebuilt = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "cartio_reports", "backfill", "--store", store],
        env={**os.environ, **system.processes["reports"].env}, capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"store {store}: counters rebuilt from 3 cart(s) and 1 order(s)" in rebuilt.stdout
    assert "cart/s" in rebuilt.stderr or "it/s" in rebuilt.stderr  # tqdm's bar
    assert [(await merchant.get(f"/api/reports/{route}", params=period)).json()
            for route in ("summary", "top-added", "top-ordered")] == live


async def test_two_shopper_carts_one_giving_its_email_at_checkout_count_two_created_one_with_email(
    system: System,
) -> None:
    """The funnel a merchant read in the browser: two carts in the store's default time zone, the first checked
    out at once with the email typed into the checkout's billing address (before Cartio had seen the cart)."""
    store = await system.new_store()
    await system.install(store)
    merchant = await system.merchant(store)
    mug, towel = [p["id"] for p in await system.products() if plain(p)][:2]
    first = await system.shopper_cart(store, [{"product_id": mug, "quantity": 1}])
    await system.shopper_cart(store, [{"product_id": towel, "quantity": 1}])
    paid = await system.sim_call("POST", f"/_sim/carts/{first['id']}/checkout", store=store,
                                 json={"email": "bo@shopper.example"})
    assert paid.status_code == 201, paid.text

    expected = {"carts_created": 2, "carts_with_email": 1, "carts_converted": 1}
    seen: list[dict[str, Any]] = []

    async def counted() -> bool:
        seen.append((await merchant.get("/api/reports/summary", params={"days": 7})).json())
        return {k: seen[-1].get(k) for k in expected} == expected

    try:
        await wait_until(counted, timeout=15, what="two carts created, one with an email, one converted")
    except AssertionError:
        raise AssertionError(f"summary {seen[-1]} != {expected}") from None
