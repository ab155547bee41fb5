"""GET /api/me tells the app the store's time zone, as BigCommerce's store information gave it at install."""

from __future__ import annotations

from typing import Any


async def test_the_app_learns_the_stores_time_zone_from_api_me(gw: Any) -> None:
    store = await gw.new_store()
    changed = await gw.sim("PATCH", "/_sim/store/information", store=store, json={"timezone": "Asia/Tokyo"})
    assert changed.status_code == 200, changed.text
    await gw.install(store)
    me = (await (await gw.merchant(store)).get("/api/me")).json()
    assert me["store"]["timezone"] == "Asia/Tokyo"


async def test_a_reinstall_follows_the_stores_new_time_zone(gw: Any) -> None:
    store = await gw.new_store()
    await gw.install(store)
    merchant = await gw.merchant(store)
    assert (await merchant.get("/api/me")).json()["store"]["timezone"] == "America/Chicago"  # the simulator's default
    await gw.sim("PATCH", "/_sim/store/information", store=store, json={"timezone": "Europe/Lisbon"})
    await gw.install(store)
    me = (await (await gw.merchant(store)).get("/api/me")).json()
    assert me["store"]["timezone"] == "Europe/Lisbon"
