"""Cart Monitoring inside the control panel: the counters on top, the filters, cursor paging, the keyboard way
to a cart, and exact times in the store's own time zone (this module's store is in Tokyo)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel, choose

pytestmark = pytest.mark.e2e

ZONE = "Asia/Tokyo"


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    """A store whose settings say Tokyo: the browser runs in UTC, so a time shown in Tokyo's zone is the store's."""
    store = await system.new_store()
    changed = await system.sim_call("PATCH", "/_sim/store/information", store=store, json={"timezone": ZONE})
    assert changed.status_code == 200, changed.text
    return await system.install(store)


async def cart_of(system: System, store: str, merchant: Merchant, quantity: int, **extra: Any) -> dict[str, Any]:
    """A shopper's cart of `quantity` of the first product, once Cartio has it."""
    product = (await system.products())[0]
    made = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": quantity}], **extra)
    return await system.wait_for_cart(merchant, made["id"])


def counter(panel: Panel, label: str) -> Any:
    return panel.app.get_by_test_id(f"counter-{label}")


def dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


async def test_the_counters_on_top_follow_the_active_and_abandoned_carts_live(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    # the module's store is new: these are its only carts
    await expect(counter(panel, "Active carts")).to_have_text("0")
    first = await cart_of(system, store, merchant, 1, email="count.one@counters.example")
    second = await cart_of(system, store, merchant, 2, email="count.two@counters.example")
    total = Decimal(first["summary"]["grand_total"]) + Decimal(second["summary"]["grand_total"])
    await expect(counter(panel, "Active carts")).to_have_text("2", timeout=10_000)
    await expect(counter(panel, "Value in active carts")).to_have_text(dollars(total))
    await expect(counter(panel, "Abandoned today")).to_have_text("0")

    abandoned = await system.sim_call("POST", f"/_sim/carts/{first['id']}/abandon", store=store)
    assert abandoned.status_code == 200, abandoned.text
    await system.wait_for_cart(merchant, first["id"], lambda c: c["status"] == "abandoned")
    await expect(counter(panel, "Abandoned today")).to_have_text("1", timeout=10_000)
    await expect(counter(panel, "Active carts")).to_have_text("1")
    left = Decimal(second["summary"]["grand_total"])
    await expect(counter(panel, "Value in active carts")).to_have_text(dollars(left))
    await panel.shot("monitoring-counters")


async def test_filters_narrow_the_carts_by_status_shopper_search_and_minimum_value(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    customer = (await system.sim_call("GET", "/_sim/customers", store=store)).json()[0]
    guest = await cart_of(system, store, merchant, 1, email="guest@filters.example")
    known = await cart_of(system, store, merchant, 3, customer_id=customer["id"])
    gone = await cart_of(system, store, merchant, 1, email="gone@filters.example")
    deleted = await merchant.send("DELETE", f"/api/carts/{gone['id']}")
    assert deleted.status_code in (200, 204), deleted.text
    app = panel.app
    rows = app.get_by_role("row")

    async def search(text: str, minimum: str = "") -> None:
        await app.get_by_label("Search").fill(text)
        await app.get_by_label("Minimum value").fill(minimum)
        await app.get_by_role("button", name="Apply").click()

    # search by email: the guest's cart only (the deleted one is not active)
    await search("filters.example")
    await expect(rows.filter(has_text=guest["id"])).to_be_visible()
    await expect(rows.filter(has_text=gone["id"])).to_have_count(0)
    # by the customer's name, and by cart id
    await search(customer["last_name"])
    await expect(rows.filter(has_text=known["id"])).to_be_visible()
    await expect(rows.filter(has_text=f"{customer['first_name']} {customer['last_name']}")).to_have_count(1)
    await search(known["id"][:13])
    await expect(rows.filter(has_text=known["id"])).to_be_visible()
    await expect(rows.filter(has_text=guest["id"])).to_have_count(0)

    # guests or customers
    await search("")
    await choose(panel, "Shopper", "Customers")
    await expect(rows.filter(has_text=known["id"])).to_be_visible()
    await expect(rows.filter(has_text=guest["id"])).to_have_count(0)
    await choose(panel, "Shopper", "Guests")
    await expect(rows.filter(has_text=guest["id"])).to_be_visible()
    await expect(rows.filter(has_text=known["id"])).to_have_count(0)
    await choose(panel, "Shopper", "Guests and customers")

    # minimum value: between the two carts' totals
    between = (Decimal(guest["summary"]["grand_total"]) + Decimal(known["summary"]["grand_total"])) / 2
    await search("", f"{between:.2f}")
    await expect(rows.filter(has_text=known["id"])).to_be_visible()
    await expect(rows.filter(has_text=guest["id"])).to_have_count(0)
    # a minimum that is not a number says so
    await search("", "ten dollars")
    await expect(app.get_by_text("Minimum value must be a number")).to_be_visible()

    # status: the deleted cart under Deleted, and nothing under Converted
    await search("filters.example")
    await choose(panel, "Status", "Deleted")
    await expect(rows.filter(has_text=gone["id"])).to_be_visible()
    await expect(rows.filter(has_text=guest["id"])).to_have_count(0)
    await choose(panel, "Status", "Converted")
    await expect(app.get_by_text("No carts match these filters yet.")).to_be_visible()
    await panel.assert_accessible("monitoring-filters-empty")


async def test_more_carts_than_a_page_are_paged_with_next_and_previous(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    made = await asyncio.gather(*[
        system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}], email=f"p{n}@paging.example")
        for n in range(27)
    ])

    async def all_seen() -> bool:
        answer = await merchant.get("/api/carts", params={"q": "paging.example", "limit": 50})
        return len(answer.json()["items"]) == len(made)

    await wait_until(all_seen, timeout=20, what="the 27 carts in Cartio")
    app = panel.app
    await app.get_by_label("Search").fill("paging.example")
    await app.get_by_role("button", name="Apply").click()
    shown = app.get_by_role("row").filter(has_text="@paging.example")
    await expect(shown).to_have_count(25)
    first_page = set(await shown.all_inner_texts())
    await app.get_by_role("button", name="Next").click()
    await expect(shown).to_have_count(2)
    assert not set(await shown.all_inner_texts()) & first_page  # no cart on both pages
    await expect(app.get_by_role("button", name="Next")).to_be_disabled()
    await app.get_by_role("button", name="Previous").click()
    await expect(shown).to_have_count(25)


