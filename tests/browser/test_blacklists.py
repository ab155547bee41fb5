"""The Blacklists screens inside the control panel: a refused rule says why, a rule's preview and its effect on
Cart Monitoring, allow rules over a block, enable/disable and remove, the hits list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel, choose

pytestmark = pytest.mark.e2e


async def rules(merchant: Merchant) -> list[dict[str, Any]]:
    answer = await merchant.get("/api/blacklist/rules")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_rule_the_api_refuses_shows_its_message_and_saves_nothing(
    panel: Panel, merchant: Merchant
) -> None:
    app = panel.app
    await app.get_by_role("tab", name="Blacklists").click()
    await expect(app.get_by_role("heading", name="Blacklist rules")).to_be_visible()
    await choose(panel, "Kind", "Country")
    await app.get_by_label("Value").fill("Narnia")
    await app.get_by_role("button", name="Add rule").click()
    error = app.get_by_role("alert").filter(has_text="The rule was not saved")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("country")
    await panel.assert_accessible("blacklists-refused")
    assert await rules(merchant) == []


async def test_a_domain_rule_previews_the_cart_it_hits_then_blocks_it_off_cart_monitoring(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}],
                                     email="someone@fraud.example")
    await system.wait_for_cart(merchant, cart["id"])
    app = panel.app
    await expect(app.get_by_role("row").filter(has_text=cart["id"])).to_be_visible()

    await app.get_by_role("tab", name="Blacklists").click()
    await choose(panel, "Kind", "Email domain")
    await app.get_by_label("Value").fill("fraud.example")
    await app.get_by_label("Note").fill("chargebacks")
    await app.get_by_role("button", name="Preview hits").click()
    preview = app.get_by_role("region", name="Preview")
    await expect(preview).to_contain_text("would block 1 active cart")
    await expect(preview).to_contain_text("someone@fraud.example")
    await panel.assert_accessible("blacklists-preview")

    await app.get_by_role("button", name="Add rule").click()
    row = app.get_by_role("row").filter(has_text="fraud.example").filter(has_text="chargebacks")
    await expect(row).to_be_visible()
    [rule] = await rules(merchant)
    assert (rule["kind"], rule["value"], rule["action"], rule["enabled"]) == ("email_domain", "fraud.example",
                                                                                "block", True)
    # the hit is listed once the blacklist has judged the cart
    await expect(app.get_by_role("row").filter(has_text="someone@fraud.example")).to_be_visible(timeout=10_000)
    await panel.assert_accessible("blacklists")

    await app.get_by_role("tab", name="Cart Monitoring").click()
    await expect(app.get_by_role("heading", name="Carts")).to_be_visible()
    await expect(app.get_by_role("row").filter(has_text=cart["id"])).to_have_count(0, timeout=10_000)
    blocked = (await merchant.get(f"/api/carts/{cart['id']}")).json()
    assert blocked["status"] == "blocked"


async def test_a_rule_is_disabled_in_place_and_removed_after_a_confirmation(
    panel: Panel, merchant: Merchant
) -> None:
    made = await merchant.send("POST", "/api/blacklist/rules", json={"kind": "ip", "value": "203.0.113.9"})
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    app = panel.app
    await app.get_by_role("tab", name="Blacklists").click()
    # by keyboard: the switch is a checkbox under BigDesign's drawing of it
    await app.get_by_role("checkbox", name="Disable rule 203.0.113.9").press("Space")
    await expect(app.get_by_role("checkbox", name="Enable rule 203.0.113.9")).not_to_be_checked()
    assert next(r for r in await rules(merchant) if r["id"] == rule_id)["enabled"] is False

    await app.get_by_role("button", name="Remove rule 203.0.113.9").click()
    dialog = app.get_by_role("dialog")
    await expect(dialog).to_contain_text("203.0.113.9")
    await panel.assert_accessible("blacklists-remove")
    assert any(r["id"] == rule_id for r in await rules(merchant))  # nothing happens before the confirmation
    await dialog.get_by_role("button", name="Remove rule").click()
    await expect(app.get_by_role("row").filter(has_text="203.0.113.9")).to_have_count(0)
    assert all(r["id"] != rule_id for r in await rules(merchant))


@pytest.mark.parametrize(("kind", "value", "says"), [
    ("IP address", "999.1.2.3", "'999.1.2.3' is not an IPv4 or IPv6 address"),
    ("IP range (CIDR)", "10.0.0.0/99", "is not an IPv4 or IPv6 range in CIDR notation"),
    ("Email address", "not-an-email", "'not-an-email' is not a valid email address"),
    ("Email domain", "no spaces.example", "is not a valid email domain"),
])
async def test_each_kind_of_wrong_value_gets_the_apis_own_message_in_the_form_and_in_the_preview(
    panel: Panel, merchant: Merchant, kind: str, value: str, says: str
) -> None:
    before = await rules(merchant)
    app = panel.app
    await app.get_by_role("tab", name="Blacklists").click()
    await expect(app.get_by_role("button", name="Add rule")).to_be_disabled()  # no value yet
    await choose(panel, "Kind", kind)
    await app.get_by_label("Value").fill(value)
    await app.get_by_role("button", name="Preview hits").click()
    error = app.get_by_role("alert").filter(has_text="The rule was not saved")
    await expect(error).to_contain_text(says)
    await app.get_by_role("button", name="Add rule").click()
    await expect(error).to_contain_text(says)
    assert await rules(merchant) == before


async def test_an_allow_rule_lets_one_address_through_a_blocked_domain(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    blocked = await merchant.send("POST", "/api/blacklist/rules", json={"kind": "email_domain",
                                                                        "value": "mixed.example"})
    assert blocked.status_code == 201, blocked.text
    app = panel.app
    await app.get_by_role("tab", name="Blacklists").click()
    await choose(panel, "Kind", "Email address")
    await app.get_by_label("Value").fill("friend@mixed.example")
    await choose(panel, "Action", "Allow (overrides blocks)")
    await app.get_by_label("Note").fill("our wholesaler")
    await app.get_by_role("button", name="Add rule").click()
    row = app.get_by_role("row").filter(has_text="friend@mixed.example")
    await expect(row).to_contain_text("allow")
    await expect(row).to_contain_text("our wholesaler")
    rule = next(r for r in await rules(merchant) if r["value"] == "friend@mixed.example")
    assert (rule["kind"], rule["action"], rule["enabled"]) == ("email", "allow", True)

    product = (await system.products())[0]
    friend = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}],
                                       email="friend@mixed.example")
    stranger = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}],
                                         email="stranger@mixed.example")
    await system.wait_for_cart(merchant, stranger["id"], lambda c: c["status"] == "blocked")
    # the hits list names the blocked cart; the allowed one is still on Cart Monitoring
    hits = app.get_by_role("row").filter(has_text="stranger@mixed.example")
    await expect(hits).to_be_visible(timeout=10_000)
    await panel.assert_accessible("blacklists-allow")
    await app.get_by_role("tab", name="Cart Monitoring").click()
    await expect(app.get_by_role("row").filter(has_text=friend["id"])).to_be_visible()
    await expect(app.get_by_role("row").filter(has_text=stranger["id"])).to_have_count(0)
    assert (await merchant.get(f"/api/carts/{friend['id']}")).json()["status"] == "active"
