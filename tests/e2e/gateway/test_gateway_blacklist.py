"""The merchant's blacklist API through the gateway: rules as the staff member, the blacklist's 422s passed
through, the store always the session's, every rule change audited, check and preview changing nothing."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
async def shop(gw: Any) -> dict[str, Any]:
    """A store with a staff member and a shopper's cart with an email; a second store beside it."""
    store, other = await gw.installed_store(), await gw.installed_store()
    staff = await gw.merchant(store, user_id=7301, email="rules@shop.example")
    cart = await gw.shopper_cart(staff, [("Red Mug", 1)], email="Someone@Preview.example")
    return {"store": store, "staff": staff, "other": await gw.merchant(other), "cart": cart["id"]}


async def audit(merchant: Any, count: int) -> list[dict[str, Any]]:
    answer = await merchant.get("/api/audit", params={"limit": count})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def rule_ids(merchant: Any) -> list[int]:
    answer = await merchant.get("/api/blacklist/rules")
    assert answer.status_code == 200, answer.text
    return [rule["id"] for rule in answer.json()["items"]]


async def test_a_staff_member_adds_changes_and_removes_a_rule_in_their_name_and_the_audit_log_says_so(
    shop: dict[str, Any],
) -> None:
    staff = shop["staff"]
    made = await staff.send("POST", "/api/blacklist/rules",
                            json={"kind": "ip", "value": "203.0.113.50", "note": "chargebacks"})
    assert made.status_code == 201, made.text
    rule = made.json()
    assert (rule["kind"], rule["value"], rule["action"], rule["enabled"]) == ("ip", "203.0.113.50", "block", True)
    assert rule["created_by"] == "rules@shop.example"
    assert rule["note"] == "chargebacks"
    assert rule["hits"] == 0
    assert rule["created_at"]
    assert rule["id"] in await rule_ids(staff)
    assert (await staff.get(f"/api/blacklist/rules/{rule['id']}")).json() == rule

    changed = await staff.send("PATCH", f"/api/blacklist/rules/{rule['id']}", json={"enabled": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["enabled"] is False
    assert (await staff.get(f"/api/blacklist/rules/{rule['id']}")).json()["enabled"] is False

    removed = await staff.send("DELETE", f"/api/blacklist/rules/{rule['id']}")
    assert removed.status_code == 204, removed.text
    gone = await staff.get(f"/api/blacklist/rules/{rule['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "rule_not_found"
    assert rule["id"] not in await rule_ids(staff)

    entries = await audit(staff, 3)
    assert [(e["action"], e["status"]) for e in entries] == [
        ("DELETE /api/blacklist/rules/{rule_id}", 204),
        ("PATCH /api/blacklist/rules/{rule_id}", 200),
        ("POST /api/blacklist/rules", 201),
    ]
    assert all(e["actor"] == {"id": 7301, "email": "rules@shop.example"} for e in entries)
    assert [e["target"] for e in entries[:2]] == [str(rule["id"])] * 2
    assert entries[1]["request"]["body"] == {"enabled": False}
    assert entries[2]["request"]["body"]["value"] == "203.0.113.50"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"kind": "email", "value": "not-an-address"}, "not a valid email address"),
        ({"kind": "ip", "value": "300.1.2.3"}, "not an IPv4 or IPv6 address"),
        ({"kind": "cidr", "value": "10.0.0.0/33"}, "CIDR"),
        ({"kind": "country", "value": "XZ"}, "ISO 3166"),
        ({"kind": "email", "value": "a@b.example", "expires_at": "2020-01-01T00:00:00Z"}, "in the past"),
        ({"kind": "planet", "value": "mars"}, "kind"),
    ],
    ids=["email", "ip", "cidr", "country", "expired", "kind"],
)
async def test_a_bad_rule_gets_the_blacklists_422_with_what_is_wrong_and_nothing_is_saved(
    shop: dict[str, Any], body: dict[str, Any], says: str
) -> None:
    staff = shop["staff"]
    before = await rule_ids(staff)
    answer = await staff.send("POST", "/api/blacklist/rules", json=body)
    assert answer.status_code == 422, answer.text
    assert says in answer.text
    assert await rule_ids(staff) == before
    [entry] = await audit(staff, 1)
    assert (entry["action"], entry["status"]) == ("POST /api/blacklist/rules", 422)


async def test_a_duplicate_rule_is_refused_and_a_rule_change_needs_the_csrf_token(shop: dict[str, Any]) -> None:
    staff = shop["staff"]
    first = await staff.send("POST", "/api/blacklist/rules", json={"kind": "country", "value": "kp"})
    assert first.status_code == 201, first.text
    again = await staff.send("POST", "/api/blacklist/rules", json={"kind": "country", "value": "KP"})
    assert again.status_code == 422
    assert "exists already" in again.json()["error"]["message"]

    rule_id = first.json()["id"]
    unsigned = await staff.client.delete(f"/api/blacklist/rules/{rule_id}")  # no X-CSRF-Token
    assert unsigned.status_code == 403
    assert (await staff.get(f"/api/blacklist/rules/{rule_id}")).status_code == 200
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999"):
        answer = await staff.send("PATCH", f"/api/blacklist/rules/{bad}", json={"enabled": False})
        assert answer.status_code == 404, bad
        assert answer.json()["error"]["code"] == "rule_not_found"
    empty = await staff.send("PATCH", f"/api/blacklist/rules/{rule_id}", json={})
    assert empty.status_code == 422
    assert "at least one of" in empty.json()["error"]["message"]
    assert (await staff.send("POST", "/api/blacklist/rules", content=b"[1]")).status_code == 422