async def test_a_cart_opens_by_keyboard_and_its_last_update_shows_the_stores_time_on_hover(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    cart = await cart_of(system, store, merchant, 1, email="keys@keyboard.example")
    app = panel.app
    await app.get_by_label("Search").fill("keyboard.example")
    await app.get_by_role("button", name="Apply").click()
    edit = app.get_by_role("button", name=f"Edit cart {cart['id']}")
    await expect(edit).to_be_visible()
    await app.get_by_label("Search").focus()
    for _ in range(40):  # Tab along the page until the row's Edit button has the focus
        if await edit.evaluate("e => e === document.activeElement"):
            break
        await panel.page.keyboard.press("Tab")
    await expect(edit).to_be_focused()
    await panel.page.keyboard.press("Enter")
    await expect(app.get_by_test_id("cart-id")).to_have_text(cart["id"])

    when = app.locator("time").first
    iso = await when.get_attribute("datetime")
    assert iso is not None
    at = datetime.fromisoformat(iso).astimezone(ZoneInfo(ZONE))
    exact = f"{at:%b} {at.day}, {at.year}, {at:%I:%M:%S %p} GMT+9"
    await when.hover()
    tooltip = app.get_by_role("tooltip")
    await expect(tooltip).to_be_visible()
    assert " ".join((await tooltip.inner_text()).split()) == exact  # Chromium puts a narrow space before "AM"
    await panel.shot("cart-page-last-update-hover")
