"""Rules through the internal API, on two replicas: saved normalised, refused when invalid, seen by both replicas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cartio_platform.testing import wait_until

from .conftest import Blacklist


async def test_a_rule_is_saved_normalised_with_who_made_it_and_listed(bl: Blacklist) -> None:
    answer = await bl.add(kind="email", value=" Fraud@Bad.Example ", note="chargebacks")
    assert answer.status_code == 201, answer.text
    rule = answer.json()
    assert rule["value"] == "fraud@bad.example"
    assert rule["action"] == "block"
    assert rule["enabled"] is True
    assert rule["created_by"] == "staff@shop.example"
    assert rule["hits"] == 0
    assert rule["last_hit_at"] is None
    listed = (await bl.a.get(bl.path("/rules"))).json()["items"]
    assert [r["id"] for r in listed] == [rule["id"]]


@pytest.mark.parametrize(("rule", "says"), [
    ({"kind": "email", "value": "fraud-at-bad.example"}, "not a valid email address"),
    ({"kind": "ip", "value": "81.2.69.999"}, "not an IPv4 or IPv6 address"),
    ({"kind": "cidr", "value": "81.2.69.0/40"}, "not an IPv4 or IPv6 range"),
    ({"kind": "country", "value": "XX"}, "not an ISO 3166 alpha-2 country code"),
    ({"kind": "email_domain", "value": "bad..example"}, "not a valid email domain"),
    ({"kind": "phone", "value": "555"}, "kind"),
    ({"kind": "ip", "value": "81.2.69.160", "action": "maybe"}, "action"),
    ({"kind": "ip", "value": "81.2.69.160", "expires_at": "2020-01-01T00:00:00Z"}, "in the past"),
])
async def test_an_invalid_rule_gets_422_saying_what_is_wrong_and_nothing_is_saved(
    bl: Blacklist, rule: dict[str, str], says: str
) -> None:
    answer = await bl.add(**rule)
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["error"]["message"]
    assert (await bl.a.get(bl.path("/rules"))).json()["items"] == []


async def test_a_duplicate_rule_gets_422_even_written_differently(bl: Blacklist) -> None:
    assert (await bl.add(kind="cidr", value="10.0.0.0/8")).status_code == 201
    answer = await bl.add(kind="cidr", value="10.1.2.3/8", action="allow")
    assert answer.status_code == 422
    assert "exists already" in answer.json()["error"]["message"]
    assert len((await bl.a.get(bl.path("/rules"))).json()["items"]) == 1


async def test_a_rule_made_on_one_replica_is_enforced_by_the_other(bl: Blacklist) -> None:
    assert not (await bl.check(bl.b, ip="81.2.69.160"))["blocked"]
    rule = (await bl.add(bl.a, kind="cidr", value="81.2.69.0/24")).json()

    async def blocked_on_b() -> bool:
        return bool((await bl.check(bl.b, ip="81.2.69.160"))["blocked"])

    await wait_until(blocked_on_b, timeout=10, what="replica B blocking by A's rule")
    answer = await bl.b.patch(bl.path(f"/rules/{rule['id']}"), json={"enabled": False})
    assert answer.status_code == 200
    assert answer.json()["enabled"] is False

    async def unblocked_on_a() -> bool:
        return not (await bl.check(bl.a, ip="81.2.69.160"))["blocked"]

    await wait_until(unblocked_on_a, timeout=10, what="replica A seeing B's disable")


async def test_check_names_the_rules_and_an_allow_rule_wins(bl: Blacklist) -> None:
    await bl.add(kind="country", value="gb")
    await bl.add(kind="ip", value="81.2.69.160", action="allow", note="our office")
    office = await bl.check(ip="81.2.69.160", country="GB")
    assert office["blocked"] is False
    assert {(r["kind"], r["action"]) for r in office["rules"]} == {("country", "block"), ("ip", "allow")}
    shopper = await bl.check(ip="81.2.69.161", country="GB")
    assert shopper["blocked"] is True
    assert [r["matched"] for r in shopper["rules"]] == ["GB"]


async def test_check_refuses_nonsense_with_422(bl: Blacklist) -> None:
    assert (await bl.a.post(bl.path("/check"), json={})).status_code == 422
    answer = await bl.a.post(bl.path("/check"), json={"ip": "not-an-ip"})
    assert answer.status_code == 422
    assert "not an IPv4 or IPv6 address" in answer.json()["error"]["message"]


async def test_an_expiring_rule_stops_matching_when_it_expires(bl: Blacklist) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    assert (await bl.add(kind="email_domain", value="bad.example", expires_at=soon.isoformat())).status_code == 201
    assert (await bl.check(email="a@shop.bad.example"))["blocked"]

    async def expired() -> bool:
        return not (await bl.check(email="a@shop.bad.example"))["blocked"]

    await wait_until(expired, timeout=5, what="the rule expiring")


async def test_routes_need_the_service_token_and_a_known_rule(bl: Blacklist) -> None:
    answer = await bl.a.get(bl.path("/rules"), headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401
    assert (await bl.a.patch(bl.path("/rules/999999"), json={"enabled": True})).status_code == 404
    assert (await bl.a.delete(bl.path("/rules/999999"))).status_code == 404
    assert (await bl.a.patch(bl.path("/rules/1"), json={"value": "x"})).status_code == 422
