"""Checkouts v3: billing address, consignments and shipping options, coupons, discounts, order creation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..cart_json import checkout_json, parse_include
from ..carts import check_version, get_cart
from ..checkouts import (
    add_consignments,
    apply_coupon,
    delete_consignment,
    remove_coupon,
    set_billing,
    set_manual_discount,
    update_consignment,
)
from ..errors import invalid
from ..orders import place_order
from .common import Ctx, ctx, json_object, read_json, v3

router = APIRouter(prefix="/stores/{store_hash}/v3/checkouts")
READ = ("store_checkout", "store_checkout_read_only")
WRITE = ("store_checkout",)


def _checkout(c: Ctx, checkout_id: str, include: str | None) -> JSONResponse:
    cart = get_cart(c.store, checkout_id)
    return v3(checkout_json(c.store, cart, c.sim.settings.public_url, parse_include(include)))


@router.get("/{checkout_id}")
async def read(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    return _checkout(ctx(request, *READ), checkout_id, include)


@router.put("/{checkout_id}")
async def update(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, checkout_id)
    body = json_object(await read_json(request))
    check_version(cart, body.get("version"))
    message = body.get("customer_message", cart.customer_message)
    if not isinstance(message, str):
        raise invalid("JSON data is missing or invalid", {"customer_message": "must be a string"})
    cart.customer_message = message
    cart.touch()
    return _checkout(c, checkout_id, include)


@router.post("/{checkout_id}/billing-address")
async def add_billing(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, checkout_id)
    c.sim.emit(c.store, set_billing(cart, await read_json(request)))
    return _checkout(c, checkout_id, include)


@router.put("/{checkout_id}/billing-address/{address_id}")
async def change_billing(request: Request, checkout_id: str, address_id: str,
                         include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, checkout_id)
    c.sim.emit(c.store, set_billing(cart, await read_json(request), address_id))
    return _checkout(c, checkout_id, include)


@router.post("/{checkout_id}/consignments")
async def add_shipping(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    add_consignments(get_cart(c.store, checkout_id), await read_json(request))
    return _checkout(c, checkout_id, include)


@router.put("/{checkout_id}/consignments/{consignment_id}")
async def change_shipping(request: Request, checkout_id: str, consignment_id: str,
                          include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    update_consignment(get_cart(c.store, checkout_id), consignment_id, await read_json(request))
    return _checkout(c, checkout_id, include)


@router.delete("/{checkout_id}/consignments/{consignment_id}")
async def remove_shipping(request: Request, checkout_id: str, consignment_id: str,
                          include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    delete_consignment(get_cart(c.store, checkout_id), consignment_id)
    return _checkout(c, checkout_id, include)


@router.post("/{checkout_id}/coupons")
async def add_coupon(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    c.sim.emit(c.store, apply_coupon(get_cart(c.store, checkout_id), await read_json(request)))
    return _checkout(c, checkout_id, include)


@router.delete("/{checkout_id}/coupons/{code}")
async def drop_coupon(request: Request, checkout_id: str, code: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    c.sim.emit(c.store, remove_coupon(get_cart(c.store, checkout_id), code))
    return _checkout(c, checkout_id, include)


@router.post("/{checkout_id}/discounts")
async def add_discount(request: Request, checkout_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    c.sim.emit(c.store, set_manual_discount(get_cart(c.store, checkout_id), await read_json(request)))
    return _checkout(c, checkout_id, include)


@router.post("/{checkout_id}/orders")
async def create_order(request: Request, checkout_id: str) -> JSONResponse:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, checkout_id)
    order, events = place_order(
        c.store, cart, status_id=0, payment_method="", payment_status="", order_source="checkout_api"
    )
    c.sim.emit(c.store, events)
    return v3({"id": order.id})
