"""Products with variant options and modifiers: the catalog shows them, carts refuse what BigCommerce refuses,
and lines carry their options and a price override."""

from __future__ import annotations

# The wallet has colour variants and a required engraving; the necklace no variants; the coasters' monogram is
# optional.
WALLET, NECKLACE, COASTERS = 147, 148, 149
ENGRAVING, GIFT_WRAP, NAME, CHAIN = 120, 121, 123, 122
WALLET_NAVY = 379
OPTIONS = {"include": "line_items.physical_items.options"}


def _engraved(text: str = "For Ana", **extra: object) -> dict[str, object]:
    return {"product_id": WALLET, "variant_id": WALLET_NAVY, "quantity": 1,
            "option_selections": [{"option_id": ENGRAVING, "option_value": text}], **extra}


async def test_the_catalog_lists_each_products_modifiers_with_their_type_and_values(h):
    response = await h.client.get(h.v3("/catalog/products"), headers=h.headers,
                                  params={"keyword": "necklace", "include": "variants,modifiers"})
    assert response.status_code == 200
    (necklace,) = response.json()["data"]
    modifiers = {m["display_name"]: m for m in necklace["modifiers"]}
    assert {name: (m["type"], m["required"]) for name, m in modifiers.items()} == {
        "Name": ("text", True), "Chain length": ("dropdown", True), "Gift wrap": ("checkbox", False)}
    assert [v["label"] for v in modifiers["Chain length"]["option_values"]] == ['16"', '18"', '20"']
    assert modifiers["Name"]["config"]["text_max_length"] == 12
    assert [v["value_data"] for v in modifiers["Gift wrap"]["option_values"]] == [
        {"checked_value": True}, {"checked_value": False}]
    one = await h.client.get(h.v3(f"/catalog/products/{NECKLACE}/modifiers"), headers=h.headers)
    assert [m["id"] for m in one.json()["data"]] == [NAME, CHAIN, 125]
    capped = await h.client.get(h.v3("/catalog/products"), headers=h.headers,
                                params={"include": "modifiers", "limit": 50})
    assert len(capped.json()["data"]) == 10  # BigCommerce caps a page with modifiers at 10


async def test_a_product_with_a_required_modifier_is_refused_without_it_everywhere(h):
    without = {"product_id": WALLET, "variant_id": WALLET_NAVY, "quantity": 1}
    refused = await h.client.post(h.v3("/carts"), headers=h.headers, json={"line_items": [without]})
    assert refused.status_code == 422
    body = refused.json()
    assert body["title"] == "Missing or incorrect required fields"
    assert body["errors"] == {"line_items.0.option_selections": "a value is required for 'Engraving'"}
    cart = await h.api_cart()
    added = await h.client.post(h.v3(f"/carts/{cart['id']}/items"), headers=h.headers,
                                json={"line_items": [without]})
    assert added.status_code == 422
    shopper = await h.client.post("/_sim/carts", json={"items": [without]})
    assert shopper.status_code == 422
    blank = await h.client.post(h.v3("/carts"), headers=h.headers, json={"line_items": [_engraved("  ")]})
    assert blank.status_code == 422
    unchanged = await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)
    assert len(unchanged.json()["data"]["line_items"]["physical_items"]) == 1


async def test_unknown_options_and_values_are_refused_with_the_field_named(h):
    cases = {
        "line_items.0.option_selections.1.option_id": _engraved(option_selections=[
            {"option_id": ENGRAVING, "option_value": "Hi"}, {"option_id": 999, "option_value": 1}]),
        "line_items.0.option_selections.1.option_value": _engraved(option_selections=[
            {"option_id": ENGRAVING, "option_value": "Hi"}, {"option_id": GIFT_WRAP, "option_value": 4}]),
        "line_items.0.option_selections.0.option_value": _engraved("x" * 31),
        "line_items.0.variant_id": _engraved(variant_id=301),  # the Blue Mug's
    }
    for field, line in cases.items():
        response = await h.client.post(h.v3("/carts"), headers=h.headers, json={"line_items": [line]})
        assert response.status_code == 422, line
        assert field in response.json()["errors"], response.json()
    not_a_list = await h.client.post(h.v3("/carts"), headers=h.headers,
                                     json={"line_items": [_engraved(option_selections={"option_id": 1})]})
    assert not_a_list.status_code == 422
    contradicting = await h.client.post(h.v3("/carts"), headers=h.headers, json={"line_items": [_engraved(
        option_selections=[{"option_id": ENGRAVING, "option_value": "Hi"}, {"option_id": 15, "option_value": 60}])]})
    assert contradicting.status_code == 422  # Black, but the variant is Navy


