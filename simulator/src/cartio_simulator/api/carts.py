"""Carts v3 (Management API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..cart_json import cart_json, parse_include
from ..carts import (
    CustomInput,
    LineInput,
    add_items,
    check_version,
    create_cart,
    delete_cart,
    delete_item,
    get_cart,
    set_customer,
    update_item,
)
from ..errors import SimError, invalid
from ..redirects import mint
from .common import Ctx, ctx, json_object, no_content, read_json, v3

router = APIRouter(prefix="/stores/{store_hash}/v3")
READ = ("store_cart", "store_cart_read_only")
WRITE = ("store_cart",)


def parse_lines(raw: Any, prefix: str) -> list[LineInput]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("JSON data is missing or invalid", {prefix: "must be an array"})
    lines: list[LineInput] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise invalid("JSON data is missing or invalid", {f"{prefix}.{index}": "must be an object"})
        missing = {f"{prefix}.{index}.{k}": "is required" for k in ("product_id", "quantity") if k not in entry}
        if missing:
            raise invalid("JSON data is missing or invalid", missing)
        selections = entry.get("option_selections") or []
        if not isinstance(selections, list):
            raise invalid("JSON data is missing or invalid",
                          {f"{prefix}.{index}.option_selections": "must be an array"})
        lines.append(LineInput(
            product_id=entry["product_id"],
            quantity=entry["quantity"],
            variant_id=entry.get("variant_id"),
            list_price=entry.get("list_price"),
            name=entry.get("name"),
            option_selections=selections,
        ))
    return lines


def parse_custom(raw: Any) -> list[CustomInput]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("JSON data is missing or invalid", {"custom_items": "must be an array"})
    items: list[CustomInput] = []
    for index, entry in enumerate(raw):
        prefix = f"custom_items.{index}"
        if not isinstance(entry, dict):
            raise invalid("JSON data is missing or invalid", {prefix: "must be an object"})
        name, sku, quantity, price = (entry.get(k) for k in ("name", "sku", "quantity", "list_price"))
        errors: dict[str, str] = {}
        if not isinstance(name, str) or not 1 <= len(name) <= 250:
            errors[f"{prefix}.name"] = "1 to 250 characters"
        if not isinstance(sku, str) or not sku:
            errors[f"{prefix}.sku"] = "is required"
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors[f"{prefix}.quantity"] = "must be at least 1"
        if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
            errors[f"{prefix}.list_price"] = "must be a number >= 0"
        if errors:
            raise invalid("JSON data is missing or invalid", errors)
        assert isinstance(name, str)
        assert isinstance(sku, str)
        assert isinstance(quantity, int)
        assert isinstance(price, int | float)
        image = entry.get("image_url")
        items.append(CustomInput(sku, name, quantity, Decimal(str(price)), image if isinstance(image, str) else ""))
    return items


def _includes(include: str | None, *, redirect_urls: bool = False) -> set[str]:
    """`include` of a cart route; `redirect_urls` is an include of `POST /carts` only (BigCommerce refuses it
    elsewhere: links are made with `POST /carts/{id}/redirect_urls`)."""
    includes = parse_include(include)
    if "redirect_urls" in includes and not redirect_urls:
        raise invalid("include=redirect_urls is only available on POST /carts",
                      {"include": "redirect_urls: use POST /carts/{cartId}/redirect_urls"})
    return includes


def _cart(c: Ctx, cart_id: str, includes: set[str], status: int = 200) -> JSONResponse:
    cart = get_cart(c.store, cart_id)
    return v3(cart_json(c.store, cart, c.sim.settings.public_url, includes), status)


@router.post("/carts")
async def create(request: Request, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    includes = _includes(include, redirect_urls=True)
    body = json_object(await read_json(request))
    if body.get("gift_certificates"):
        raise invalid("Gift certificates are not supported by the simulator", {"gift_certificates": "unsupported"})
    currency = body.get("currency") or {}
    code = currency.get("code", "USD") if isinstance(currency, dict) else None
    if code != "USD":
        raise SimError(400, f"The currency {code!r} is not a transactional currency of this store")
    channel_id = body.get("channel_id", 1)
    if channel_id != 1:
        raise invalid("Unknown channel", {"channel_id": "this store has channel 1 only"})
    locale = body.get("locale", "en-US")
    cart, events = create_cart(
        c.store,
        parse_lines(body.get("line_items"), "line_items"),
        parse_custom(body.get("custom_items")),
        created_via="api",
        customer_id=body.get("customer_id", 0),
        locale=locale if isinstance(locale, str) else "en-US",
    )
    c.sim.emit(c.store, events)
    return _cart(c, cart.id, includes, 201)


@router.get("/carts/{cart_id}")
async def read(request: Request, cart_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *READ)
    return _cart(c, cart_id, _includes(include))


@router.put("/carts/{cart_id}")
async def update(request: Request, cart_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    includes = _includes(include)
    cart = get_cart(c.store, cart_id)
    body = json_object(await read_json(request))
    check_version(cart, body.get("version"))
    if "customer_id" not in body:
        raise invalid("JSON data is missing or invalid", {"customer_id": "is required"})
    c.sim.emit(c.store, set_customer(c.store, cart, body["customer_id"]))
    return _cart(c, cart_id, includes, 201)


@router.delete("/carts/{cart_id}")
async def remove(request: Request, cart_id: str) -> Response:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, cart_id)
    c.sim.emit(c.store, delete_cart(c.store, cart))
    return no_content()


@router.post("/carts/{cart_id}/items")
async def add(request: Request, cart_id: str, include: str | None = None) -> JSONResponse:
    c = ctx(request, *WRITE)
    includes = _includes(include)
    cart = get_cart(c.store, cart_id)
    body = json_object(await read_json(request))
    check_version(cart, body.get("version"))
    if body.get("gift_certificates"):
        raise invalid("Gift certificates are not supported by the simulator", {"gift_certificates": "unsupported"})
    events = add_items(c.store, cart, parse_lines(body.get("line_items"), "line_items"),
                       parse_custom(body.get("custom_items")))
    c.sim.emit(c.store, events)
    return _cart(c, cart_id, includes, 201)


@router.put("/carts/{cart_id}/items/{item_id}")
async def change_item(request: Request, cart_id: str, item_id: str, include: str | None = None) -> Response:
    c = ctx(request, *WRITE)
    includes = _includes(include)
    cart = get_cart(c.store, cart_id)
    body = json_object(await read_json(request))
    check_version(cart, body.get("version"))
    line = body.get("line_item")
    if not isinstance(line, dict):
        raise invalid("JSON data is missing or invalid", {"line_item": "is required"})
    missing = {f"line_item.{k}": "is required" for k in ("product_id", "quantity") if k not in line}
    if missing:
        raise invalid("JSON data is missing or invalid", missing)
    deleted, events = update_item(
        c.store, cart, item_id, line["quantity"], product_id=line.get("product_id"),
        variant_id=line.get("variant_id"), list_price=line.get("list_price"),
    )
    c.sim.emit(c.store, events)
    return no_content() if deleted else _cart(c, cart_id, includes)


@router.delete("/carts/{cart_id}/items/{item_id}")
async def remove_item(request: Request, cart_id: str, item_id: str, include: str | None = None) -> Response:
    c = ctx(request, *WRITE)
    includes = _includes(include)
    cart = get_cart(c.store, cart_id)
    body = await read_json(request, required=False)
    if isinstance(body, dict):
        check_version(cart, body.get("version"))
    deleted, events = delete_item(c.store, cart, item_id)
    c.sim.emit(c.store, events)
    return no_content() if deleted else _cart(c, cart_id, includes)


@router.post("/carts/{cart_id}/redirect_urls")
async def redirect_urls(request: Request, cart_id: str) -> JSONResponse:
    c = ctx(request, *WRITE)
    cart = get_cart(c.store, cart_id)
    body = await read_json(request, required=False)
    params = body.get("query_params") if isinstance(body, dict) else None
    if params is not None and not isinstance(params, dict):
        raise invalid("JSON data is missing or invalid", {"query_params": "must be an object"})
    query = {str(k): str(v) for k, v in (params or {}).items()}
    return v3(mint(c.store, cart, c.sim.settings.public_url, query), 201)
