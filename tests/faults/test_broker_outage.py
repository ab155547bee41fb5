"""With RabbitMQ stopped, ingest refuses webhooks (503) so BigCommerce keeps them; once it is back, the
simulator's retry lands and the cart reaches the merchant. Stops and starts the shared local broker."""

from __future__ import annotations

import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import System

from .harness import rabbitmqctl

pytestmark = pytest.mark.faults


async def test_webhooks_refused_while_the_broker_is_down_land_once_it_is_back(system: System) -> None:
    store = await system.install()
    merchant = await system.merchant(store)
    product = (await system.products())[0]["id"]

    rabbitmqctl("stop_app")
    try:
        async def ingest_not_ready() -> bool:
            return (await system.sim_call("GET", "/_sim/store")).status_code == 200 and not await _ready(system)

        await wait_until(ingest_not_ready, timeout=15, what="ingest to notice the broker is down")
        made = await system.shopper_cart(store, [{"product_id": product, "quantity": 3}])

        async def refused_with_503() -> bool:
            log = (await system.sim_call("GET", "/_sim/webhooks", store=store)).json()
            return any(d.get("status_code") == 503 for d in log)

        await wait_until(refused_with_503, timeout=15, what="a webhook answered 503 by ingest")
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    cart = await system.wait_for_cart(merchant, made["id"], timeout=60)
    assert cart["items"][0]["quantity"] == 3
    log = (await system.sim_call("GET", "/_sim/webhooks", store=store)).json()
    assert any(d.get("attempts", 1) > 1 and d.get("status_code") == 200 for d in log), log


async def _ready(system: System) -> bool:
    import httpx

    async with httpx.AsyncClient(base_url=system.url("ingest"), timeout=5,
                                 headers=system.processes["ingest"].operator_headers) as client:
        return (await client.get("/readyz")).status_code == 200