async def test_a_line_carries_its_variant_options_modifiers_and_price_override(h):
    necklace = {"product_id": NECKLACE, "quantity": 2, "list_price": 70, "option_selections": [
        {"option_id": NAME, "option_value": "Ana"}, {"option_id": CHAIN, "option_value": 1221},
        {"option_id": 125, "option_value": 1250}]}
    by_options = {"product_id": WALLET, "quantity": 1, "option_selections": [
        {"option_id": 15, "option_value": 62}, {"option_id": ENGRAVING, "option_value": "J.K."}]}
    response = await h.client.post(h.v3("/carts"), headers=h.headers, params=OPTIONS,
                                   json={"line_items": [necklace, by_options]})
    assert response.status_code == 201, response.text
    cart = response.json()["data"]
    first, second = cart["line_items"]["physical_items"]
    assert first["options"] == [
        {"name": "Name", "nameId": NAME, "value": "Ana"},
        {"name": "Chain length", "nameId": CHAIN, "value": '18"', "valueId": 1221},
        {"name": "Gift wrap", "nameId": 125, "value": "Yes", "valueId": 1250},
    ]
    assert (first["list_price"], first["extended_list_price"], first["original_price"]) == (70.0, 140.0, 79.0)
    assert cart["base_amount"] == 140.0 + 59.0
    assert second["variant_id"] == WALLET_NAVY  # the variant the colour selection makes
    assert second["options"] == [
        {"name": "Color", "nameId": 15, "value": "Navy", "valueId": 62},
        {"name": "Engraving", "nameId": ENGRAVING, "value": "J.K."},
    ]
    optional = await h.client.post(h.v3("/carts"), headers=h.headers,
                                   json={"line_items": [{"product_id": COASTERS, "quantity": 1}]})
    assert optional.status_code == 201  # the coasters' monogram is optional


async def test_the_same_variant_with_another_engraving_is_a_line_of_its_own(h):
    created = await h.client.post(h.v3("/carts"), headers=h.headers, json={"line_items": [_engraved("Ana")]})
    cart_id = created.json()["data"]["id"]
    path = h.v3(f"/carts/{cart_id}/items")
    await h.client.post(path, headers=h.headers, json={"line_items": [_engraved("Ben")]})
    again = await h.client.post(path, headers=h.headers, params=OPTIONS, json={"line_items": [_engraved("Ana")]})
    lines = again.json()["data"]["line_items"]["physical_items"]
    assert [(line["options"][-1]["value"], line["quantity"]) for line in lines] == [("Ana", 2), ("Ben", 1)]


async def test_an_order_lists_each_lines_modifiers_among_its_product_options(h):
    line = {"product_id": NECKLACE, "quantity": 1, "option_selections": [
        {"option_id": NAME, "option_value": "Ana"}, {"option_id": CHAIN, "option_value": 1220}]}
    cart = await h.api_cart(line)
    base = h.v3(f"/checkouts/{cart['id']}")
    address = {"first_name": "Ana", "last_name": "Lee", "email": "ana@buyer.example", "address1": "12 Elm St",
               "city": "Austin", "country_code": "US", "postal_code": "78701"}
    await h.client.post(f"{base}/billing-address", headers=h.headers, json=address)
    items = [{"item_id": cart["line_items"]["physical_items"][0]["id"], "quantity": 1}]
    shipped = await h.client.post(f"{base}/consignments", headers=h.headers, json=[
        {"address": address, "line_items": items}], params={"include": "consignments.available_shipping_options"})
    consignment = shipped.json()["data"]["consignments"][0]
    await h.client.put(f"{base}/consignments/{consignment['id']}", headers=h.headers,
                       json={"shipping_option_id": consignment["available_shipping_options"][0]["id"]})
    order_id = (await h.client.post(f"{base}/orders", headers=h.headers)).json()["data"]["id"]
    products = (await h.client.get(h.v2(f"/orders/{order_id}/products"), headers=h.headers)).json()
    assert [(o["display_name"], o["display_value"], o["type"]) for o in products[0]["product_options"]] == [
        ("Name", "Ana", "Text field"), ("Chain length", '16"', "Multiple choice")]
