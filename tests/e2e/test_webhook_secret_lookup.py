"""Ingest asks the gateway before it refuses a webhook secret (issue 11 point 3 with issue 13 point 3).

At an install that keeps a store's hooks the gateway rewrites their X-Cartio-Secret header with the new install's
nonce before `store.installed` reaches ingest; BigCommerce's webhooks in between carry the new secret. Ingest
asks the gateway for that store's current nonce on a mismatch (at most once a second per store, with a global
bound), so those webhooks are accepted, and only a secret still wrong after that is 401.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.security import webhook_secret
from cartio_platform.testing import wait_until
from cartio_platform.testing.system import System

LOOKUPS = "cartio_ingest_secret_lookups_total"


async def gateway_has_a_new_install(system: System, store: str) -> str:
    """The gateway's state between an install's commit and ingest hearing of it: the store's nonce is new in the
    gateway's database, no `store.installed` carries it. Returns the secret BigCommerce now sends."""
    nonce = f"new-{uuid.uuid4().hex}"
    engine = create_async_engine(system.db_urls["gateway"])
    try:
        async with engine.begin() as db:
            await db.execute(sa.text("UPDATE stores SET webhook_nonce = :n WHERE store_hash = :s"),
                             {"n": nonce, "s": store})
    finally:
        await engine.dispose()
    return webhook_secret(system.webhook_key, store, nonce)


async def test_a_webhook_with_the_gateways_new_secret_is_accepted_before_ingest_hears_of_the_install(
    system: System,
) -> None:
    store = await system.install(await system.new_store())
    payload = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))
    await wait_until(lambda: _accepted(system, store, payload, None), what="ingest knows the install")
    new = await gateway_has_a_new_install(system, store)
    before = await system.metric("ingest", LOOKUPS, outcome="answered")

    answer = await system.post_webhook(store, payload, secret=new)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] is True
    assert await system.metric("ingest", LOOKUPS, outcome="answered") == before + 1
    # Known now: the next one needs no lookup.
    assert (await system.post_webhook(store, payload, secret=new)).status_code == 200
    assert await system.metric("ingest", LOOKUPS, outcome="answered") == before + 1


async def test_a_burst_of_50_forged_secrets_is_401_and_asks_the_gateway_at_most_twice(system: System) -> None:
    store = await system.install(await system.new_store())
    payload = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))
    await wait_until(lambda: _accepted(system, store, payload, None), what="ingest knows the install")
    before = await system.metric("ingest", LOOKUPS)

    async def forged(n: int) -> httpx.Response:
        return await system.post_webhook(store, payload, secret=f"forged-{n}")

    answers = await asyncio.gather(*(forged(n) for n in range(50)))
    assert {a.status_code for a in answers} == {401}
    assert {a.json()["error"]["code"] for a in answers} == {"wrong_secret"}
    assert await system.metric("ingest", LOOKUPS) - before <= 2


async def test_the_old_installs_secret_is_401_after_a_reinstall_even_though_ingest_asks_the_gateway(
    system: System,
) -> None:
    store = await system.install(await system.new_store())
    old = await system.webhook_secret(store)
    payload = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))
    await wait_until(lambda: _accepted(system, store, payload, old), what="ingest knows the install")
    await system.install(store)
    new = await system.webhook_secret(store)
    assert new != old
    await wait_until(lambda: _accepted(system, store, payload, new), what="the new install's secret accepted")
    refused = await system.post_webhook(store, payload, secret=old)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "wrong_secret"


async def test_webhooks_with_the_secret_of_a_reinstall_whose_hooks_are_rewritten_but_not_saved_are_accepted(
    system: System,
) -> None:
    store = await system.install(await system.new_store())
    old = await system.webhook_secret(store)
    payload = system.webhook(store, "store/cart/updated", str(uuid.uuid4()))
    await wait_until(lambda: _accepted(system, store, payload, old), what="ingest knows the install")

    # A reinstall held still between rewriting the hooks' headers and saving the install: BigCommerce fails the
    # step after the hooks (the storefront script), so the gateway never saves it.
    faults = {"api_error_rate": 1, "api_fault_paths": ["/content/scripts"]}
    assert (await system.sim_call("POST", "/_sim/faults", json=faults)).status_code == 200
    try:
        stopped = await system.sim_call("POST", "/_sim/install", store=store)
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})
    assert stopped.status_code != 200, stopped.text
    new = await system.webhook_secret(store)  # what BigCommerce sends from now on
    assert new != old

    answer = await system.post_webhook(store, payload, secret=new)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] is True
    assert (await system.post_webhook(store, payload, secret=old)).status_code == 200  # hooks not yet rewritten

    # The next install finishes: only its own secret is accepted.
    await system.install(store)
    newest = await system.webhook_secret(store)
    await wait_until(lambda: _accepted(system, store, payload, newest), what="the finished install's secret")
    for stale in (old, new):
        refused = await system.post_webhook(store, payload, secret=stale)
        assert refused.status_code == 401, refused.text


async def test_the_gateway_answers_one_stores_nonce_and_refuses_a_store_that_is_not_a_hash(system: System) -> None:
    store = await system.install(await system.new_store())
    token = {"Authorization": f"Bearer {system.service_token}"}
    async with httpx.AsyncClient(base_url=system.url("gateway"), timeout=10, headers=token) as gateway:
        one = await gateway.get("/internal/webhook-secrets", params={"store": store})
        assert one.status_code == 200
        assert [s["store_hash"] for s in one.json()["stores"]] == [store]
        assert one.json()["stores"][0]["webhook_nonce"]
        unknown = await gateway.get("/internal/webhook-secrets", params={"store": "zz99zz99"})
        assert unknown.json() == {"stores": []}
        bad = await gateway.get("/internal/webhook-secrets", params={"store": "../x"})
        assert bad.status_code == 422
        assert "store hash" in bad.json()["error"]["message"]
    async with httpx.AsyncClient(base_url=system.url("gateway"), timeout=10) as anonymous:
        refused = await anonymous.get("/internal/webhook-secrets", params={"store": store})
        assert refused.status_code == 401


async def _accepted(system: System, store: str, payload: dict[str, object], secret: str | None) -> bool:
    answer = await system.post_webhook(store, payload, secret=secret or "derive")
    return answer.status_code == 200
