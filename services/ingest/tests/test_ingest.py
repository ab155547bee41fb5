"""Ingest against the real broker: webhooks and beacons are checked, confirmed, and published once."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest

from cartio_contracts import Envelope
from cartio_ingest.app import create_app
from cartio_ingest.domain import RateLimiter, client_ip
from cartio_ingest.settings import Settings
from cartio_platform.security import webhook_secret
from cartio_platform.testing import Infra, app_client, wait_until

KEY = "test-webhook-key"
OPS = {"Authorization": "Bearer dev-service-token"}  # /readyz and /metrics need the service token
STORE = "ab12cd"
CART = "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"


def webhook(scope: str = "store/cart/updated", cart_id: str = CART, created_at: int = 1767000123) -> dict[str, Any]:
    data = {"type": "cart", "id": cart_id}
    return {"scope": scope, "store_id": "1009001", "producer": f"stores/{STORE}", "data": data,
            "hash": hashlib.sha1(json.dumps(data).encode()).hexdigest(), "created_at": created_at}


@pytest.fixture
def settings(infra: Infra, namespace: str) -> Settings:
    return Settings(namespace=f"{namespace}.ingest{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url, webhook_key=KEY,
                    beacon_rate_per_minute=5, public_ingest_url="https://ingest.cartio.example")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app_client(app) as c:
        await app.state.runtime.broker.wait_connected(10)
        yield c


@pytest.fixture
async def probe(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    connection = await aio_pika.connect(settings.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(settings.topology.webhooks_exchange, "#")
    await queue.bind(settings.topology.events_exchange, "storefront.#")
    yield queue
    await connection.close()


async def drain(queue: aio_pika.abc.AbstractQueue) -> list[aio_pika.abc.AbstractIncomingMessage]:
    out = []
    while (m := await queue.get(no_ack=True, fail=False)) is not None:
        out.append(m)
    return out


def secret(store: str = STORE) -> dict[str, str]:
    return {"X-Cartio-Secret": webhook_secret(KEY, store)}


async def test_webhook_is_published_with_an_id_derived_from_it(client: httpx.AsyncClient, probe: Any) -> None:
    answers = [await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret()) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    got: list[Any] = []

    async def three_arrived() -> bool:
        got.extend(await drain(probe))
        return len(got) >= 3

    await wait_until(three_arrived, what="three messages")
    assert {m.message_id for m in got} == {answers[0].json()["message_id"]}  # one id: consumers dedupe
    first = got[0]
    assert first.routing_key == "bigcommerce.store.cart.updated"
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    envelope = Envelope.from_bytes(first.body)
    assert envelope.store_hash == STORE
    assert envelope.type == "bigcommerce.webhook_received"
    assert envelope.data["data"] == {"type": "cart", "id": CART}

    other = await client.post("/webhooks/bigcommerce", json=webhook(created_at=1767000999), headers=secret())
    assert other.json()["message_id"] != answers[0].json()["message_id"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Cartio-Secret": "nope"}, {"X-Cartio-Secret": webhook_secret(KEY, "otherstore")},
     {"X-Cartio-Secret": webhook_secret("another-key", STORE)}],
    ids=["missing", "garbage", "other-store", "other-key"],
)
async def test_wrong_or_missing_secret_is_refused_and_nothing_published(
    client: httpx.AsyncClient, probe: Any, headers: dict[str, str]
) -> None:
    answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=headers)
    assert answer.status_code == 401
    assert "X-Cartio-Secret" in answer.json()["error"]["message"]
    # a good webhook after it is the first and only message on the queue
    good = await client.post("/webhooks/bigcommerce", json=webhook(scope="store/cart/created"), headers=secret())
    got = await wait_until(lambda: drain(probe), what="the good webhook")
    assert [m.message_id for m in got] == [good.json()["message_id"]]


async def test_bad_payloads_get_clear_errors(client: httpx.AsyncClient, probe: Any) -> None:
    too_big = webhook()
    too_big["data"]["padding"] = "x" * 70_000
    assert (await client.post("/webhooks/bigcommerce", json=too_big, headers=secret())).status_code == 413
    bad_json = await client.post("/webhooks/bigcommerce", content=b"{nope", headers=secret())
    assert bad_json.status_code == 422
    assert bad_json.json()["error"]["code"] == "invalid_json"
    missing = webhook()
    del missing["scope"]
    answer = await client.post("/webhooks/bigcommerce", json=missing, headers=secret())
    assert answer.status_code == 422
    assert "scope" in answer.json()["error"]["message"]
    assert await drain(probe) == []


async def test_broker_down_answers_503(infra: Infra, namespace: str) -> None:
    settings = Settings(namespace=f"{namespace}.down", amqp_url="amqp://guest:guest@127.0.0.1:1/", webhook_key=KEY)
    async with app_client(create_app(settings)) as client:
        answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "broker_unavailable"
        assert (await client.get("/readyz", headers=OPS)).status_code == 503


async def test_beacon_publishes_the_shoppers_session(client: httpx.AsyncClient, probe: Any) -> None:
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    answer = await client.post(
        "/storefront/events",
        content=json.dumps({"store_hash": STORE, "cart_id": CART, "session_id": "a1b2c3d4e5f6"}),
        headers={"X-Forwarded-For": "81.2.69.160", "User-Agent": ua, "Content-Type": "text/plain"},
    )
    assert answer.status_code == 202
    assert answer.headers["access-control-allow-origin"] == "*"
    [message] = await wait_until(lambda: drain(probe), what="session event")
    envelope = Envelope.from_bytes(message.body)
    assert envelope.type == "storefront.session"
    assert envelope.store_hash == STORE
    assert envelope.data["ip"] == "81.2.69.160"  # the proxy (the test client, 127.0.0.1) is trusted
    assert envelope.data["user_agent"] == ua
    assert envelope.data["cart_id"] == CART


async def test_a_shopper_cannot_choose_the_ip_cartio_records(client: httpx.AsyncClient, probe: Any) -> None:
    body = json.dumps({"store_hash": STORE, "cart_id": CART, "session_id": "a1b2c3d4e5f6"})
    # The shopper's browser sends its own X-Forwarded-For; our proxy (127.0.0.1) appends the address it saw,
    # here as a second header line.
    answer = await client.post("/storefront/events", content=body, headers=[
        ("X-Forwarded-For", "6.6.6.6, 7.7.7.7"), ("X-Forwarded-For", "81.2.69.160"),
    ])
    assert answer.status_code == 202
    [message] = await wait_until(lambda: drain(probe), what="session event")
    assert Envelope.from_bytes(message.body).data["ip"] == "81.2.69.160"


async def test_a_forwarded_for_from_an_untrusted_peer_changes_nothing(infra: Infra, namespace: str) -> None:
    settings = Settings(namespace=f"{namespace}.ingest{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url,
                        webhook_key=KEY, trusted_proxies=["10.0.0.0/8"])
    app = create_app(settings)
    body = json.dumps({"store_hash": STORE, "cart_id": CART, "session_id": "a1b2c3d4e5f6"})
    async with app_client(app, client_ip="198.51.100.7") as client:
        await app.state.runtime.broker.wait_connected(10)
        connection = await aio_pika.connect(settings.amqp_url)
        try:
            queue = await (await connection.channel()).declare_queue(exclusive=True)
            await queue.bind(settings.topology.events_exchange, "storefront.#")
            answer = await client.post("/storefront/events", content=body,
                                       headers={"X-Forwarded-For": "81.2.69.160, 10.0.0.1"})
            assert answer.status_code == 202
            [message] = await wait_until(lambda: drain(queue), what="session event")
        finally:
            await connection.close()
    assert Envelope.from_bytes(message.body).data["ip"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"store_hash": "ab12cd", "cart_id": "' + CART + '", "session_id": "' + "x" * 5000 + '"}', 413),
        ('{"store_hash": "ab12cd", "cart_id": 42, "session_id": "a1b2c3d4e5f6"}', 422),
        ('{"store_hash": 7, "cart_id": "' + CART + '", "session_id": "a1b2c3d4e5f6"}', 422),
        ('{"store_hash": "ab12cd", "cart_id": "' + CART + '", "session_id": "a1b2c3d4e5f6", "evil": 1}', 422),
        ('{"store_hash": "AB/12", "cart_id": "' + CART + '", "session_id": "a1b2c3d4e5f6"}', 422),
        ("not json", 422),
    ],
    ids=["oversized", "cart-id-type", "store-type", "unknown-field", "store-chars", "not-json"],
)
async def test_malformed_beacons_are_refused(client: httpx.AsyncClient, probe: Any, body: str, status: int) -> None:
    answer = await client.post("/storefront/events", content=body)
    assert answer.status_code == status
    assert answer.json()["error"]["message"]
    assert await drain(probe) == []


async def test_beacons_are_rate_limited_per_ip(client: httpx.AsyncClient) -> None:
    body = json.dumps({"store_hash": STORE, "cart_id": CART, "session_id": "a1b2c3d4e5f6"})
    codes = [
        (await client.post("/storefront/events", content=body, headers={"X-Forwarded-For": "203.0.113.9"})).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [202] * 5
    assert codes[5:] == [429, 429]
    other = await client.post("/storefront/events", content=body, headers={"X-Forwarded-For": "203.0.113.10"})
    assert other.status_code == 202


async def test_storefront_script_names_the_store_and_beacon_url(client: httpx.AsyncClient) -> None:
    script = await client.get("/storefront/cartio.js", params={"store": STORE})
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert 'var store = "ab12cd"' in script.text
    assert "https://ingest.cartio.example/storefront/events" in script.text
    assert "/api/storefront/carts" in script.text
    assert (await client.get("/storefront/cartio.js", params={"store": "<script>"})).status_code == 422
    # Its OpenAPI says what it serves (it said application/json; found by tests/contract/test_api_fuzz.py).
    declared = (await client.get("/openapi.json")).json()["paths"]["/storefront/cartio.js"]["get"]["responses"]
    assert list(declared["200"]["content"]) == ["application/javascript"]


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    trusted = ["127.0.0.1/32"]
    assert client_ip("127.0.0.1", "81.2.69.160", trusted) == "81.2.69.160"
    assert client_ip("198.51.100.7", "81.2.69.160", trusted) == "198.51.100.7"
    assert client_ip("127.0.0.1", "garbage", trusted) == "127.0.0.1"
    assert client_ip("127.0.0.1", None, trusted) == "127.0.0.1"


def test_the_shopper_is_the_rightmost_forwarded_address_that_is_not_a_trusted_proxy() -> None:
    trusted = ["127.0.0.1/32", "10.0.0.0/8", "2001:db8:ff::/48"]
    # The shopper wrote 6.6.6.6 themselves; our proxy appended the address it saw: that one is the shopper.
    assert client_ip("127.0.0.1", "6.6.6.6, 81.2.69.160", trusted) == "81.2.69.160"
    # Through two of our proxies (10.1.2.3 forwarded to 127.0.0.1): still the address the outer one saw.
    assert client_ip("127.0.0.1", "6.6.6.6, 81.2.69.160, 10.1.2.3", trusted) == "81.2.69.160"
    assert client_ip("127.0.0.1", "2a02:c7f::1, 2001:db8:ff::7", trusted) == "2a02:c7f::1"
    # Garbage written by the client left of the shopper's real address does not matter ...
    assert client_ip("127.0.0.1", "<script>, 81.2.69.160", trusted) == "81.2.69.160"
    # ... and an entry that is not an address stops at the last hop that could be believed.
    assert client_ip("127.0.0.1", "81.2.69.160, nonsense", trusted) == "127.0.0.1"
    # Every hop one of ours: the leftmost is as far as the chain goes.
    assert client_ip("127.0.0.1", "10.0.0.9, 10.0.0.8", trusted) == "10.0.0.9"


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter(60)
    assert all(limiter.allow("ip", now=0.0) for _ in range(60))
    assert not limiter.allow("ip", now=0.0)
    assert limiter.allow("ip", now=1.0)  # one token per second


async def test_readyz_ok_when_connected(client: httpx.AsyncClient) -> None:
    ready = await client.get("/readyz", headers=OPS)
    assert ready.json() == {"status": "ok", "checks": {"broker": "ok"}}



async def test_delivery_id_tells_apart_two_changes_in_one_second(client: httpx.AsyncClient) -> None:
    """Thin payloads of two changes to one cart within a second are equal; the delivery's webhook-id is not."""
    first = await client.post("/webhooks/bigcommerce", json=webhook(),
                              headers={**secret(), "webhook-id": "msg_1"})
    retry = await client.post("/webhooks/bigcommerce", json=webhook(),
                              headers={**secret(), "webhook-id": "msg_1"})
    second = await client.post("/webhooks/bigcommerce", json=webhook(),
                               headers={**secret(), "webhook-id": "msg_2"})
    assert first.json()["message_id"] == retry.json()["message_id"]
    assert first.json()["message_id"] != second.json()["message_id"]


async def test_webhooks_of_an_uninstalled_store_are_refused_until_it_installs_again(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from datetime import UTC, datetime, timedelta

    from cartio_contracts.messages import StoreInstalled, StoreUninstalled

    connection = await aio_pika.connect(settings.amqp_url)
    channel = await connection.channel()
    exchange = await channel.get_exchange(settings.topology.events_exchange)
    now = datetime.now(UTC)
    gone = StoreUninstalled(uninstalled_at=now, purge_after=now + timedelta(days=30)).envelope(STORE)
    await exchange.publish(aio_pika.Message(gone.to_bytes()), routing_key=gone.type)

    async def refused() -> bool:
        answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())
        return answer.status_code == 410

    await wait_until(refused, what="webhooks of the uninstalled store refused")
    back = StoreInstalled(scope="store_cart", access_token_encrypted="x", installed_at=now + timedelta(seconds=1))
    again = back.envelope(STORE, occurred_at=now + timedelta(seconds=1))
    await exchange.publish(aio_pika.Message(again.to_bytes()), routing_key=again.type)

    async def accepted() -> bool:
        answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())
        return answer.status_code == 200

    await wait_until(accepted, what="webhooks accepted after reinstall")
    await connection.close()
