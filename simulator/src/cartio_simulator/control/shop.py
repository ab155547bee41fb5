"""Shoppers' actions on the storefront (carts, items, email, checkout, abandon) and what the store holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..cart_json import cart_json
from ..carts import LineInput, abandon, add_items, delete_item, get_cart, set_email, update_item
from ..catalog import PRODUCTS
from ..catalog_json import customer_json, product_json
from ..checkouts import apply_coupon, auto_consignment
from ..order_json import order_json
from ..runtime import Simulator
from ..state import Cart, Json, Store
from ..storefront_actions import shipping_address, shopper_checks_out, shopper_creates_cart
from .common import sim_of

router = APIRouter(prefix="/_sim")
INCLUDE = {"line_items.physical_items.options"}


class ItemIn(BaseModel):
    product_id: int
    variant_id: int | None = None
    quantity: int = 1
    option_selections: list[dict[str, Any]] = Field(default_factory=list)  # checked as BigCommerce does

    def line(self) -> LineInput:
        return LineInput(product_id=self.product_id, variant_id=self.variant_id, quantity=self.quantity,
                         option_selections=list(self.option_selections))


class CartIn(BaseModel):
    items: list[ItemIn] = Field(min_length=1)
    email: str | None = None
    customer_id: int = 0
    ip: str | None = None
    user_agent: str | None = None


class QuantityIn(BaseModel):
    quantity: int = Field(ge=0)


class EmailIn(BaseModel):
    email: str


class CheckoutIn(BaseModel):
    email: str | None = None
    billing_address: dict[str, Any] | None = None
    # False: the order stays Incomplete until `POST /_sim/orders/{id}/pay`.
    pay: bool = True


def _cart(sim: Simulator, store: Store, cart: Cart, status: int = 200) -> JSONResponse:
    return JSONResponse(cart_json(store, cart, sim.settings.public_url, INCLUDE), status_code=status)


@router.post("/carts")
async def create_cart(request: Request, body: CartIn, store: str | None = None) -> JSONResponse:
    sim = sim_of(request)
    target = sim.store(store)
    cart = await shopper_creates_cart(
        sim, target, [i.line() for i in body.items], email=body.email, customer_id=body.customer_id,
        ip=body.ip, user_agent=body.user_agent,
    )
    return _cart(sim, target, cart, 201)


@router.get("/carts")
async def list_carts(request: Request, store: str | None = None) -> list[Json]:
    sim = sim_of(request)
    target = sim.store(store)
    return [
        {**cart_json(target, c, sim.settings.public_url, INCLUDE),
         "_storefront": {"session_id": c.session_id, "ip": c.ip, "user_agent": c.user_agent,
                         "created_via": c.created_via}}
        for c in target.carts.values()
    ]


@router.get("/carts/{cart_id}")
async def read_cart(request: Request, cart_id: str, store: str | None = None) -> JSONResponse:
    sim = sim_of(request)
    target = sim.store(store)
    return _cart(sim, target, get_cart(target, cart_id))


@router.post("/carts/{cart_id}/items")
async def add_item(request: Request, cart_id: str, body: ItemIn, store: str | None = None) -> JSONResponse:
    sim = sim_of(request)
    target = sim.store(store)
    cart = get_cart(target, cart_id)
    sim.emit(target, add_items(target, cart, [body.line()], []))
    return _cart(sim, target, cart, 201)


@router.patch("/carts/{cart_id}/items/{item_id}", response_model=None)
async def change_item(request: Request, cart_id: str, item_id: str, body: QuantityIn,
                      store: str | None = None) -> Response:
    sim = sim_of(request)
    target = sim.store(store)
    cart = get_cart(target, cart_id)
    deleted, events = update_item(target, cart, item_id, body.quantity)
    sim.emit(target, events)
    return Response(status_code=204) if deleted else _cart(sim, target, cart)


@router.delete("/carts/{cart_id}/items/{item_id}", response_model=None)
async def remove_item(request: Request, cart_id: str, item_id: str, store: str | None = None) -> Response:
    sim = sim_of(request)
    target = sim.store(store)
    cart = get_cart(target, cart_id)
    deleted, events = delete_item(target, cart, item_id)
    sim.emit(target, events)
    return Response(status_code=204) if deleted else _cart(sim, target, cart)


@router.post("/carts/{cart_id}/email")
async def enter_email(request: Request, cart_id: str, body: EmailIn, store: str | None = None) -> JSONResponse:
    sim = sim_of(request)
    target = sim.store(store)
    cart = get_cart(target, cart_id)
    sim.emit(target, set_email(cart, body.email))
    return _cart(sim, target, cart)


@router.post("/carts/{cart_id}/checkout", status_code=201)
async def checkout(request: Request, cart_id: str, store: str | None = None,
                   body: CheckoutIn | None = None) -> Json:
    sim = sim_of(request)
    target = sim.store(store)
    async with target.lock:
        cart = get_cart(target, cart_id)
        order = await shopper_checks_out(
            sim, target, cart, email=body.email if body else None,
            billing_address=body.billing_address if body else None, pay=body.pay if body else True,
        )
    return order_json(order, sim.api_v2_base(target))


class CouponIn(BaseModel):
    code: str = Field(min_length=1, max_length=50)


class ShippingIn(BaseModel):
    email: str | None = None
    country_code: str | None = Field(default=None, min_length=2, max_length=2)


@router.post("/carts/{cart_id}/coupon")
async def enter_coupon(request: Request, cart_id: str, body: CouponIn, store: str | None = None) -> JSONResponse:
    """The shopper types a coupon code at checkout (fires store/cart/couponApplied)."""
    sim = sim_of(request)
    target = sim.store(store)
    async with target.lock:
        cart = get_cart(target, cart_id)
        sim.emit(target, apply_coupon(cart, {"coupon_code": body.code}))
    return _cart(sim, target, cart)


@router.post("/carts/{cart_id}/shipping")
async def choose_shipping(request: Request, cart_id: str, body: ShippingIn, store: str | None = None) -> Json:
    """The shopper enters a shipping address at checkout and takes the cheapest option. Like BigCommerce,
    this fires no cart webhook by itself; Cartio sees it with the cart's next change."""
    sim = sim_of(request)
    target = sim.store(store)
    async with target.lock:
        cart = get_cart(target, cart_id)
        email = body.email or cart.email or "shopper@buyer.example"
        address = shipping_address(sim, target, cart, email, body.country_code)
        auto_consignment(cart, address)
        cart.touch()
    return {"cart_id": cart_id, "consignments": len(cart.consignments)}


@router.post("/carts/{cart_id}/abandon")
async def abandon_cart(request: Request, cart_id: str, store: str | None = None) -> Json:
    """Fires store/cart/abandoned now (BigCommerce waits an hour without changes)."""
    sim = sim_of(request)
    target = sim.store(store)
    token, events = abandon(target, get_cart(target, cart_id))
    sim.emit(target, events)
    return {"cart_id": cart_id, "token": token}


@router.get("/orders")
async def list_orders(request: Request, store: str | None = None) -> list[Json]:
    sim = sim_of(request)
    target = sim.store(store)
    base = sim.api_v2_base(target)
    return [order_json(o, base) for o in sorted(target.orders.values(), key=lambda o: o.id)]


@router.get("/products")
async def list_products(request: Request) -> list[Json]:
    sim = sim_of(request)
    return [product_json(p, sim.settings.public_url, {"images", "variants", "modifiers"}) for p in PRODUCTS.values()]


@router.get("/customers")
async def list_customers(request: Request, store: str | None = None) -> list[Json]:
    target = sim_of(request).store(store)
    return [customer_json(c, {"addresses"}) for c in target.customers.values()]
