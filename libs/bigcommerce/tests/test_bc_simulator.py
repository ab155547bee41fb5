"""BigCommerceClient and exchange_code against the simulator (in-process, through httpx.ASGITransport).

The simulator is the only stand-in for BigCommerce. A token is obtained the way an app gets one: an auth code is
put into the simulated store (what ``POST /_sim/install`` does before calling the app's auth URL, which is not
reachable in-process) and exchanged at the simulator's ``/oauth2/token``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from cartio_bigcommerce import (
    Address,
    BigCommerceClient,
    Conflict,
    ConsignmentInput,
    ConsignmentLineItem,
    InvalidRequest,
    LineItemInput,
    NotFound,
    Product,
    RateLimited,
    Transient,
    Unauthorized,
    exchange_code,
)

SIM_URL = "http://sim.test"
STORE_HASH = "ab12cd"
SCOPES = (
    "store_cart store_checkout store_v2_orders store_v2_products_read_only store_v2_customers_read_only "
    "store_v2_content store_content_checkout store_v2_information_read_only"
)
ADDRESS = Address(
    first_name="Ana",
    last_name="Lee",
    email="ana@buyer.example",
    address1="12 Elm St",
    city="Austin",
    state_or_province="Texas",
    state_or_province_code="TX",
    country_code="US",
    postal_code="78701",
)


@dataclass
class Sim:
    http: httpx.AsyncClient
    settings: Any
    world: Any
    token: str

    def client(self, token: str | None = None) -> BigCommerceClient:
        return BigCommerceClient(
            store_hash=STORE_HASH,
            access_token=token or self.token,
            api_url=SIM_URL,
            client_id=self.settings.client_id,
            http=self.http,
            max_retries=1,
        )


def _new_code(world: Any, client_id: str) -> str:
    from cartio_simulator.formats import now
    from cartio_simulator.state import AuthCode

    code = secrets.token_urlsafe(16)
    world.stores[STORE_HASH].codes[code] = AuthCode(code=code, client_id=client_id, scopes=SCOPES, created=now())
    return code


async def _exchange(sim_http: httpx.AsyncClient, settings: Any, code: str) -> Any:
    return await exchange_code(
        login_url=SIM_URL,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        code=code,
        context=f"stores/{STORE_HASH}",
        scope=SCOPES,
        redirect_uri=settings.app_auth_url,
        http=sim_http,
    )


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    from cartio_simulator.app import create_app
    from cartio_simulator.settings import SimSettings

    settings = SimSettings(store_hash=STORE_HASH, smtp_port=0, seed=7, time_scale=0.001, rate_limit_per_30s=100_000)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=SIM_URL) as http:
        simulator = app.state.sim
        world = simulator.world
        try:
            token = (await _exchange(http, settings, _new_code(world, settings.client_id))).access_token
        except Exception:
            # Keep the API tests independent of the OAuth endpoint (test_exchange_code covers it).
            token = simulator.issue_token(world.stores[STORE_HASH], settings.client_id, SCOPES).token
        yield Sim(http=http, settings=settings, world=world, token=token)


async def _products(bc: BigCommerceClient) -> tuple[Product, Product]:
    """A product with variants and one more product, both in stock."""
    products = await bc.search_products(limit=250)
    in_stock = [
        p
        for p in products
        if p.variants and all(v.inventory_level is None or v.inventory_level > 5 for v in p.variants)
    ]
    with_options = next(p for p in in_stock if len(p.variants) > 1)
    other = next(p for p in in_stock if p.id != with_options.id)
    return with_options, other


def _line(product: Product, quantity: int = 1) -> LineItemInput:
    return LineItemInput(product_id=product.id, variant_id=product.variants[0].id, quantity=quantity)


async def test_exchange_code(sim: Sim) -> None:
    code = _new_code(sim.world, sim.settings.client_id)
    token = await _exchange(sim.http, sim.settings, code)
    assert token.access_token
    assert token.store_hash == STORE_HASH
    assert token.scopes == frozenset(SCOPES.split())
    with pytest.raises((InvalidRequest, Unauthorized)):
        await _exchange(sim.http, sim.settings, code)  # codes are single-use


async def test_bad_token_is_unauthorized(sim: Sim) -> None:
    with pytest.raises(Unauthorized):
        await sim.client("not-a-token").search_products(limit=1)


async def test_cart_lifecycle(sim: Sim) -> None:
    bc = sim.client()
    mug, other = await _products(bc)

    cart = await bc.create_cart([_line(mug, 2)], currency="USD", include_redirect_urls=True)
    assert cart.line_items.physical_items[0].product_id == mug.id
    assert cart.line_items.physical_items[0].quantity == 2
    assert cart.redirect_urls is not None
    assert cart.version is not None
    assert cart.created_time is not None and cart.created_time.tzinfo is not None  # noqa: PT018

    fetched = await bc.get_cart(cart.id)
    assert fetched.id == cart.id
    assert fetched.cart_amount == cart.cart_amount

    cart = await bc.add_cart_items(
        cart.id, [{"product_id": other.id, "variant_id": other.variants[0].id, "quantity": 1}]
    )
    assert len(cart.line_items.physical_items) == 2
    assert cart.version is not None
    first = next(i for i in cart.line_items.physical_items if i.product_id == mug.id)

    with pytest.raises(Conflict):
        await bc.update_cart_item(
            cart.id, first.id, product_id=mug.id, variant_id=first.variant_id, quantity=3, version=cart.version - 1
        )
    cart = await bc.update_cart_item(
        cart.id, first.id, product_id=mug.id, variant_id=first.variant_id, quantity=3, version=cart.version
    )
    assert next(i for i in cart.line_items.physical_items if i.id == first.id).quantity == 3

    urls = await bc.create_redirect_urls(cart.id)
    assert urls.checkout_url

    remaining = await bc.delete_cart_item(cart.id, first.id)
    assert remaining is not None
    assert len(remaining.line_items.physical_items) == 1
    last = remaining.line_items.physical_items[0]
    assert await bc.delete_cart_item(cart.id, last.id) is None  # the last line: the cart is gone
    with pytest.raises(NotFound):
        await bc.get_cart(cart.id)


async def test_delete_cart(sim: Sim) -> None:
    bc = sim.client()
    mug, _ = await _products(bc)
    cart = await bc.create_cart([_line(mug)])
    await bc.delete_cart(cart.id)
    with pytest.raises(NotFound):
        await bc.get_cart(cart.id)
    with pytest.raises(NotFound):
        await bc.delete_cart(cart.id)


async def test_checkout_to_order(sim: Sim) -> None:
    bc = sim.client()
    mug, _ = await _products(bc)
    cart = await bc.create_cart([_line(mug, 2)])
    item = cart.line_items.physical_items[0]

    checkout = await bc.get_checkout(cart.id)
    assert checkout.id == cart.id
    assert checkout.order_id is None

    checkout = await bc.add_billing_address(cart.id, ADDRESS)
    assert checkout.billing_address is not None
    assert checkout.billing_address.email == "ana@buyer.example"
    assert checkout.billing_address.id is not None
    new_billing = {"country_code": "US", "email": "ana2@buyer.example"}
    checkout = await bc.update_billing_address(cart.id, checkout.billing_address.id, new_billing)
    assert checkout.billing_address is not None
    assert checkout.billing_address.email == "ana2@buyer.example"

    checkout = await bc.apply_coupon(cart.id, "SPRING10")
    assert [c.code for c in checkout.coupons] == ["SPRING10"]

    consignment = ConsignmentInput(address=ADDRESS, line_items=[ConsignmentLineItem(item_id=item.id, quantity=2)])
    checkout = await bc.add_consignments(cart.id, [consignment])
    options = checkout.consignments[0].available_shipping_options
    assert options
    checkout = await bc.select_shipping_option(cart.id, checkout.consignments[0].id, options[0].id)
    selected = checkout.consignments[0].selected_shipping_option
    assert selected is not None
    assert selected.id == options[0].id
    assert checkout.grand_total > 0

    order_id = await bc.create_order(cart.id)
    order = await bc.get_order(order_id)
    assert order.id == order_id
    assert order.status_id == 0
    assert order.cart_id == cart.id
    assert order.billing_address is not None
    assert order.billing_address.email == "ana2@buyer.example"
    assert order.date_created is not None and order.date_created.tzinfo is not None  # noqa: PT018
    assert order.total_inc_tax == checkout.grand_total

    products = await bc.get_order_products(order_id)
    assert [(p.product_id, p.quantity) for p in products] == [(mug.id, 2)]

    order = await bc.update_order_status(order_id, 11)
    assert order.status_id == 11
    listed = await bc.list_orders(cart_id=cart.id)
    assert [o.id for o in listed] == [order_id]
    assert await bc.list_orders(min_id=order_id + 1000) == []


async def test_catalog(sim: Sim) -> None:
    bc = sim.client()
    mug, other = await _products(bc)
    found = await bc.search_products(keyword=mug.name)
    assert mug.id in [p.id for p in found]
    by_id = await bc.search_products(ids=[mug.id, other.id])
    assert sorted(p.id for p in by_id) == sorted([mug.id, other.id])
    product = await bc.get_product(mug.id)
    assert product.name == mug.name
    assert product.variants
    assert product.images
    with pytest.raises(NotFound):
        await bc.get_product(999_999_999)


async def test_customers(sim: Sim) -> None:
    bc = sim.client()
    ids = sorted(sim.world.stores[STORE_HASH].customers)[:3]
    customers = await bc.get_customers([*ids, 999_999])
    assert sorted(c.id for c in customers) == ids
    assert all(c.email for c in customers)


async def test_hooks(sim: Sim) -> None:
    bc = sim.client()
    destination = "https://localhost/webhooks/bigcommerce"
    hook = await bc.create_hook("store/cart/*", destination, {"X-Cartio-Secret": "s3cret"})
    assert hook.scope == "store/cart/*"
    assert hook.is_active
    assert hook.headers == {"X-Cartio-Secret": "s3cret"}
    assert [h.id for h in await bc.list_hooks()] == [hook.id]
    admin = await bc.hooks_admin()  # BigCommerce answers `data.hooks_list`
    assert [(h.id, h.status) for h in admin.hooks_list] == [(hook.id, "active")]
    assert admin.blocked_domains == []
    updated = await bc.update_hook(hook.id, is_active=False)
    assert updated.is_active is False
    assert [h.status for h in (await bc.hooks_admin()).hooks_list] == ["deactivated"]
    await bc.delete_hook(hook.id)
    assert await bc.list_hooks() == []
    with pytest.raises(NotFound):
        await bc.delete_hook(hook.id)


async def test_scripts(sim: Sim) -> None:
    bc = sim.client()
    script = await bc.create_script(
        name="Cartio tracker",
        description="Reports cart ids to Cartio",
        kind="src",
        src="https://cdn.cartio.example/t.js?s=ab12cd",
        load_method="defer",
        location="footer",
        visibility="storefront",
        auto_uninstall=True,
        consent_category="essential",
        channel_id=1,
    )
    assert script.uuid
    assert script.name == "Cartio tracker"
    assert [s.uuid for s in await bc.list_scripts()] == [script.uuid]
    updated = await bc.update_script(script.uuid, enabled=False)
    assert updated.enabled is False
    await bc.delete_script(script.uuid)
    assert await bc.list_scripts() == []


class _Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client_with_fake_sleep(sim: Sim, sleeps: _Sleeps, max_retries: int = 2) -> BigCommerceClient:
    return BigCommerceClient(
        store_hash=STORE_HASH,
        access_token=sim.token,
        api_url=SIM_URL,
        http=sim.http,
        max_retries=max_retries,
        sleep=sleeps,
    )


async def test_simulator_quota_headers_slow_down_then_429(sim: Sim) -> None:
    response = await sim.http.post("/_sim/faults", json={"rate_limit_per_30s": 3})
    assert response.status_code == 200
    sleeps = _Sleeps()
    bc = _client_with_fake_sleep(sim, sleeps)
    await bc.search_products(limit=1)  # 2 left, below the threshold of 5: the next call waits for the reset
    assert sleeps.calls == []
    await bc.search_products(limit=1)
    assert len(sleeps.calls) == 1
    assert 25 < sleeps.calls[0] <= 30  # ceil(X-Rate-Limit-Time-Reset-Ms / 1000) of a 30 s window
    await bc.search_products(limit=1)  # the last request of the window
    with pytest.raises(RateLimited) as info:  # the fake sleep does not really wait: the quota stays spent
        await bc.search_products(limit=1)
    assert info.value.reset_ms is not None
    assert 0 < info.value.reset_ms <= 30_000


async def test_simulator_server_errors_retry_get_not_post(sim: Sim) -> None:
    mug, _ = await _products(sim.client())
    response = await sim.http.post("/_sim/faults", json={"api_error_rate": 1.0})
    assert response.status_code == 200
    store = sim.world.stores[STORE_HASH]
    bc = _client_with_fake_sleep(sim, _Sleeps(), max_retries=2)

    before = store.rate.count
    with pytest.raises(Transient) as info:
        await bc.search_products(limit=1)
    assert info.value.status in (500, 503)
    assert store.rate.count - before == 3  # GET: first try + 2 retries

    before = store.rate.count
    with pytest.raises(Transient):
        await bc.create_cart([_line(mug)])
    assert store.rate.count - before == 1  # POST: never repeated after it reached the server


async def test_the_quota_left_in_the_store_window_is_exported_per_store_as_the_simulator_reports_it(sim: Sim) -> None:
    response = await sim.http.post("/_sim/faults", json={"rate_limit_per_30s": 50})
    assert response.status_code == 200
    bc = _client_with_fake_sleep(sim, _Sleeps())

    def left() -> float | None:
        return REGISTRY.get_sample_value("cartio_bigcommerce_requests_left", {"store_hash": STORE_HASH})

    await bc.search_products(limit=1)
    assert left() == 49
    await bc.search_products(limit=1)
    await bc.search_products(limit=1)
    assert left() == 47