async def test_another_stores_staff_can_neither_see_nor_touch_a_stores_rules(shop: dict[str, Any]) -> None:
    staff, stranger = shop["staff"], shop["other"]
    made = await staff.send("POST", "/api/blacklist/rules", json={"kind": "email_domain", "value": "rival.example"})
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    assert rule_id not in await rule_ids(stranger)
    assert (await stranger.get(f"/api/blacklist/rules/{rule_id}")).status_code == 404
    assert (await stranger.send("PATCH", f"/api/blacklist/rules/{rule_id}", json={"enabled": False})).status_code == 404
    assert (await stranger.send("DELETE", f"/api/blacklist/rules/{rule_id}")).status_code == 404
    # A store named in the body is dropped: the rule is the session's store's.
    own = await stranger.send("POST", "/api/blacklist/rules",
                              json={"kind": "email_domain", "value": "rival.example", "store_hash": shop["store"]})
    assert own.status_code == 201, own.text
    assert (await staff.get(f"/api/blacklist/rules/{rule_id}")).json()["enabled"] is True
    assert own.json()["id"] not in await rule_ids(staff)


async def test_check_and_preview_say_what_a_rule_would_hit_without_saving_it(shop: dict[str, Any]) -> None:
    staff, cart = shop["staff"], shop["cart"]
    before = await rule_ids(staff)
    audited = await audit(staff, 1)

    preview = await staff.client.post("/api/blacklist/rules/preview",
                                      json={"kind": "email_domain", "value": "preview.example"})
    assert preview.status_code == 200, preview.text
    assert [c["cart_id"] for c in preview.json()["carts"]] == [cart]
    assert preview.json()["carts"][0]["matched"] == "someone@preview.example"
    nothing = await staff.client.post("/api/blacklist/rules/preview",
                                      json={"kind": "email", "value": "nobody@else.example"})
    assert nothing.json()["carts"] == []
    bad = await staff.client.post("/api/blacklist/rules/preview", json={"kind": "country", "value": "Narnia"})
    assert bad.status_code == 422
    assert "ISO 3166" in bad.json()["error"]["message"]

    # rival.example is blocked in this store (an earlier test); a subdomain of it too.
    check = await staff.client.post("/api/blacklist/check", json={"email": "X@Shop.Rival.example"})
    assert check.status_code == 200, check.text
    assert check.json()["blocked"] is True
    assert [(r["kind"], r["value"], r["matched"]) for r in check.json()["rules"]] == [
        ("email_domain", "rival.example", "x@shop.rival.example")
    ]
    clean = await staff.client.post("/api/blacklist/check", json={"email": "x@friend.example", "ip": "192.0.2.1"})
    assert clean.json() == {"blocked": False, "rules": []}
    assert (await staff.client.post("/api/blacklist/check", json={})).status_code == 422

    # Nothing was saved, nothing blocked, nothing audited.
    assert await rule_ids(staff) == before
    assert (await staff.get(f"/api/carts/{cart}")).json()["status"] == "active"
    assert await audit(staff, 1) == audited


async def test_the_hits_list_names_the_rule_the_cart_and_what_matched(gw: Any, shop: dict[str, Any]) -> None:
    staff = await gw.merchant(shop["store"])
    cart = await gw.shopper_cart(staff, [("Red Mug", 1)], email="hit@hits.example")
    made = await staff.send("POST", "/api/blacklist/rules", json={"kind": "email", "value": "HIT@hits.example"})
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]

    hits = (await staff.get("/api/blacklist/hits", params={"rule_id": rule_id})).json()["items"]
    assert [(h["rule_id"], h["subject"], h["cart_id"], h["matched"]) for h in hits] == [
        (rule_id, "cart", cart["id"], "hit@hits.example")
    ]
    assert hits[0]["hit_at"]
    assert (await staff.get(f"/api/blacklist/rules/{rule_id}")).json()["hits"] == 1
    assert (await shop["other"].get("/api/blacklist/hits")).json()["items"] == []
    assert (await staff.get("/api/blacklist/hits", params={"limit": "lots"})).status_code == 422


async def test_with_the_blacklist_down_its_routes_answer_503_and_nothing_else_breaks(
    gw: Any, shop: dict[str, Any]
) -> None:
    staff = shop["staff"]
    gw.system.stop_process("blacklist")
    try:
        listing = await staff.get("/api/blacklist/rules")
        assert listing.status_code == 503
        assert listing.json()["error"]["code"] == "blacklist_unavailable"
        change = await staff.send("POST", "/api/blacklist/rules", json={"kind": "country", "value": "FR"})
        assert change.status_code == 503
        assert (await staff.get("/api/carts")).status_code == 200
    finally:
        await gw.system.start_process("blacklist")
    assert (await staff.get("/api/blacklist/rules")).status_code == 200
    [entry] = await audit(staff, 1)
    assert (entry["action"], entry["status"]) == ("POST /api/blacklist/rules", 503)
