"""Webhooks that keep ingest's domain in good standing with BigCommerce, and secrets that die with an install.

BigCommerce blocklists a destination domain (per app) when fewer than 90 % of its recent deliveries succeed, and
every store shares ingest's domain: an authentic webhook Cartio does not want is answered 2xx (issue 11 point 3).
Every install has a webhook secret of its own (issue 13 point 3).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import System

# Strict enough to catch a handful of refusals: 20 deliveries judged over a window of 1000 s (simulated; the
# system runs at SIM_TIME_SCALE 0.01, so 10 real seconds).
STRICT = {"window_s": 100_000, "block_s": 18_000, "min_requests": 20, "min_success_ratio": 0.9}
DEFAULT = {"window_s": 120, "block_s": 180, "min_requests": 100, "min_success_ratio": 0.9}


async def test_after_a_reinstall_the_previous_installs_secret_gets_401_and_the_new_one_2xx(system: System) -> None:
    store = await system.install(await system.new_store())
    old = await system.webhook_secret(store)
    payload = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))
    assert (await system.post_webhook(store, payload, secret=old)).status_code == 200

    await system.install(store)  # installed again: the hooks carry a new secret
    new = await system.webhook_secret(store)
    assert new != old

    async def new_secret_accepted() -> bool:
        return (await system.post_webhook(store, payload, secret=new)).status_code == 200

    await wait_until(new_secret_accepted, what="the new install's secret accepted")
    refused = await system.post_webhook(store, payload, secret=old)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "wrong_secret"


async def test_an_uninstalled_stores_late_webhooks_get_2xx_and_the_domain_stays_off_the_blocklist(
    system: System,
) -> None:
    assert (await system.sim_call("PUT", "/_sim/webhooks/blocklist", json=STRICT)).status_code == 200
    try:
        store = await system.install(await system.new_store())
        secret = await system.webhook_secret(store)
        # A subscription BigCommerce keeps delivering after the app is gone (another API account of the store,
        # with the secret Cartio registered): its deliveries are the uninstalled store's late webhooks.
        token = (await system.sim_call("POST", "/_sim/api_token", store=store,
                                       json={"client_id": "late-deliveries"})).json()["access_token"]
        async with httpx.AsyncClient(base_url=f"{system.sim}/stores/{store}/v3", timeout=10,
                                     headers={"X-Auth-Token": token}) as bc:
            made = await bc.post("/hooks", json={"scope": "store/cart/*", "headers": {"X-Cartio-Secret": secret},
                                                 "destination": f"{system.url('ingest')}/webhooks/bigcommerce"})
            assert made.status_code == 200, made.text
        assert (await system.sim_call("POST", "/_sim/uninstall", store=store)).status_code == 200
        late = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))

        async def dropped() -> bool:
            answer = await system.post_webhook(store, late, secret=secret)
            return answer.status_code == 200 and answer.json().get("dropped") == "store_uninstalled"

        await wait_until(dropped, what="ingest hears of the uninstall")

        for n in range(8):  # about 3 webhooks each: more than the 20 the blocklist judges
            await system.shopper_cart(store, [{"product_id": 111 + n % 2, "quantity": 1}])

        async def all_delivered() -> list[dict[str, Any]] | None:
            log = (await system.sim_call("GET", "/_sim/webhooks", store=store)).json()
            done = len(log) >= 20 and all(entry["state"] == "delivered" for entry in log)
            return log if done else None

        log = await wait_until(all_delivered, timeout=20, what="every late webhook delivered")
        assert {entry["status_code"] for entry in log} == {200}
        assert {entry["attempts"] for entry in log} == {1}  # none refused, none retried
        state = (await system.sim_call("GET", "/_sim/webhooks/blocklist")).json()
        assert [d for d in state["domains"] if d["blocked"] or d["blocks"]] == []
        assert await system.metric("ingest", "cartio_ingest_webhooks_dropped_total",
                                   reason="store_uninstalled") >= len(log)

        # An authentic webhook of a scope Cartio does not consume is a 2xx too; a forged one is still a 401.
        installed = await system.install(await system.new_store())
        unused = system.webhook(installed, "store/customer/updated", "17")
        answer = await system.post_webhook(installed, unused)
        assert (answer.status_code, answer.json().get("dropped")) == (200, "scope_unused")
        assert (await system.post_webhook(installed, unused, secret="forged")).status_code == 401
    finally:
        await system.sim_call("PUT", "/_sim/webhooks/blocklist", json=DEFAULT)
