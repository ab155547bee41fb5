"""Protocol-level behaviour of BigCommerceClient that the simulator cannot produce deterministically.

``httpx.MockTransport`` stands in for the network here, and only here: retries, throttling, unsafe POST retries,
empty v2 lists, pagination links and request headers. Everything else runs against the simulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cartio_bigcommerce import BigCommerceClient, NotFound, RateLimited, Transient

API = "https://api.test"
BASE = f"{API}/stores/ab12cd"
CART_ID = "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
CART = {"id": CART_ID, "customer_id": 0, "cart_amount": 22.0, "version": 2, "line_items": {}}

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, responses: list[httpx.Response | Exception] | Handler) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self._responses = responses

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self._responses):
            return self._responses(request)
        item = self._responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **kwargs: Any) -> BigCommerceClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return BigCommerceClient(
            store_hash="ab12cd", access_token="tok", api_url=API, http=http, sleep=self.sleep, **kwargs
        )


def _data(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"data": obj, "meta": {}}, headers=headers)


def _status(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "title": "x"}, headers=headers)


async def test_headers_and_url() -> None:
    rec = Recorder([_data(CART)])
    async with rec.client(client_id="CID") as bc:
        cart = await bc.get_cart(CART_ID)
    assert cart.id == CART_ID
    request = rec.requests[0]
    assert request.url.path == f"/stores/ab12cd/v3/carts/{CART_ID}"
    # redirect_urls is an include of POST /carts only: BigCommerce refuses it on a read
    assert request.url.params["include"] == "line_items.physical_items.options,line_items.digital_items.options"
    assert request.headers["X-Auth-Token"] == "tok"
    assert request.headers["X-Auth-Client"] == "CID"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Cartio/1.0"


async def test_get_retries_5xx_then_succeeds() -> None:
    rec = Recorder([_status(503), _status(502), _data(CART)])
    async with rec.client() as bc:
        cart = await bc.get_cart(CART_ID)
    assert cart.version == 2
    assert len(rec.requests) == 3
    assert len(rec.sleeps) == 2
    assert 0 < rec.sleeps[0] < rec.sleeps[1] * 2  # exponential backoff with jitter


async def test_get_5xx_exhausted_raises_transient() -> None:
    rec = Recorder(lambda _req: _status(500))
    async with rec.client(max_retries=2) as bc:
        with pytest.raises(Transient) as info:
            await bc.get_cart(CART_ID)
    assert info.value.status == 500
    assert len(rec.requests) == 3


async def test_get_read_timeout_retried() -> None:
    rec = Recorder([httpx.ReadTimeout("slow"), _data(CART)])
    async with rec.client() as bc:
        await bc.get_cart(CART_ID)
    assert len(rec.requests) == 2


async def test_timeouts_exhausted_raise_transient_without_status() -> None:
    rec = Recorder([httpx.ReadTimeout("slow")] * 3)
    async with rec.client(max_retries=2) as bc:
        with pytest.raises(Transient) as info:
            await bc.get_cart(CART_ID)
    assert info.value.status is None


async def test_not_found_is_not_retried() -> None:
    rec = Recorder([_status(404)])
    async with rec.client() as bc:
        with pytest.raises(NotFound):
            await bc.get_cart(CART_ID)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        _status(500),
        _status(503),
        httpx.ReadTimeout("sent, no answer"),
        httpx.RemoteProtocolError("connection dropped"),
        httpx.WriteError("half sent"),
    ],
)
async def test_post_not_retried_once_sent(failure: httpx.Response | Exception) -> None:
    rec = Recorder([failure, _data({"id": 1043})])
    async with rec.client() as bc:
        with pytest.raises(Transient):
            await bc.create_order(CART_ID)
    assert len(rec.requests) == 1, "a POST that may have reached BigCommerce must not be repeated"
    assert rec.sleeps == []


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("no route")])
async def test_post_retried_when_never_sent(failure: Exception) -> None:
    rec = Recorder([failure, _data({"id": 1043})])
    async with rec.client() as bc:
        assert await bc.create_order(CART_ID) == 1043
    assert len(rec.requests) == 2


async def test_429_waits_reset_header_then_retries_even_post() -> None:
    rec = Recorder([_status(429, {"X-Rate-Limit-Time-Reset-Ms": "1500"}), _data({"id": 1043})])
    async with rec.client() as bc:
        assert await bc.create_order(CART_ID) == 1043
    assert len(rec.requests) == 2
    assert rec.sleeps == [pytest.approx(1.5, abs=0.05)]


async def test_429_retry_after_and_backoff_without_headers() -> None:
    rec = Recorder([_status(429, {"X-Retry-After": "2"}), _status(429), _data(CART)])
    async with rec.client() as bc:
        await bc.get_cart(CART_ID)
    assert len(rec.requests) == 3
    assert rec.sleeps[0] >= 2.0 - 0.05  # X-Retry-After seconds
    assert rec.sleeps[1] > 0  # no headers: backoff


async def test_429_exhausted_raises_rate_limited() -> None:
    rec = Recorder(lambda _req: _status(429, {"X-Rate-Limit-Time-Reset-Ms": "100"}))
    async with rec.client(max_retries=2) as bc:
        with pytest.raises(RateLimited) as info:
            await bc.get_cart(CART_ID)
    assert info.value.reset_ms == 100
    assert len(rec.requests) == 3
    assert rec.sleeps[1] > rec.sleeps[0]  # backs off further while 429s continue


async def test_proactive_slowdown_when_quota_low() -> None:
    low = {"X-Rate-Limit-Requests-Left": "2", "X-Rate-Limit-Time-Reset-Ms": "2500"}
    plenty = {"X-Rate-Limit-Requests-Left": "140", "X-Rate-Limit-Time-Reset-Ms": "2500"}
    rec = Recorder([_data(CART, headers=plenty), _data(CART, headers=low), _data(CART), _data(CART)])
    async with rec.client(low_quota_threshold=5) as bc:
        await bc.get_cart(CART_ID)
        assert rec.sleeps == []
        await bc.get_cart(CART_ID)
        assert rec.sleeps == []  # the pause happens before the *next* request
        await bc.get_cart(CART_ID)
        assert rec.sleeps == [pytest.approx(3.0, abs=0.05)]  # ceil(2500 ms / 1000)
        await bc.get_cart(CART_ID)
        assert len(rec.sleeps) == 1


async def test_v2_204_lists_are_empty() -> None:
    rec = Recorder([httpx.Response(204), httpx.Response(204)])
    async with rec.client() as bc:
        assert await bc.list_orders(status_id=11) == []
        assert await bc.get_order_products(1043) == []
    assert rec.requests[0].url.params["status_id"] == "11"


def _order_product(i: int) -> dict[str, Any]:
    return {"id": i, "order_id": 1043, "product_id": 112, "quantity": 1, "price_inc_tax": "22.0000"}


async def test_v2_pages_until_short_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        limit = int(request.url.params["limit"])
        count = limit if page == 1 else 3
        return httpx.Response(200, json=[_order_product(page * 1000 + i) for i in range(count)])

    rec = Recorder(handler)
    async with rec.client() as bc:
        products = await bc.get_order_products(1043)
    assert len(products) == 253
    assert [r.url.params["page"] for r in rec.requests] == ["1", "2"]


async def test_v3_follows_next_links() -> None:
    hook = {"id": 1, "scope": "store/cart/*", "destination": "https://h.example/x", "is_active": True}

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        links = {"current": f"?page={page}&limit=50"}
        if page < 3:
            links["next"] = f"?page={page + 1}&limit=50"
        meta = {"pagination": {"total": 3, "count": 1, "per_page": 1, "current_page": page, "total_pages": 3,
                               "links": links}}  # fmt: skip
        return httpx.Response(200, json={"data": [dict(hook, id=page)], "meta": meta})

    rec = Recorder(handler)
    async with rec.client() as bc:
        hooks = await bc.list_hooks(is_active=True)
    assert [h.id for h in hooks] == [1, 2, 3]
    assert all(r.url.params["is_active"] == "true" for r in rec.requests)


async def test_delete_last_item_204_is_none_and_version_sent() -> None:
    rec = Recorder([httpx.Response(204)])
    async with rec.client() as bc:
        assert await bc.delete_cart_item(CART_ID, "item-1", version=3) is None
    assert rec.requests[0].method == "DELETE"
    assert json.loads(rec.requests[0].content) == {"version": 3}


async def test_owned_http_closed_and_passed_http_left_open() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: _data(CART)))
    async with BigCommerceClient(store_hash="ab12cd", access_token="tok", http=http):
        pass
    assert not http.is_closed
    await http.aclose()
    own = BigCommerceClient(store_hash="ab12cd", access_token="tok")
    await own.aclose()
    assert own._http.is_closed


async def test_mapping_inputs_with_decimals_are_sent_as_numbers() -> None:
    from decimal import Decimal

    rec = Recorder([_data(CART, status=201)])
    async with rec.client() as bc:
        await bc.create_cart([{"product_id": 97, "quantity": 1, "list_price": Decimal("19.50")}], currency="USD")
    body = json.loads(rec.requests[0].content)
    assert body == {
        "customer_id": 0,
        "channel_id": 1,
        "currency": {"code": "USD"},
        "line_items": [{"product_id": 97, "quantity": 1, "list_price": 19.5}],
    }
