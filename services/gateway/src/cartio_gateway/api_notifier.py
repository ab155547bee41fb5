"""`/api/notifications`, the send preview, and the rate-limit check before a send is forwarded to carts.

Included before `api_carts` so that its `POST /api/carts/{id}/send` (check, then forward) is the one that answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from cartio_gateway.api_carts import _cart_id
from cartio_gateway.deps import AuditedRoute, ChangingSessionDep, GatewayDep, SessionDep, json_body
from cartio_gateway.internal import NO_STORE

router = APIRouter(prefix="/api", route_class=AuditedRoute)


def _snapshot(cart: dict[str, Any]) -> dict[str, Any]:
    """Carts' cart in full as the notifier's CartSnapshot (totals live under `summary`)."""
    return {**cart.get("summary", {}), **{k: v for k, v in cart.items() if k != "summary"}}


@router.get("/notifications")
async def notifications(gw: GatewayDep, session: SessionDep, cart_id: str = Query(max_length=64)) -> Response:
    return await gw.notifier.forward(session, "GET", "/notifications", params={"cart_id": _cart_id(cart_id)})


@router.get("/carts/{cart_id}/send/preview")
async def send_preview(
    cart_id: str, gw: GatewayDep, session: SessionDep,
    message: str | None = Query(default=None, max_length=2000), email: str | None = Query(default=None, max_length=254),
) -> Response:
    cart = await gw.carts.call(session, "GET", f"/carts/{_cart_id(cart_id)}")
    if cart.status_code != 200:
        return JSONResponse(cart.json(), status_code=cart.status_code, headers=NO_STORE)
    body = {"cart": _snapshot(cart.json()), "message": message, "recipient": email}
    return await gw.notifier.forward(session, "POST", "/preview", body=body)


@router.post("/carts/{cart_id}/send")
async def send_cart(request: Request, cart_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    """Asks the notifier first (429 with the seconds left while the cart or store was emailed recently; 422 for
    an address a blacklist rule blocks), then carts. A repeat with the same Idempotency-Key passes the check
    and carts answers it with the first send's result."""
    cid = _cart_id(cart_id)
    body = await json_body(request, required=False) or {}
    key = request.headers.get("idempotency-key", "").strip()[:200]
    params = {"idempotency_key": key} if key else {}
    recipient = body.get("email") if isinstance(body.get("email"), str) else None
    if not recipient:
        cart = await gw.carts.call(session, "GET", f"/carts/{cid}")
        if cart.status_code != 200:
            return JSONResponse(cart.json(), status_code=cart.status_code, headers=NO_STORE)
        recipient = (cart.json().get("customer") or {}).get("email")
    if recipient:
        params["recipient"] = recipient[:254]
    check = await gw.notifier.call(session, "GET", f"/carts/{cid}/send-check", params=params)
    if check.status_code != 200:
        headers = {**NO_STORE, **({"Retry-After": ra} if (ra := check.headers.get("retry-after")) else {})}
        return JSONResponse(check.json(), status_code=check.status_code, headers=headers)
    idempotency = {"Idempotency-Key": key} if key else None
    return await gw.carts.forward(session, "POST", f"/carts/{cid}/send", body=body, headers=idempotency)
