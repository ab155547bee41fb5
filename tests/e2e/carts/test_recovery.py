"""Carts' own machinery run in-process against the test database and the simulator: an order whose answer
was lost is found, not made twice; idle carts are abandoned; uninstalled stores purged."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cartio_carts.actions import Actions, OrderOutcome
from cartio_carts.api import http_status
from cartio_carts.clients import StoreClients
from cartio_carts.domain.errors import CartError
from cartio_carts.service import CartService
from cartio_carts.settings import Settings
from cartio_carts.tables import carts, metadata, order_requests, outbox, stores
from cartio_carts.tasks import abandon_idle, purge_stores
from cartio_platform.runtime import Runtime

from .conftest import World
from .test_actions import ADDRESS, known_cart
from .test_webhooks import simple_products


@pytest.fixture
async def service(world: World) -> AsyncIterator[CartService]:
    settings = Settings(database_url=world.database_url, bc_api_url=world.sim_url, namespace=world.namespace,
                        bc_max_retries=0, abandon_after=timedelta(minutes=30))
    runtime = Runtime(settings, tables=metadata)  # not started: its database and units of work, no broker
    clients = StoreClients(settings, runtime.db)
    yield CartService(settings, runtime.db, clients, runtime.unit)
    await clients.close()
    assert runtime.engine is not None
    await runtime.engine.dispose()


async def test_an_order_made_by_an_attempt_that_never_heard_back_is_not_made_twice(
    world: World, service: CartService
) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    actions = Actions(service)
    cart_id = uuid.UUID(cart["id"])

    async def attempt() -> OrderOutcome:
        return await actions.create_order(store.hash, cart_id, "staff@shop.example", key="lost-answer",
                                          billing_address=ADDRESS, status_id=7)

    # BigCommerce makes the order, but its answer is lost on the way: carts looks, finds it, and goes on.
    await world.sim.post("/_sim/faults", json={"api_lost_response_rate": 1,
                                               "api_fault_paths": [f"/checkouts/{cart['id']}/orders"]})
    try:
        outcome = await attempt()
    finally:
        await world.sim.post("/_sim/faults", json={})
    assert outcome.status_code == 201
    orders = await world.sim_orders(store, cart["id"])
    assert [o["id"] for o in orders] == [outcome.body.order_id]  # made once, though nobody heard
    assert orders[0]["status_id"] == 7

    again = await attempt()  # a retry of the same request answers the same order and makes none
    assert again.body.order_id == outcome.body.order_id
    assert len(await world.sim_orders(store, cart["id"])) == 1


async def test_idle_carts_become_abandoned_and_uninstalled_stores_are_purged(
    world: World, service: CartService
) -> None:
    now = datetime.now(UTC)
    store = f"idle{uuid.uuid4().hex[:8]}"
    idle, fresh = uuid.uuid4(), uuid.uuid4()
    async with service.db() as session, session.begin():
        await session.execute(stores.insert().values(store_hash=store, active=False, uninstalled_at=now,
                                                     purge_after=now + timedelta(days=1)))
        for cart_id, age in ((idle, timedelta(minutes=31)), (fresh, timedelta(minutes=5))):
            await session.execute(carts.insert().values(
                store_hash=store, cart_id=cart_id, status="active", user_type="guest", currency="USD",
                created_at=now - age, updated_at=now - age, grand_total=12))
    assert await abandon_idle(service, now) >= 1
    async with service.db() as session:
        statuses = dict((await session.execute(
            sa.select(carts.c.cart_id, carts.c.status).where(carts.c.store_hash == store))).all())
        events = (await session.execute(
            sa.select(outbox.c.routing_key).where(outbox.c.store_hash == store))).scalars().all()
    assert statuses == {idle: "abandoned", fresh: "active"}
    assert list(events) == ["cart.abandoned"]
    full = (await world.carts.get(f"/internal/stores/{store}/carts/{idle}")).json()
    assert [(t["actor"], t["action"]) for t in full["timeline"]] == [("system", "abandoned")]

    assert store not in await purge_stores(service, now)  # not yet
    assert store in await purge_stores(service, now + timedelta(days=2))
    async with service.db() as session:
        left = (await session.execute(
            sa.select(sa.func.count()).select_from(carts).where(carts.c.store_hash == store))).scalar_one()
    assert left == 0
    assert (await world.carts.get(f"/internal/stores/{store}/carts")).json()["items"] == []


async def test_an_attempt_whose_lease_was_taken_over_can_never_go_on_to_create(service: CartService) -> None:
    actions = Actions(service)
    store, cart_id = f"fence{uuid.uuid4().hex[:6]}", uuid.uuid4()
    first = await actions._claim(store, cart_id, "key-1", "hash-1", "staff@a.example")
    assert not isinstance(first, OrderOutcome)
    state = dict(first)
    # a second request with the key waits for the first; once the first's lease has run out, it takes over
    async with service.db() as session, session.begin():
        await session.execute(order_requests.update().where(order_requests.c.store_hash == store)
                              .values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    second = await actions._claim(store, cart_id, "key-1", "hash-1", "staff@b.example")
    assert not isinstance(second, OrderOutcome)
    assert second["attempts"] == 2
    with pytest.raises(CartError) as refused:
        await actions._set_phase(store, "key-1", state, phase="creating", orders_before=[])
    assert http_status(refused.value) == 409
    await actions._set_phase(store, "key-1", dict(second), phase="creating", orders_before=[])
    # another key for the same cart while one is unfinished: refused
    with pytest.raises(CartError) as busy:
        await actions._claim(store, cart_id, "key-2", "hash-2", "staff@c.example")
    assert busy.value.code == "order_in_progress"
