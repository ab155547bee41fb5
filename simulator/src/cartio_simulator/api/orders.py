"""Orders v2: bare JSON, 4-decimal money strings, RFC 2822 dates, 204 for an empty list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import SimError
from ..order_json import coupons_json, order_json, order_product_json, shipping_address_json, statuses_json
from ..orders import ORDER_STATUSES, archive_order, get_order, update_order
from ..state import Order
from .common import ctx, no_content, page_params, read_json

router = APIRouter(prefix="/stores/{store_hash}/v2")
READ = ("store_v2_orders", "store_v2_orders_read_only")
WRITE = ("store_v2_orders",)


def _date(raw: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError) as exc:
            raise SimError(400, f"The filter '{name}' is not a valid date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _matches(order: Order, query: dict[str, str]) -> bool:
    def number(name: str) -> Decimal:
        try:
            return Decimal(query[name])
        except InvalidOperation as exc:
            raise SimError(400, f"The filter '{name}' must be a number") from exc

    if "status_id" in query:
        if order.status_id != int(number("status_id")):
            return False
    elif order.status_id == 0:
        return False  # Incomplete orders are listed only with status_id=0
    if query.get("is_deleted", "false").lower() != str(order.is_deleted).lower():
        return False
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("min_id", lambda: order.id >= number("min_id")),
        ("max_id", lambda: order.id <= number("max_id")),
        ("min_total", lambda: order.total_inc_tax >= number("min_total")),
        ("max_total", lambda: order.total_inc_tax <= number("max_total")),
        ("customer_id", lambda: order.customer_id == number("customer_id")),
        ("email", lambda: str(order.billing_address.get("email", "")).lower() == query["email"].lower()),
        ("cart_id", lambda: order.cart_id == query["cart_id"]),
        ("payment_method", lambda: order.payment_method == query["payment_method"]),
        ("channel_id", lambda: number("channel_id") == 1),
        ("min_date_created", lambda: order.date_created >= _date(query["min_date_created"], "min_date_created")),
        ("max_date_created", lambda: order.date_created <= _date(query["max_date_created"], "max_date_created")),
        ("min_date_modified",
         lambda: order.date_modified >= _date(query["min_date_modified"], "min_date_modified")),
        ("max_date_modified",
         lambda: order.date_modified <= _date(query["max_date_modified"], "max_date_modified")),
    ]
    return all(check() for name, check in checks if name in query)


def _sorted(orders: list[Order], sort: str | None) -> list[Order]:
    field, _, direction = (sort or "id:asc").partition(":")
    keys: dict[str, Callable[[Order], Any]] = {"id": lambda o: o.id, "date_created": lambda o: o.date_created,
            "date_modified": lambda o: o.date_modified, "status_id": lambda o: o.status_id}
    if field not in keys:
        raise SimError(400, f"The sort field '{field}' is not supported")
    return sorted(orders, key=keys[field], reverse=direction.lower() == "desc")


@router.get("/orders")
async def list_orders(request: Request, page: int | None = None, limit: int | None = None,
                      sort: str | None = None) -> Response:
    c = ctx(request, *READ)
    number, size = page_params(page, limit)
    query = dict(request.query_params)
    orders = _sorted([o for o in c.store.orders.values() if _matches(o, query)], sort)
    chunk = orders[(number - 1) * size : number * size]
    if not chunk:
        return no_content()
    base = c.sim.api_v2_base(c.store)
    return JSONResponse([order_json(o, base) for o in chunk])


@router.get("/orders/count")
async def count_orders(request: Request) -> JSONResponse:
    c = ctx(request, *READ)
    live = [o for o in c.store.orders.values() if not o.is_deleted]
    statuses = [
        {"id": status_id, "name": name, "system_label": name, "custom_label": name,
         "count": sum(1 for o in live if o.status_id == status_id), "sort_order": status_id}
        for status_id, name in ORDER_STATUSES.items()
    ]
    return JSONResponse({"statuses": statuses, "count": len(live)})


@router.get("/orders/{order_id}")
async def read_order(request: Request, order_id: int) -> JSONResponse:
    c = ctx(request, *READ)
    return JSONResponse(order_json(get_order(c.store, order_id), c.sim.api_v2_base(c.store)))


@router.put("/orders/{order_id}")
async def change_order(request: Request, order_id: int) -> JSONResponse:
    c = ctx(request, *WRITE)
    order = get_order(c.store, order_id)
    c.sim.emit(c.store, update_order(order, await read_json(request)))
    return JSONResponse(order_json(order, c.sim.api_v2_base(c.store)))


@router.delete("/orders/{order_id}")
async def archive(request: Request, order_id: int) -> Response:
    c = ctx(request, *WRITE)
    c.sim.emit(c.store, archive_order(get_order(c.store, order_id)))
    return no_content()


@router.get("/orders/{order_id}/products")
async def order_products(request: Request, order_id: int, page: int | None = None,
                         limit: int | None = None) -> Response:
    c = ctx(request, *READ)
    order = get_order(c.store, order_id)
    number, size = page_params(page, limit)
    chunk = order.products[(number - 1) * size : number * size]
    if not chunk:
        return no_content()
    return JSONResponse([order_product_json(order, p) for p in chunk])


@router.get("/orders/{order_id}/shipping_addresses")
async def order_shipping(request: Request, order_id: int) -> Response:
    c = ctx(request, *READ)
    addresses = shipping_address_json(get_order(c.store, order_id))
    return JSONResponse(addresses) if addresses else no_content()


@router.get("/orders/{order_id}/coupons")
async def order_coupons(request: Request, order_id: int) -> Response:
    c = ctx(request, *READ)
    coupons = coupons_json(get_order(c.store, order_id))
    return JSONResponse(coupons) if coupons else no_content()


@router.get("/order_statuses")
async def order_statuses(request: Request) -> JSONResponse:
    ctx(request, *READ)
    return JSONResponse(statuses_json())
