"""Store information (v2 GET /store): name, time zone and currency as BigCommerce answers them; the scope it needs."""

from __future__ import annotations

from .conftest import Harness


async def test_the_store_information_is_a_bare_v2_object_with_the_time_zone_and_currency(h: Harness) -> None:
    answer = await h.client.get(h.v2("/store"), headers=h.headers)
    assert answer.status_code == 200, answer.text
    info = answer.json()
    assert info["id"] == "teststore1"
    assert info["name"] == "Cartio Demo Store"
    assert info["timezone"]["name"] == "America/Chicago"
    assert (info["timezone"]["raw_offset"], info["timezone"]["dst_offset"]) == (-6 * 3600, -5 * 3600)
    assert info["timezone"]["dst_correction"] is True
    assert info["currency"] == "USD"
    assert info["decimal_places"] == 2
    assert "x-rate-limit-requests-left" in answer.headers


async def test_the_merchant_changing_the_settings_changes_the_answer(h: Harness) -> None:
    changed = await h.client.patch("/_sim/store/information",
                                   json={"name": "Tokyo Tea", "timezone": "Asia/Tokyo", "currency": "JPY"})
    assert changed.status_code == 200, changed.text
    info = (await h.client.get(h.v2("/store"), headers=h.headers)).json()
    assert (info["name"], info["timezone"]["name"], info["currency"]) == ("Tokyo Tea", "Asia/Tokyo", "JPY")
    assert info["timezone"]["raw_offset"] == info["timezone"]["dst_offset"] == 9 * 3600
    assert info["timezone"]["dst_correction"] is False


async def test_an_unknown_time_zone_is_refused_and_nothing_changes(h: Harness) -> None:
    answer = await h.client.patch("/_sim/store/information", json={"timezone": "Mars/Olympus"})
    assert answer.status_code == 422
    assert "not an IANA time zone name" in answer.text
    info = (await h.client.get(h.v2("/store"), headers=h.headers)).json()
    assert info["timezone"]["name"] == "America/Chicago"


async def test_without_the_information_scope_it_is_403_and_without_a_token_401(h: Harness) -> None:
    token = (await h.client.post("/_sim/api_token", json={"scope": "store_cart"})).json()["access_token"]
    refused = await h.client.get(h.v2("/store"), headers={"X-Auth-Token": token})
    assert refused.status_code == 403
    assert isinstance(refused.json(), list)  # v2 error bodies are arrays
    assert refused.json()[0]["status"] == 403
    assert (await h.client.get(h.v2("/store"))).status_code == 401
