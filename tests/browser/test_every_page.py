"""Every page of the app, empty and in use: each says what it shows when there is nothing yet, passes the
accessibility scan, is saved as a screenshot, and the app asks no host but the gateway for anything (the
products' own images aside, which the store serves)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Request, expect

from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel

pytestmark = pytest.mark.e2e

TABS = ["Cart Monitoring", "Cart Statistics", "Blacklists", "Activity"]


async def open_tab(panel: Panel, tab: str) -> None:
    button = panel.app.get_by_role("tab", name=tab)
    if await button.get_attribute("aria-selected") != "true":  # BigDesign's active tab takes no clicks
        await button.click()
    await expect(button).to_have_attribute("aria-selected", "true")
    await expect(panel.app.get_by_role("status")).to_have_count(0)  # loaded: no "Loading…" left


async def test_a_new_store_shows_what_each_page_will_hold_and_every_page_passes_the_scan(panel: Panel) -> None:
    # the module's store has no cart, rule or staff action yet
    app = panel.app
    empty = {
        "Cart Monitoring": "No carts match these filters yet.",
        "Cart Statistics": "No product was added in this period.",
        "Blacklists": "No rules yet.",
        "Activity": "No staff actions yet.",
    }
    for tab in TABS:
        await open_tab(panel, tab)
        await expect(app.get_by_text(empty[tab]).first).to_be_visible()
        await panel.assert_accessible(f"empty-{tab.lower().replace(' ', '-')}")


async def test_the_app_asks_only_the_gateway_on_every_page_and_dialog(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    seen: list[tuple[str, str, str]] = []  # (frame, resource type, url)

    def record(request: Request) -> None:
        seen.append((request.frame.name, request.resource_type, request.url))

    panel.page.on("request", record)
    await panel.page.reload()
    app = panel.app
    await app.get_by_role("tab", name="Cart Monitoring").wait_for()
    product = (await system.products())[0]
    cart = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}], email="hosts@pages.example")
    await system.wait_for_cart(merchant, cart["id"])

    await app.get_by_role("button", name=f"Edit cart {cart['id']}").click()
    await expect(app.get_by_test_id("cart-id")).to_have_text(cart["id"])
    await expect(app.get_by_role("img", name=product["name"]).first).to_be_visible()
    for button, shot in [("Add product", "dialog-add-product"), ("Send to customer", "dialog-send"),
                         ("Create order", "dialog-order"), ("Delete cart", "dialog-delete")]:
        await app.get_by_role("button", name=button).first.click()
        dialog = app.get_by_role("dialog")
        await expect(dialog).to_be_visible()
        if button == "Add product":
            await dialog.get_by_label("Search products").fill("a")
            await expect(dialog.get_by_role("button", name="Choose").first).to_be_visible()
        await panel.assert_accessible(shot)
        await panel.page.keyboard.press("Escape")
        await expect(dialog).to_have_count(0)
    await panel.assert_accessible("cart-page-in-use")
    await app.get_by_role("link", name="Back to Cart Monitoring").click()
    for tab in TABS:
        await open_tab(panel, tab)
        await panel.assert_accessible(f"in-use-{tab.lower().replace(' ', '-')}")

    gateway = urlsplit(system.url("gateway")).netloc
    panel_host = urlsplit(system.sim).netloc
    images = await store_images(merchant, cart["id"])
    from_app = [(kind, url) for frame, kind, url in seen if frame == "cartio"]
    assert any(kind == "fetch" for kind, _ in from_app), "no API call recorded from the app"
    elsewhere = [(kind, url) for kind, url in from_app
                 if urlsplit(url).netloc != gateway and not (kind == "image" and url in images)]
    assert elsewhere == []
    # the control panel page itself is the simulator's (BigCommerce's) and frames the gateway
    assert {urlsplit(url).netloc for frame, _, url in seen if frame != "cartio"} <= {panel_host, gateway}


async def store_images(merchant: Merchant, cart_id: str) -> set[str]:
    """The product images the API hands the app (the store's catalog images, as BigCommerce's CDN serves them)."""
    cart: dict[str, Any] = (await merchant.get(f"/api/carts/{cart_id}")).json()
    found = await merchant.get("/api/products", params={"q": "a", "limit": 20})  # as the Add product search asks
    products: list[dict[str, Any]] = found.json()["items"]
    urls = {item.get("image_url") for item in cart["items"]}
    for product in products:
        urls |= {product.get("image_url"), product.get("thumbnail_url")}
    return {u for u in urls if u}
