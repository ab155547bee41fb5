"""The seed's promise, end to end through the simulator and every real process: a merchant blocks an email, an IP
or a country in Cartio; that shopper can still make a cart, but it is deleted automatically and their checkout
cannot complete (the order ends Declined). A rule added later acts on a cart that already exists; an allow rule
wins over every block; a disabled or removed rule blocks no more."""

from __future__ import annotations

from typing import Any

import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e

DECLINED = 6
TIMEOUT = 15.0
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store, user_id=9201, email="owner@shop.example")


@pytest.fixture(scope="module")
async def items(system: System) -> list[dict[str, Any]]:
    return [{"product_id": (await system.products())[0]["id"], "quantity": 1}]


async def add_rule(merchant: Merchant, **rule: Any) -> dict[str, Any]:
    answer = await merchant.send("POST", "/api/blacklist/rules", json=rule)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def in_store(system: System, store: str, cart_id: str) -> bool:
    return (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).status_code == 200


async def order_status(system: System, store: str, order_id: int) -> int | None:
    orders = (await system.sim_call("GET", "/_sim/orders", store=store)).json()
    return next((o["status_id"] for o in orders if o["id"] == order_id), None)


async def is_blocked_everywhere(system: System, store: str, merchant: Merchant, cart_id: str,
                                *rule_ids: int) -> dict[str, Any]:
    """The cart is gone from the store and shows blocked in Cartio, by one of these rules."""
    async def gone() -> bool:
        return not await in_store(system, store, cart_id)

    await wait_until(gone, timeout=TIMEOUT, what="the cart deleted in the store")
    cart = await system.wait_for_cart(merchant, cart_id, lambda c: c["status"] == "blocked", timeout=TIMEOUT)
    assert cart["deleted_reason"] == "blocked"
    [entry] = [e for e in cart["timeline"] if e["action"] == "blocked"]
    assert entry["detail"]["rule_id"] in rule_ids
    assert entry["actor"] == "system"
    return cart


async def cannot_check_out(system: System, store: str, cart_id: str, body: dict[str, Any]) -> None:
    """The shopper pays: either the cart is gone already (404), or the order exists and ends Declined."""
    answer = await system.sim_call("POST", f"/_sim/carts/{cart_id}/checkout", store=store, json=body)
    if answer.status_code == 404:
        return
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["id"]

    async def declined() -> bool:
        return await order_status(system, store, order_id) == DECLINED

    await wait_until(declined, timeout=TIMEOUT, what=f"order {order_id} declined in the store")


async def judged(merchant: Merchant, cart_or_order: str | int, **rule: Any) -> None:
    """Wait until the blacklist has taken the cart (or order) in, and so judged it: a preview of an allow rule
    lists every active cart and recent order it matches, whatever the other rules say."""
    async def listed() -> bool:
        answer = await merchant.client.post("/api/blacklist/rules/preview", json={**rule, "action": "allow"})
        assert answer.status_code == 200, answer.text
        preview = answer.json()
        return cart_or_order in [c["cart_id"] for c in preview["carts"]] + [o["order_id"] for o in preview["orders"]]

    await wait_until(listed, timeout=TIMEOUT, what=f"the blacklist judging {cart_or_order}")


async def hits_of(merchant: Merchant, rule_id: int) -> list[dict[str, Any]]:
    answer = await merchant.get("/api/blacklist/hits", params={"rule_id": rule_id})
    assert answer.status_code == 200, answer.text
    hits: list[dict[str, Any]] = answer.json()["items"]
    return hits


async def rule_hits(merchant: Merchant, rule_id: int) -> int:
    hits: int = (await merchant.get(f"/api/blacklist/rules/{rule_id}")).json()["hits"]
    return hits


