"""Issue 11 point 1, end to end: products with variant options and modifiers. The merchant finds them with
their choices, is refused (readably) without a required one, adds one with its choices, and "send to customer"
re-creates the shopper's storefront cart with every line's variant, options and price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e

RED_MUG = 112  # on sale: 19.50 instead of 22.00
WALLET, WALLET_NAVY, ENGRAVING, GIFT_WRAP, GIFT_WRAP_YES = 147, 379, 120, 121, 1210
NECKLACE, NAME, CHAIN, CHAIN_18 = 148, 123, 122, 1221


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store, user_id=9301, email="staff@shop.example")


def options(line: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["name"], o["value"]) for o in line.get("options") or []]


async def test_the_product_search_shows_each_products_variants_and_modifiers(merchant: Merchant) -> None:
    found = await merchant.get("/api/products", params={"q": "wallet"})
    assert found.status_code == 200, found.text
    (wallet,) = found.json()["items"]
    assert [v["label"] for v in wallet["variants"]] == ["Color: Black", "Color: White", "Color: Navy"]
    assert [(m["display_name"], m["type"], m["required"], [v["label"] for v in m["option_values"]])
            for m in wallet["modifiers"]] == [("Engraving", "text", True, []),
                                              ("Gift wrap", "checkbox", False, ["Yes", "No"])]
    many = await merchant.get("/api/products", params={"limit": 20})
    assert len(many.json()["items"]) == 20  # BigCommerce's 10 a page with modifiers, read twice


async def test_a_required_modifier_is_refused_without_it_added_with_it_and_kept_when_sent(
    system: System, store: str, merchant: Merchant
) -> None:
    shopper_lines = [
        {"product_id": RED_MUG, "quantity": 2},
        {"product_id": WALLET, "variant_id": WALLET_NAVY, "quantity": 1, "option_selections": [
            {"option_id": ENGRAVING, "option_value": "For Ana"},
            {"option_id": GIFT_WRAP, "option_value": GIFT_WRAP_YES}]},
    ]
    made = await system.shopper_cart(store, shopper_lines, email="ana@buyer.example")
    cart_id = made["id"]
    cart = await system.wait_for_cart(merchant, cart_id, lambda c: len(c["items"]) == 2)
    wallet_line = next(i for i in cart["items"] if i["product_id"] == WALLET)
    assert options(wallet_line) == [("Color", "Navy"), ("Engraving", "For Ana"), ("Gift wrap", "Yes")]

    refused = await merchant.send("POST", f"/api/carts/{cart_id}/items",
                                  json={"product_id": NECKLACE, "quantity": 1})
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert message == ("BigCommerce refused the item: Missing or incorrect required fields: "
                       "a value is required for 'Name', 'Chain length'")
    in_store = (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).json()
    assert len(in_store["line_items"]["physical_items"]) == 2  # nothing was added

    added = await merchant.send("POST", f"/api/carts/{cart_id}/items", json={
        "product_id": NECKLACE, "quantity": 1,
        "option_selections": [{"option_id": NAME, "option_value": "Ana"},
                              {"option_id": CHAIN, "option_value": CHAIN_18}],
    })
    assert added.status_code == 200, added.text
    necklace = next(i for i in added.json()["items"] if i["product_id"] == NECKLACE)
    assert options(necklace) == [("Name", "Ana"), ("Chain length", '18"')]
    in_store = (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).json()
    assert [options(line) for line in in_store["line_items"]["physical_items"]][-1] == options(necklace)

    sent = await merchant.send("POST", f"/api/carts/{cart_id}/send", json={"message": "Your cart"})
    assert sent.status_code == 200, sent.text
    copy_id = sent.json()["link_cart_id"]
    assert copy_id != cart_id  # a storefront cart cannot make links: it was re-created
    original = {line["product_id"]: line for line in in_store["line_items"]["physical_items"]}
    copy = (await system.sim_call("GET", f"/_sim/carts/{copy_id}", store=store)).json()
    copied = {line["product_id"]: line for line in copy["line_items"]["physical_items"]}
    assert set(copied) == set(original) == {RED_MUG, WALLET, NECKLACE}
    for product_id, line in original.items():
        twin = copied[product_id]
        assert (twin["variant_id"], twin["quantity"], options(twin)) == (
            line["variant_id"], line["quantity"], options(line)), product_id
        assert Decimal(str(twin["list_price"])) == Decimal(str(line["list_price"])), product_id
    assert Decimal(str(copied[RED_MUG]["list_price"])) == Decimal("19.50")
