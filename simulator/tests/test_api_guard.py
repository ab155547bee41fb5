"""Token check, rate limiting, injected faults, error body shapes."""

from __future__ import annotations

RATE_HEADERS = (
    "x-rate-limit-time-window-ms",
    "x-rate-limit-time-reset-ms",
    "x-rate-limit-requests-quota",
    "x-rate-limit-requests-left",
)


async def test_missing_or_wrong_token_is_401_with_v3_error(h):
    for headers in ({}, {"X-Auth-Token": "not-the-token"}):
        response = await h.client.get(h.v3("/catalog/products"), headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401
        assert set(body) >= {"status", "title", "type", "errors"}


async def test_token_of_another_store_is_401(h):
    other = (await h.client.post("/_sim/stores")).json()["store_hash"]
    response = await h.client.get(f"/stores/{other}/v3/catalog/products", headers=h.headers)
    assert response.status_code == 401


async def test_every_response_has_rate_limit_headers_and_quota_counts_down(h):
    first = await h.client.get(h.v3("/catalog/products"), headers=h.headers)
    second = await h.client.get(h.v3("/carts/unknown"), headers=h.headers)
    assert second.status_code == 404
    for response in (first, second):
        assert all(name in response.headers for name in RATE_HEADERS)
    assert first.headers["x-rate-limit-time-window-ms"] == "30000"
    assert first.headers["x-rate-limit-requests-quota"] == "150"
    left = int(first.headers["x-rate-limit-requests-left"])
    assert int(second.headers["x-rate-limit-requests-left"]) == left - 1


async def test_quota_exhausted_gives_429_with_headers(h):
    assert (await h.client.post("/_sim/faults", json={"rate_limit_per_30s": 3})).status_code == 200
    statuses = [(await h.client.get(h.v3("/catalog/products"), headers=h.headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    throttled = await h.client.get(h.v3("/catalog/products"), headers=h.headers)
    assert throttled.status_code == 429
    assert throttled.headers["x-rate-limit-requests-left"] == "0"
    assert throttled.headers["x-rate-limit-requests-quota"] == "3"
    assert 0 < int(throttled.headers["x-rate-limit-time-reset-ms"]) <= 30000
    assert int(throttled.headers["x-retry-after"]) >= 1
    await h.client.post("/_sim/faults", json={})
    assert (await h.client.get(h.v3("/catalog/products"), headers=h.headers)).status_code == 200


async def test_api_error_rate_one_gives_5xx_but_control_api_still_works(h):
    await h.client.post("/_sim/faults", json={"api_error_rate": 1})
    for path in (h.v3("/catalog/products"), h.v2("/orders")):
        response = await h.client.get(path, headers=h.headers)
        assert response.status_code in (500, 503)
    assert (await h.client.get("/_sim/store")).status_code == 200
    assert (await h.client.post("/_sim/faults", json={})).json()["api_error_rate"] is None
    assert (await h.client.get(h.v3("/catalog/products"), headers=h.headers)).status_code == 200


async def test_api_throttle_rate_one_gives_429_with_retry_after_and_does_nothing(h):
    await h.client.post("/_sim/faults", json={"api_throttle_rate": 1})
    throttled = await h.client.get(h.v3("/catalog/products"), headers=h.headers)
    assert throttled.status_code == 429
    assert throttled.headers["x-retry-after"] == "1"
    assert int(throttled.headers["x-rate-limit-requests-left"]) > 0  # no header warned of it
    assert (await h.client.get("/_sim/api_usage")).json()["throttled"] == 1
    await h.client.post("/_sim/faults", json={})
    assert (await h.client.get(h.v3("/catalog/products"), headers=h.headers)).status_code == 200


async def test_faults_reject_unknown_fields_and_bad_rates(h):
    assert (await h.client.post("/_sim/faults", json={"api_error_rat": 1})).status_code == 422
    assert (await h.client.post("/_sim/faults", json={"api_error_rate": 2})).status_code == 422
    assert (await h.client.post("/_sim/faults", json={"api_throttle_rate": -0.1})).status_code == 422


async def test_v2_errors_are_arrays(h):
    response = await h.client.get(h.v2("/orders/99999"), headers=h.headers)
    assert response.status_code == 404
    body = response.json()
    assert isinstance(body, list)
    assert body[0]["status"] == 404
    assert "message" in body[0]


async def test_missing_scope_is_403(h):
    token = (await h.client.post("/_sim/api_token", json={"scope": "store_v2_orders"})).json()["access_token"]
    response = await h.client.get(h.v3("/catalog/products"), headers={"X-Auth-Token": token})
    assert response.status_code == 403


async def test_lost_response_fault_carries_the_request_out_but_answers_504(h):  # type: ignore[no-untyped-def]
    await h.client.post("/_sim/faults", json={"api_lost_response_rate": 1, "api_fault_paths": ["/v3/carts"]})
    lost = await h.client.post(h.v3("/carts"), headers=h.headers,
                               json={"line_items": [{"product_id": 111, "quantity": 1}]})
    assert lost.status_code == 504
    made = [c for c in (await h.client.get("/_sim/carts")).json()]
    assert len(made) == 1  # the store made the cart though nobody heard
    other = await h.client.get(h.v3("/catalog/products"), headers=h.headers)
    assert other.status_code == 200  # only the named paths are affected
    await h.client.post("/_sim/faults", json={})
    assert (await h.client.post(h.v3("/carts"), headers=h.headers,
                                json={"line_items": [{"product_id": 111, "quantity": 1}]})).status_code == 201
