"""Issue 3, end to end: after an uninstall no webhook of that store is accepted, its sessions end, and after the
grace period every service has purged its data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.testing import Infra, TempDatabases, wait_until
from cartio_platform.testing.system import System

pytestmark = pytest.mark.e2e

GRACE = {"CARTIO_UNINSTALL_GRACE": "2", "CARTIO_MAINTENANCE_INTERVAL": "0.5", "CARTIO_PURGE_CHECK_INTERVAL": "0.5"}


@pytest.fixture(scope="module")
async def system(infra: Infra, namespace: str, databases: TempDatabases) -> AsyncIterator[System]:
    sys_ = System(infra, f"{namespace}.uninstall", databases, name="uninstall", extra_env=GRACE)
    try:
        await sys_.start()
        yield sys_
    finally:
        await sys_.stop()


async def rows(url: str, table: str, store: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            query = sa.text(f"SELECT count(*) FROM {table} WHERE store_hash = :s")
            return int(await conn.scalar(query, {"s": store}))
    finally:
        await engine.dispose()


async def test_uninstall_stops_webhooks_ends_sessions_and_purges_after_grace(system: System) -> None:
    store = await system.install(await system.new_store())
    keep = await system.install(await system.new_store())  # another store, untouched by the uninstall
    merchant = await system.merchant(store)
    other = await system.merchant(keep)
    made = await system.shopper_cart(store, [{"product_id": 111, "quantity": 1}], email="u@buyer.example")
    kept = await system.shopper_cart(keep, [{"product_id": 111, "quantity": 1}], email="k@buyer.example")
    await system.wait_for_cart(merchant, made["id"])
    await system.wait_for_cart(other, kept["id"])
    assert await rows(system.db_urls["carts"], "carts", store) == 1

    secret = await system.webhook_secret(store)  # what a late delivery still carries
    answer = await system.sim_call("POST", "/_sim/uninstall", store=store)
    assert answer.status_code == 200, answer.text
    assert (await system.sim_call("GET", "/_sim/hooks", store=store)).json() == []
    assert (await merchant.get("/api/me")).status_code == 401

    payload = system.webhook(store, "store/cart/updated", made["id"])

    async def dropped() -> bool:
        # 2xx, so BigCommerce counts it delivered (refusals would blocklist ingest's domain), and not published.
        answer = await system.post_webhook(store, payload, secret=secret)
        return answer.status_code == 200 and answer.json().get("dropped") == "store_uninstalled"

    await wait_until(dropped, what="ingest dropping the uninstalled store's webhooks")

    async def purged() -> bool:
        return (
            await rows(system.db_urls["carts"], "carts", store) == 0
            and await rows(system.db_urls["carts"], "cart_timeline", store) == 0
            and await rows(system.db_urls["gateway"], "audit_log", store) == 0
            and await rows(system.db_urls["gateway"], "stores", store) == 0
        )

    await wait_until(purged, timeout=20, what="the store's data purged after the grace period")
    # the other store lost nothing
    assert (await other.get(f"/api/carts/{kept['id']}")).status_code == 200
    assert await rows(system.db_urls["carts"], "carts", keep) == 1
