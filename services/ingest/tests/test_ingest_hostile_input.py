"""Nothing anyone sends to ingest's public routes answers 5xx, and nothing refused is published (issue 13, point 4).

Hypothesis draws the bodies (webhook-shaped and beacon-shaped documents with hostile values, and raw bytes); the
route is called in-process against the real broker, so each draw is a real request. Hypothesis' given() cannot
await, so the examples are drawn first (seeded, reproducible) and sent one by one; a failure names its body.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import aio_pika
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cartio_ingest.app import create_app
from cartio_ingest.settings import Settings
from cartio_ingest.stores import StoreState, StoreStates
from cartio_platform.security import webhook_secret
from cartio_platform.testing import Infra, app_client

KEY = "hostile-webhook-key"
STORE = "ab12cd"
NONCE = "hostile-install"
SECRET = webhook_secret(KEY, STORE, NONCE)
CART = "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
T = TypeVar("T")


def draw(strategy: st.SearchStrategy[T], n: int) -> list[T]:
    drawn: list[T] = []

    @hsettings(max_examples=n, database=None, derandomize=True, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value: T) -> None:
        drawn.append(value)

    collect()
    return drawn


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=40))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
hostile_raw = st.sampled_from([
    b"[" * 5_000 + b"]" * 5_000, b'{"a":' * 3_000 + b"1" + b"}" * 3_000, b'{"scope": NaN}', b"Infinity",
    b'{"created_at": 1e999999}', b'{"producer": "stores/ab12cd", "x": "\\ud800"}', b"\xff\xfe\x00",
    b'{"producer": "stores/ab12cd", "data": {"id": "\\u0000"}}', b"9" * 5000, b"",
])


@st.composite
def webhook_bodies(draw_: st.DrawFn) -> bytes:
    body: dict[str, Any] = {
        "scope": draw_(st.sampled_from(["store/cart/updated", "store/cart/deleted", "store/order/created",
                                        "store/app/uninstalled"]) | st.text(max_size=30)),
        "store_id": draw_(st.just("1009001") | documents),
        "producer": draw_(st.just(f"stores/{STORE}") | st.text(max_size=30)),
        "data": draw_(st.fixed_dictionaries({"type": st.sampled_from(["cart", "order"]) | documents,
                                             "id": st.just(CART) | st.integers() | documents}) | documents),
        "hash": draw_(st.just(hashlib.sha1(b"x").hexdigest()) | documents),
        "created_at": draw_(st.integers() | documents),
    }
    for name in draw_(st.sets(st.sampled_from(sorted(body)), max_size=2)):
        del body[name]
    return json.dumps(body).encode()


@st.composite
def beacon_bodies(draw_: st.DrawFn) -> bytes:
    body: dict[str, Any] = {
        "store_hash": draw_(st.just(STORE) | st.text(max_size=40) | documents),
        "cart_id": draw_(st.just(CART) | st.uuids().map(str) | st.text(max_size=40) | documents),
        "session_id": draw_(st.just("a1b2c3d4e5f6") | st.text(max_size=80) | documents),
    }
    if draw_(st.booleans()):
        body[draw_(st.text(max_size=8))] = draw_(documents)
    return json.dumps(body).encode()


@pytest.fixture
async def ingest(infra: Infra, namespace: str) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = Settings(namespace=f"{namespace}.hostile{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url,
                        webhook_key=KEY, beacon_rate_per_minute=1_000_000, gateway_url="")
    app = create_app(settings)
    app.state.store_secrets.load(StoreStates(stores=[
        StoreState(store_hash=STORE, webhook_nonce=NONCE, active=True, since=datetime.now(UTC))]))
    async with app_client(app) as client:
        await app.state.runtime.broker.wait_connected(10)
        yield client, settings


async def published(settings: Settings, send: Any) -> int:
    """How many messages ingest published while `send()` ran (every webhook and beacon routing key)."""
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        queue = await (await connection.channel()).declare_queue(exclusive=True)
        await queue.bind(settings.topology.webhooks_exchange, "#")
        await queue.bind(settings.topology.events_exchange, "#")
        await send()
        count = 0
        while await queue.get(no_ack=True, fail=False) is not None:
            count += 1
        return count
    finally:
        await connection.close()


async def test_no_webhook_body_gets_a_server_error_and_only_accepted_ones_are_published(
    ingest: tuple[httpx.AsyncClient, Settings]
) -> None:
    client, settings = ingest
    bodies = draw(webhook_bodies() | hostile_raw | st.binary(max_size=200), 300)
    accepted = 0

    async def send() -> None:
        nonlocal accepted
        for body in bodies:
            answer = await client.post("/webhooks/bigcommerce", content=body,
                                       headers={"X-Cartio-Secret": SECRET})
            assert answer.status_code < 500, (body[:300], answer.status_code, answer.text)
            assert answer.status_code == 200 or answer.json()["error"]["message"], body[:300]
            # An authentic webhook of a scope Cartio does not use is a 2xx too, but not published.
            accepted += answer.status_code == 200 and answer.json()["accepted"]

    assert await published(settings, send) == accepted
    assert accepted > 0  # the draw reaches past validation too


async def test_no_beacon_body_gets_a_server_error_and_only_accepted_ones_are_published(
    ingest: tuple[httpx.AsyncClient, Settings]
) -> None:
    client, settings = ingest
    bodies = draw(beacon_bodies() | hostile_raw | st.binary(max_size=200), 300)
    accepted = 0

    async def send() -> None:
        nonlocal accepted
        for body in bodies:
            answer = await client.post("/storefront/events", content=body)
            assert answer.status_code < 500, (body[:300], answer.status_code, answer.text)
            assert answer.status_code == 202 or answer.json()["error"]["message"], body[:300]
            accepted += answer.status_code == 202

    assert await published(settings, send) == accepted
    assert accepted > 0


@pytest.mark.parametrize("secret", ["\u00e9t\u00e9".encode("latin-1"), "\u2603".encode(), b"\xff" * 64])
async def test_a_webhook_secret_with_non_ascii_bytes_is_a_401_and_nothing_is_published(
    ingest: tuple[httpx.AsyncClient, Settings], secret: bytes
) -> None:
    client, settings = ingest
    body = {"scope": "store/cart/updated", "store_id": "1", "producer": f"stores/{STORE}",
            "data": {"type": "cart", "id": CART}, "hash": "x", "created_at": 1767000123}

    async def send() -> None:
        answer = await client.post("/webhooks/bigcommerce", json=body, headers={"X-Cartio-Secret": secret})
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "wrong_secret"

    assert await published(settings, send) == 0


async def test_a_deeply_nested_webhook_is_a_422_that_says_so(ingest: tuple[httpx.AsyncClient, Settings]) -> None:
    client, settings = ingest

    async def send() -> None:
        answer = await client.post("/webhooks/bigcommerce", content=b"[" * 100_000 + b"]" * 100_000,
                                   headers={"X-Cartio-Secret": SECRET})
        assert answer.status_code in (413, 422), answer.text
        deep = b'{"producer": "stores/ab12cd", "data": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001
        answer = await client.post("/webhooks/bigcommerce", content=deep,
                                   headers={"X-Cartio-Secret": SECRET})
        assert answer.status_code == 422, answer.text
        assert "nested deeper" in answer.json()["error"]["message"]

    assert await published(settings, send) == 0
