"""Beacons cannot flood (issue 13, point 6): the rate limit keys an IPv6 shopper by their /64, since any address
in it is theirs to use."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from cartio_ingest.app import create_app
from cartio_ingest.beacons import rate_key
from cartio_ingest.settings import Settings
from cartio_platform.testing import Infra, app_client

BODY = json.dumps({"store_hash": "ab12cd", "cart_id": str(uuid.uuid4()), "session_id": "a1b2c3d4e5f6"})


@pytest.fixture
async def client(infra: Infra, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(namespace=f"{namespace}.beacons{uuid.uuid4().hex[:4]}", amqp_url=infra.amqp_url,
                        webhook_key="test-webhook-key", beacon_rate_per_minute=5, gateway_url="")
    app = create_app(settings)
    async with app_client(app) as c:
        await app.state.runtime.broker.wait_connected(10)
        yield c


async def beacon_from(client: httpx.AsyncClient, ip: str) -> int:
    return (await client.post("/storefront/events", content=BODY, headers={"X-Forwarded-For": ip})).status_code


async def test_an_ipv6_shopper_cannot_dodge_the_rate_limit_by_changing_address_within_their_64(
    client: httpx.AsyncClient,
) -> None:
    # Five addresses of one /64 (the last 64 bits are the shopper's to choose): one bucket of five.
    codes = [await beacon_from(client, f"2001:db8:1:2::{n:x}") for n in range(1, 6)]
    assert codes == [202] * 5
    assert await beacon_from(client, "2001:db8:1:2:ffff:ffff:ffff:fffe") == 429
    # a neighbour's /64 has a bucket of its own
    assert await beacon_from(client, "2001:db8:1:3::1") == 202


def test_the_rate_key_is_the_ipv4_address_or_the_ipv6_64() -> None:
    assert rate_key("203.0.113.9") == "203.0.113.9"
    assert rate_key("2001:db8:1:2:aaaa::1") == rate_key("2001:db8:1:2::9") == "2001:db8:1:2::/64"
    assert rate_key("::ffff:203.0.113.9") == "203.0.113.9"  # an IPv4 client seen over IPv6
    assert rate_key(None) == "unknown"
