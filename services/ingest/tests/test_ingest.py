"""Ingest against the real broker: webhooks and beacons are checked, confirmed, and published once."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest

from cartio_contracts import Envelope
from cartio_ingest.app import create_app
from cartio_ingest.domain import RateLimiter, client_ip
from cartio_ingest.settings import Settings
from cartio_ingest.stores import StoreState, StoreStates
from cartio_platform.security import webhook_secret
from cartio_platform.testing import Infra, app_client, wait_until

KEY = "test-webhook-key"
OPS = {"Authorization": "Bearer dev-service-token"}  # /readyz and /metrics need the service token
STORE = "ab12cd"
NONCE = "install-nonce-1"
CART = "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def known(app: Any, *stores: tuple[str, str | None, bool]) -> None:
    """What the gateway would answer at start-up: these stores (hash, nonce, installed)."""
    app.state.store_secrets.load(StoreStates(stores=[
        StoreState(store_hash=s, webhook_nonce=n, active=a, since=SINCE) for s, n, a in stores]))


def webhook(scope: str = "store/cart/updated", cart_id: str = CART, created_at: int = 1767000123) -> dict[str, Any]:
    data = {"type": "cart", "id": cart_id}
    return {"scope": scope, "store_id": "1009001", "producer": f"stores/{STORE}", "data": data,
            "hash": hashlib.sha1(json.dumps(data).encode()).hexdigest(), "created_at": created_at}


@pytest.fixture
def settings(infra: Infra, namespace: str) -> Settings:
    return Settings(namespace=f"{namespace}.ingest{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url, webhook_key=KEY,
                    beacon_rate_per_minute=5, public_ingest_url="https://ingest.cartio.example", gateway_url="")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    known(app, (STORE, NONCE, True), ("otherstore", "other-nonce", True))
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


def secret(store: str = STORE, nonce: str | None = NONCE) -> dict[str, str]:
    return {"X-Cartio-Secret": webhook_secret(KEY, store, nonce)}


async def test_two_updates_of_one_cart_with_the_same_hash_and_no_webhook_id_both_reach_the_queue(
    client: httpx.AsyncClient, probe: Any
) -> None:
    """Thin payloads of two changes to one cart in one second are byte for byte equal (`hash` is the SHA-1 of
    `data`): without a webhook-id nothing tells them apart, so both are published and carts fetches the newest."""
    answers = [await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret()) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    got: list[Any] = []

    async def both_arrived() -> bool:
        got.extend(await drain(probe))
        return len(got) >= 2

    await wait_until(both_arrived, what="two messages")
    assert {m.message_id for m in got} == {a.json()["message_id"] for a in answers}
    assert len({m.message_id for m in got}) == 2
    first = got[0]
    assert first.routing_key == "bigcommerce.store.cart.updated"
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    envelope = Envelope.from_bytes(first.body)
    assert envelope.store_hash == STORE
    assert envelope.type == "bigcommerce.webhook_received"
    assert envelope.data["data"] == {"type": "cart", "id": CART}


async def test_the_same_webhook_id_twice_reaches_the_queue_once(client: httpx.AsyncClient, probe: Any) -> None:
    first = await client.post("/webhooks/bigcommerce", json=webhook(), headers={**secret(), "webhook-id": "msg_1"})
    retry = await client.post("/webhooks/bigcommerce", json=webhook(), headers={**secret(), "webhook-id": "msg_1"})
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["message_id"] == first.json()["message_id"]
    # a later webhook shows the queue holds nothing more than the first delivery before it
    last = await client.post("/webhooks/bigcommerce", json=webhook(scope="store/cart/created"), headers=secret())
    got: list[Any] = []

    async def last_arrived() -> bool:
        got.extend(await drain(probe))
        return any(m.message_id == last.json()["message_id"] for m in got)

    await wait_until(last_arrived, what="the last webhook")
    assert [m.message_id for m in got] == [first.json()["message_id"], last.json()["message_id"]]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Cartio-Secret": "nope"}, {"X-Cartio-Secret": webhook_secret(KEY, "otherstore", "other-nonce")},
     {"X-Cartio-Secret": webhook_secret("another-key", STORE, NONCE)},
     {"X-Cartio-Secret": webhook_secret(KEY, STORE)}, {"X-Cartio-Secret": webhook_secret(KEY, STORE, "old")}],
    ids=["missing", "garbage", "other-store", "other-key", "without-nonce", "other-install"],
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
    settings = Settings(namespace=f"{namespace}.down", amqp_url="amqp://guest:guest@127.0.0.1:1/", webhook_key=KEY,
                        gateway_url="")
    app = create_app(settings)
    known(app, (STORE, NONCE, True))
    async with app_client(app) as client:
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
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"]["broker"] == ready.json()["checks"]["store_secrets"] == "ok"


async def publish_event(settings: Settings, envelope: Envelope) -> None:
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        exchange = await (await connection.channel()).get_exchange(settings.topology.events_exchange)
        await exchange.publish(aio_pika.Message(envelope.to_bytes()), routing_key=envelope.type)
    finally:
        await connection.close()


async def status_of(client: httpx.AsyncClient, headers: dict[str, str], scope: str = "store/cart/updated") -> int:
    return (await client.post("/webhooks/bigcommerce", json=webhook(scope=scope), headers=headers)).status_code


async def test_an_uninstalled_stores_late_webhooks_get_2xx_and_are_dropped_until_it_installs_again(
    client: httpx.AsyncClient, settings: Settings, probe: Any
) -> None:
    from cartio_contracts.messages import StoreInstalled, StoreUninstalled

    now = datetime.now(UTC)
    gone = StoreUninstalled(uninstalled_at=now, purge_after=now + timedelta(days=30)).envelope(STORE)
    await publish_event(settings, gone)

    async def dropped() -> bool:
        answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())
        return answer.status_code == 200 and answer.json() == {"accepted": False, "dropped": "store_uninstalled"}

    await wait_until(dropped, what="webhooks of the uninstalled store answered 2xx and dropped")
    assert await drain(probe) == []
    # a forged one is still refused: 2xx is only for what proves itself
    assert await status_of(client, secret(nonce="guess")) == 401
    metrics = (await client.get("/metrics", headers=OPS)).text
    assert 'cartio_ingest_webhooks_dropped_total{reason="store_uninstalled"}' in metrics

    back = StoreInstalled(scope="store_cart", access_token_encrypted="x", installed_at=now + timedelta(seconds=1),
                          webhook_nonce="install-nonce-2")
    await publish_event(settings, back.envelope(STORE, occurred_at=now + timedelta(seconds=1)))

    async def accepted() -> bool:
        return await status_of(client, secret(nonce="install-nonce-2")) == 200

    await wait_until(accepted, what="webhooks accepted with the new install's secret")
    assert await wait_until(lambda: drain(probe), what="the new install's webhook")


async def test_after_a_reinstall_the_previous_installs_secret_gets_401_and_the_new_one_2xx(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from cartio_contracts.messages import StoreInstalled

    assert await status_of(client, secret()) == 200
    again = StoreInstalled(scope="store_cart", access_token_encrypted="x", installed_at=datetime.now(UTC),
                           webhook_nonce="install-nonce-3")
    await publish_event(settings, again.envelope(STORE))

    async def rotated() -> bool:
        return await status_of(client, secret(nonce="install-nonce-3")) == 200

    await wait_until(rotated, what="the new secret accepted")
    assert await status_of(client, secret()) == 401


async def test_an_authentic_webhook_of_a_scope_cartio_does_not_use_gets_2xx_and_is_dropped(
    client: httpx.AsyncClient, probe: Any
) -> None:
    answer = await client.post("/webhooks/bigcommerce", json=webhook(scope="store/customer/updated"),
                               headers=secret())
    assert answer.status_code == 200
    assert answer.json() == {"accepted": False, "dropped": "scope_unused"}
    wanted = await client.post("/webhooks/bigcommerce", json=webhook(scope="store/order/statusUpdated"),
                               headers=secret())
    got = await wait_until(lambda: drain(probe), what="the order webhook")
    assert [m.message_id for m in got] == [wanted.json()["message_id"]]
    metrics = (await client.get("/metrics", headers=OPS)).text
    assert 'cartio_ingest_webhooks_dropped_total{reason="scope_unused"}' in metrics


async def test_a_replica_that_cannot_load_the_stores_answers_503_never_401_and_is_not_ready(
    infra: Infra, namespace: str
) -> None:
    # The gateway address answers nothing: the replica does not know which secrets are current.
    settings = Settings(namespace=f"{namespace}.ingest{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url,
                        webhook_key=KEY, gateway_url="http://127.0.0.1:1")
    app = create_app(settings)
    async with app_client(app) as client:
        await app.state.runtime.broker.wait_connected(10)
        answer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "stores_loading"
        ready = await client.get("/readyz", headers=OPS)
        assert ready.status_code == 503
        assert "not loaded" in ready.json()["checks"]["store_secrets"]


async def test_a_secret_the_replica_does_not_know_is_503_not_401_while_the_gateway_cannot_be_asked(
    infra: Infra, namespace: str
) -> None:
    # The stores were loaded once; now the gateway answers nothing (its address has no listener).
    settings = Settings(namespace=f"{namespace}.ingest{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url,
                        webhook_key=KEY, gateway_url="http://127.0.0.1:1")
    app = create_app(settings)
    known(app, (STORE, NONCE, True))
    async with app_client(app) as client:
        await app.state.runtime.broker.wait_connected(10)
        # Perhaps the secret of an install the gateway made a moment ago: not refused, BigCommerce retries.
        newer = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret(nonce="install-nonce-2"))
        assert newer.status_code == 503
        assert newer.json()["error"]["code"] == "secret_unverified"
        # Within the second the lookup is not repeated, and the answer stays 503.
        again = await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret(nonce="install-nonce-2"))
        assert again.status_code == 503
        metrics = (await client.get("/metrics", headers=OPS)).text
        assert 'cartio_ingest_secrets_unverified_total{reason="gateway_failed"}' in metrics
        # The secret it knows needs no lookup.
        assert (await client.post("/webhooks/bigcommerce", json=webhook(), headers=secret())).status_code == 200
