"""`/api/carts` and `/api/products`: forwarded to carts' internal API with the session's store in the path.

The browser's path, query and body never choose the store. Every state-changing call is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cartio_gateway.deps import AuditedRoute, ChangingSessionDep, GatewayDep, SessionDep, json_body
from cartio_gateway.domain import is_cart_id, is_item_id
from cartio_gateway.errors import ApiError

router = APIRouter(prefix="/api", route_class=AuditedRoute)

CART_LIST_PARAMS = ("status", "user_type", "q", "updated_since", "min_total", "limit", "cursor")


def _cart_id(cart_id: str) -> str:
    if not is_cart_id(cart_id):
        raise ApiError(404, "cart_not_found", "No such cart.")
    return cart_id.lower()


def _item_id(item_id: str) -> str:
    if not is_item_id(item_id):
        raise ApiError(404, "item_not_found", "No such item in this cart.")
    return item_id


@router.get("/carts")
async def list_carts(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    params = {k: request.query_params[k] for k in CART_LIST_PARAMS if k in request.query_params}
    return await gw.carts.forward(session, "GET", "/carts", params=params)


@router.get("/carts/{cart_id}")
async def get_cart(cart_id: str, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.carts.forward(session, "GET", f"/carts/{_cart_id(cart_id)}")


@router.post("/carts/{cart_id}/items")
async def add_item(request: Request, cart_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    body = await json_body(request)
    return await gw.carts.forward(session, "POST", f"/carts/{_cart_id(cart_id)}/items", body=body)


@router.patch("/carts/{cart_id}/items/{item_id}")
async def update_item(
    request: Request, cart_id: str, item_id: str, gw: GatewayDep, session: ChangingSessionDep
) -> Response:
    body = await json_body(request)
    path = f"/carts/{_cart_id(cart_id)}/items/{_item_id(item_id)}"
    return await gw.carts.forward(session, "PATCH", path, body=body)


@router.delete("/carts/{cart_id}/items/{item_id}")
async def delete_item(cart_id: str, item_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    path = f"/carts/{_cart_id(cart_id)}/items/{_item_id(item_id)}"
    return await gw.carts.forward(session, "DELETE", path)


@router.delete("/carts/{cart_id}")
async def delete_cart(cart_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    return await gw.carts.forward(session, "DELETE", f"/carts/{_cart_id(cart_id)}")


@router.post("/carts/{cart_id}/order")
async def order_cart(request: Request, cart_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        raise ApiError(400, "idempotency_key_required",
                       "Send an Idempotency-Key header (up to 200 characters) so the order is created once.")
    body = await json_body(request, required=False) or {}
    return await gw.carts.forward(session, "POST", f"/carts/{_cart_id(cart_id)}/order", body=body,
                                  headers={"Idempotency-Key": key})


@router.get("/products")
async def products(
    gw: GatewayDep,
    session: SessionDep,
    q: str | None = Query(default=None, max_length=200),
    limit: int | None = Query(default=None, ge=1, le=250),
) -> Response:
    params = {k: str(v) for k, v in (("q", q), ("limit", limit)) if v is not None}
    return await gw.carts.forward(session, "GET", "/products", params=params)
