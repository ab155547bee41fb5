"""Cart Statistics ("Show data") and Activity inside the control panel: the figures of what shoppers and staff
did, as charts and tables."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel, choose

pytestmark = pytest.mark.e2e


async def test_statistics_show_the_funnel_and_the_top_products_of_the_period(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    plain = [p for p in await system.products() if len(p.get("variants") or []) <= 1]
    bought, browsed = plain[1], plain[2]
    ordered = await system.shopper_cart(store, [{"product_id": bought["id"], "quantity": 2}],
                                        email="stats1@buyer.example")
    await system.shopper_cart(store, [{"product_id": browsed["id"], "quantity": 1}])
    checkout = await system.sim_call("POST", f"/_sim/carts/{ordered['id']}/checkout", store=store, json={})
    assert checkout.status_code == 201, checkout.text

    seen: list[dict[str, object]] = []

    async def counted() -> bool:
        seen.append((await merchant.get("/api/reports/summary", params={"days": 30})).json())
        # both carts counted, not only the ordered one (the screen would then show one cart more than expected)
        return seen[-1].get("carts_converted") == 1 and seen[-1].get("carts_created") == 2

    try:
        await wait_until(counted, timeout=20, interval=0.5, what="reports to count both carts and the order")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the last summary: {seen[-1:]}") from None

    app = panel.app
    await app.get_by_role("tab", name="Cart Statistics").click()
    # the screen shows the reports service's figures (what they count is the reports' own tests' business)
    figures = seen[-1]
    await expect(app.get_by_test_id("funnel-Created")).to_have_text(str(figures["carts_created"]))
    await expect(app.get_by_test_id("funnel-With email")).to_have_text(str(figures["carts_with_email"]))
    await expect(app.get_by_test_id("funnel-Converted")).to_have_text("1")
    funnel = app.get_by_role("img", name=f"Carts: Created {figures['carts_created']}")  # the Recharts chart
    await expect(funnel.locator("svg.recharts-surface")).to_be_visible()
    await panel.shot("statistics")
    top_added = (await merchant.get("/api/reports/top-added", params={"days": 30, "limit": 10})).json()["items"]
    top_ordered = (await merchant.get("/api/reports/top-ordered", params={"days": 30, "limit": 10})).json()["items"]
    assert [r["product_id"] for r in top_ordered] == [bought["id"]]
    added_table = app.get_by_role("table").filter(has_text="Times added")
    for r in top_added:
        await expect(added_table.get_by_role("row").filter(has_text=r["name"])).to_contain_text(str(r["times_added"]))
    ordered_table = app.get_by_role("table").filter(has_text="Conversion")
    row = ordered_table.get_by_role("row").filter(has_text=bought["name"])
    await expect(row).to_contain_text(f"{float(top_ordered[0]['conversion_rate']) * 100:.1f}%")
    csv = await merchant.get("/api/reports/export.csv", params={"days": 30})
    assert csv.status_code == 200
    assert bought["name"] in csv.text
    await expect(app.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", "/api/reports/export.csv?days=30")
    await panel.assert_accessible("statistics")


async def test_activity_lists_what_staff_did_newest_first(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}])
    await system.wait_for_cart(merchant, cart["id"])
    deleted = await merchant.send("DELETE", f"/api/carts/{cart['id']}")
    assert deleted.status_code in (200, 204), deleted.text
    app = panel.app
    await app.get_by_role("tab", name="Activity").click()
    await expect(app.get_by_role("row").filter(has_text=cart["id"]).first).to_be_visible()
    await panel.assert_accessible("activity")


async def test_activity_filtered_by_a_staff_member_shows_only_their_actions(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    helper = await system.merchant(store, user_id=4242, email="Helper@Staff.example")
    product = (await system.products())[0]
    mine = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}])
    theirs = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}])
    for who, cart in ((merchant, mine), (helper, theirs)):
        await system.wait_for_cart(who, cart["id"])
        deleted = await who.send("DELETE", f"/api/carts/{cart['id']}")
        assert deleted.status_code in (200, 204), deleted.text
    app = panel.app
    await app.get_by_role("tab", name="Activity").click()
    await expect(app.get_by_role("row").filter(has_text=mine["id"]).first).to_be_visible()
    await app.get_by_label("Staff member").fill("helper@staff.example")  # any case
    await app.get_by_role("button", name="Filter").click()
    await expect(app.get_by_role("row").filter(has_text=theirs["id"]).first).to_be_visible()
    await expect(app.get_by_role("row").filter(has_text=mine["id"])).to_have_count(0)
    await expect(app.get_by_role("row").filter(has_text="Helper@Staff.example").first).to_be_visible()
    await panel.assert_accessible("activity-filtered")


async def test_the_period_picker_shows_and_exports_the_chosen_period(panel: Panel) -> None:
    app = panel.app
    await app.get_by_role("tab", name="Cart Statistics").click()
    export = app.get_by_role("link", name="Export CSV")
    await expect(export).to_have_attribute("href", "/api/reports/export.csv?days=30")
    asked: list[str] = []
    panel.page.on("request", lambda r: asked.append(r.url))
    await choose(panel, "Period", "Last 7 days")
    await expect(export).to_have_attribute("href", "/api/reports/export.csv?days=7")
    await expect(app.get_by_test_id("funnel-Created")).to_be_visible()
    assert any("/api/reports/summary?days=7" in url for url in asked)