async def test_a_blocked_email_can_make_a_cart_but_it_is_deleted_and_its_checkout_is_declined(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    rule = await add_rule(merchant, kind="email", value="Fraud@Bad.example", note="chargebacks")
    assert rule["value"] == "fraud@bad.example"
    assert rule["created_by"] == "owner@shop.example"

    made = await system.shopper_cart(store, items, email="FRAUD@bad.example")  # the shopper can make a cart
    cart = await is_blocked_everywhere(system, store, merchant, made["id"], rule["id"])
    assert cart["customer"]["email"].lower() == "fraud@bad.example"
    checkout = await system.sim_call("POST", f"/_sim/carts/{made['id']}/checkout", store=store, json={})
    assert checkout.status_code == 404  # nothing left to pay for

    # A guest who types the blocked address only when paying: the order exists, and is declined.
    guest = await system.shopper_cart(store, items)
    await system.wait_for_cart(merchant, guest["id"])
    paid = await system.sim_call("POST", f"/_sim/carts/{guest['id']}/checkout", store=store,
                                 json={"email": "fraud@BAD.example"})
    assert paid.status_code == 201, paid.text
    order_id = paid.json()["id"]

    async def declined() -> bool:
        return await order_status(system, store, order_id) == DECLINED

    await wait_until(declined, timeout=TIMEOUT, what="the order declined in the store")
    after = await system.wait_for_cart(merchant, guest["id"], lambda c: c["status"] == "blocked", timeout=TIMEOUT)
    assert [e["detail"]["order_id"] for e in after["timeline"] if e["action"] == "order_declined"] == [order_id]

    hits = await hits_of(merchant, rule["id"])
    seen = {(h["subject"], h["cart_id"], h["order_id"]) for h in hits}
    assert ("cart", made["id"], None) in seen
    assert ("order", guest["id"], order_id) in seen
    # The guest's cart may be judged too when the email reaches it; nothing else was hit, each once.
    assert seen <= {("cart", made["id"], None), ("order", guest["id"], order_id), ("cart", guest["id"], None)}
    assert len(seen) == len(hits)
    assert await rule_hits(merchant, rule["id"]) == len(hits)


async def test_a_blocked_ip_from_the_storefront_beacon_gets_its_cart_deleted_and_cannot_check_out(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    rule = await add_rule(merchant, kind="ip", value="2.125.160.216")
    made = await system.shopper_cart(store, items, ip="2.125.160.216", user_agent=BROWSER)
    cart = await is_blocked_everywhere(system, store, merchant, made["id"], rule["id"])
    assert cart["customer"]["ip"] == "2.125.160.216"
    checkout = await system.sim_call("POST", f"/_sim/carts/{made['id']}/checkout", store=store, json={})
    assert checkout.status_code == 404
    # Paying at once, before the cart could be deleted: then the order is declined.
    hasty = await system.shopper_cart(store, items, ip="2.125.160.216", user_agent=BROWSER)
    await cannot_check_out(system, store, hasty["id"], {"email": "someone@ip.example"})

    # A range blocks every address in it, v6 too.
    cidr = await add_rule(merchant, kind="cidr", value="2001:db8:abcd::/48")
    ranged = await system.shopper_cart(store, items, ip="2001:db8:abcd:12::7", user_agent=BROWSER)
    await is_blocked_everywhere(system, store, merchant, ranged["id"], cidr["id"])


async def test_a_blocked_country_found_from_the_beacons_ip_gets_its_cart_deleted_and_cannot_check_out(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    rule = await add_rule(merchant, kind="country", value="cn")
    assert rule["value"] == "CN"
    made = await system.shopper_cart(store, items, ip="175.16.199.1", user_agent=BROWSER)
    cart = await is_blocked_everywhere(system, store, merchant, made["id"], rule["id"])
    assert cart["customer"]["country"] == "CN"
    checkout = await system.sim_call("POST", f"/_sim/carts/{made['id']}/checkout", store=store, json={})
    assert checkout.status_code == 404

    # A shopper with no known IP whose billing address is in the blocked country: the order is declined.
    guest = await system.shopper_cart(store, items)
    await system.wait_for_cart(merchant, guest["id"])
    address = {"first_name": "Li", "last_name": "Wei", "address1": "1 Road", "city": "Changchun",
               "postal_code": "130000", "country_code": "CN", "email": "li@country.example"}
    paid = await system.sim_call("POST", f"/_sim/carts/{guest['id']}/checkout", store=store,
                                 json={"email": "li@country.example", "billing_address": address})
    assert paid.status_code == 201, paid.text
    order_id = paid.json()["id"]

    async def declined() -> bool:
        return await order_status(system, store, order_id) == DECLINED

    await wait_until(declined, timeout=TIMEOUT, what="the order declined in the store")


async def test_a_rule_added_later_deletes_a_matching_cart_that_already_exists(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    made = await system.shopper_cart(store, items, ip="89.160.20.112", user_agent=BROWSER)
    untouched = await system.shopper_cart(store, items, ip="81.2.69.160", user_agent=BROWSER)
    await system.wait_for_cart(merchant, made["id"], lambda c: c["customer"]["country"] == "SE", timeout=TIMEOUT)
    await judged(merchant, made["id"], kind="country", value="SE")
    await judged(merchant, untouched["id"], kind="country", value="GB")
    assert await in_store(system, store, made["id"])

    preview = await merchant.client.post("/api/blacklist/rules/preview", json={"kind": "country", "value": "SE"})
    assert [c["cart_id"] for c in preview.json()["carts"]] == [made["id"]]
    rule = await add_rule(merchant, kind="country", value="SE")
    await is_blocked_everywhere(system, store, merchant, made["id"], rule["id"])
    assert await in_store(system, store, untouched["id"])
    assert (await merchant.get(f"/api/carts/{untouched['id']}")).json()["status"] == "active"


async def test_an_allow_rule_wins_over_every_block_until_it_is_removed(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    domain = await add_rule(merchant, kind="email_domain", value="office.example")
    country = await add_rule(merchant, kind="country", value="DE")
    allow = await add_rule(merchant, kind="email", value="me@office.example", action="allow", note="our office")

    mine = await system.shopper_cart(store, items, email="me@office.example", ip="5.9.0.1",
                                     user_agent=BROWSER)
    colleague = await system.shopper_cart(store, items, email="intern@sales.office.example")
    await is_blocked_everywhere(system, store, merchant, colleague["id"], domain["id"])
    await system.wait_for_cart(merchant, mine["id"], lambda c: c["customer"]["country"] == "DE", timeout=TIMEOUT)
    await judged(merchant, mine["id"], kind="country", value="DE")
    assert await in_store(system, store, mine["id"])
    check = (await merchant.client.post("/api/blacklist/check",
                                        json={"email": "me@office.example", "country": "DE"})).json()
    assert check["blocked"] is False
    assert sorted(r["id"] for r in check["rules"]) == sorted([domain["id"], country["id"], allow["id"]])

    # Without the allow rule, the blocks it held back act on the cart at once.
    removed = await merchant.send("DELETE", f"/api/blacklist/rules/{allow['id']}")
    assert removed.status_code == 204
    await is_blocked_everywhere(system, store, merchant, mine["id"], domain["id"], country["id"])


async def test_a_disabled_or_removed_rule_blocks_no_more(
    system: System, store: str, merchant: Merchant, items: list[dict[str, Any]]
) -> None:
    paused = await add_rule(merchant, kind="email", value="again@later.example")
    dropped = await add_rule(merchant, kind="ip", value="216.160.83.56")
    changed = await merchant.send("PATCH", f"/api/blacklist/rules/{paused['id']}", json={"enabled": False})
    assert changed.status_code == 200, changed.text
    assert (await merchant.send("DELETE", f"/api/blacklist/rules/{dropped['id']}")).status_code == 204

    made = await system.shopper_cart(store, items, email="again@later.example", ip="216.160.83.56",
                                     user_agent=BROWSER)
    await system.wait_for_cart(merchant, made["id"], lambda c: c["customer"]["ip"] == "216.160.83.56",
                               timeout=TIMEOUT)
    await judged(merchant, made["id"], kind="ip", value="216.160.83.56")
    assert await in_store(system, store, made["id"])
    assert (await merchant.get(f"/api/carts/{made['id']}")).json()["status"] == "active"
    paid = await system.sim_call("POST", f"/_sim/carts/{made['id']}/checkout", store=store, json={})
    assert paid.status_code == 201, paid.text
    order_id = paid.json()["id"]
    await judged(merchant, order_id, kind="ip", value="216.160.83.56")
    # Judged: a match would have been recorded as a hit in that same transaction.
    assert await hits_of(merchant, paused["id"]) == []
    assert await hits_of(merchant, dropped["id"]) == []
    assert await order_status(system, store, order_id) != DECLINED
    cart = await system.wait_for_cart(merchant, made["id"], lambda c: c["status"] == "converted", timeout=TIMEOUT)
    assert cart["order_id"] == order_id
