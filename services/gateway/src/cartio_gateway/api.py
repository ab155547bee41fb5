"""The merchant's JSON API (`/api`): session required, CSRF on state changes, the store from the session only.

Cart and product routes are forwarded to carts' internal API with the session's store in the path; the
browser's path, query and body never choose the store. Every state-changing call is audited.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from cartio_gateway import audit
from cartio_gateway import tables as t
from cartio_gateway.context import Gateway, gateway
from cartio_gateway.domain import csrf_ok, is_cart_id, is_item_id, parse_last_event_id, summarize
from cartio_gateway.errors import ApiError
from cartio_gateway.sessions import CurrentSession, find_session, session_from_request
from cartio_platform.errors import error_response
from cartio_platform.logging import get_logger

log = get_logger(__name__)

router = APIRouter(prefix="/api")

CART_LIST_PARAMS = ("status", "user_type", "q", "updated_since", "min_total", "limit", "cursor")
NO_STORE = {"Cache-Control": "no-store"}
STORE_KEYS = frozenset({"store", "store_hash", "store_id", "storeHash", "context"})


# --- session and CSRF ---------------------------------------------------------------------------------------


async def current_session(request: Request) -> CurrentSession:
    gw = gateway(request)
    session = await session_from_request(request, gw.db, gw.signer)
    if session is None:
        raise ApiError(401, "unauthorized", "No valid session: open Cartio from the BigCommerce control panel.")
    return session


async def changing_session(request: Request, session: CurrentSession = Depends(current_session)) -> CurrentSession:
    """A state-changing call: the session's CSRF token must come in `X-CSRF-Token` (refusals are audited)."""
    if not csrf_ok(request.method, request.headers.get("x-csrf-token"), session.csrf_token):
        await _audit(request, session, status=403)
        raise ApiError(403, "csrf_failed", "The X-CSRF-Token header is missing or wrong; get it from GET /api/me.")
    return session


def _action(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def _target(request: Request) -> str | None:
    params = request.path_params
    parts = [str(params[k]) for k in ("cart_id", "item_id") if k in params]
    return "/".join(parts) or None


async def _audit(request: Request, session: CurrentSession, *, status: int, body: Any = None) -> None:
    summary: dict[str, Any] = {"path": request.url.path}
    if request.url.query:
        summary["query"] = request.url.query[:500]
    if body is not None:
        summary["body"] = summarize(body)
    await audit.record_now(
        gateway(request).db,
        store_hash=session.store_hash,
        actor_id=session.user_id,
        actor_email=session.email,
        action=_action(request),
        target=_target(request),
        status=status,
        request=summary,
    )


async def _audited(
    request: Request, session: CurrentSession, body: Any, call: Callable[[], Awaitable[Response]]
) -> Response:
    try:
        response = await call()
    except ApiError as exc:
        await _audit(request, session, status=exc.status, body=body)
        raise
    except Exception:
        await _audit(request, session, status=500, body=body)
        raise
    await _audit(request, session, status=response.status_code, body=body)
    return response


async def _json_body(request: Request, *, required: bool = True) -> dict[str, Any] | None:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "invalid_json", "A JSON object is required as the request body.")
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "The request body must be a JSON object.")
    # The store comes from the session only: a store named in the body is dropped, never forwarded.
    return {k: v for k, v in body.items() if k not in STORE_KEYS}


# --- forwarding to carts ------------------------------------------------------------------------------------


def _cart_id(cart_id: str) -> str:
    if not is_cart_id(cart_id):
        raise ApiError(404, "cart_not_found", "No such cart.")
    return cart_id.lower()


def _item_id(item_id: str) -> str:
    if not is_item_id(item_id):
        raise ApiError(404, "item_not_found", "No such item in this cart.")
    return item_id


async def call_carts(
    gw: Gateway,
    session: CurrentSession,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Call carts' internal API for the session's store (ApiError 503 when it is down, 502 when it refuses us)."""
    url = f"/internal/stores/{quote(session.store_hash, safe='')}{path}"
    send_headers = {
        "Authorization": f"Bearer {gw.settings.service_token.get_secret_value()}",
        "X-Cartio-Actor": session.actor,
        "Accept": "application/json",
        **(headers or {}),
    }
    try:
        upstream = await gw.carts_http.request(method, url, params=params, json=body, headers=send_headers)
    except httpx.TimeoutException:
        log.warning("carts timed out", method=method, path=path)
        raise ApiError(503, "carts_unavailable", "The carts service did not answer in time; try again shortly.",
                       headers={"Retry-After": "2"}) from None
    except httpx.TransportError as exc:
        log.warning("carts unreachable", method=method, path=path, error=str(exc))
        raise ApiError(503, "carts_unavailable", "The carts service is not reachable; try again shortly.",
                       headers={"Retry-After": "2"}) from None
    if upstream.status_code == 401:
        # Our service token was refused: the merchant's session is fine, the gateway is misconfigured.
        log.error("carts refused the service token", path=path)
        raise ApiError(502, "upstream_refused", "The gateway could not authenticate to the carts service.")
    if upstream.status_code >= 500:
        log.warning("carts failed", method=method, path=path, status=upstream.status_code)
    return upstream


async def forward(
    gw: Gateway,
    session: CurrentSession,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Call carts for the session's store; pass its status and JSON body through (503 when it is down)."""
    upstream = await call_carts(gw, session, method, path, params=params, body=body, headers=headers)
    status = upstream.status_code
    if status == 204 or not upstream.content:
        return Response(status_code=status, headers=NO_STORE)
    try:
        content = upstream.json()
    except ValueError:
        if status >= 500:
            raise ApiError(503, "carts_unavailable", "The carts service failed; try again shortly.") from None
        raise ApiError(502, "upstream_error", f"The carts service answered {status} without JSON.") from None
    return JSONResponse(content, status_code=status, headers=NO_STORE)


# --- routes -------------------------------------------------------------------------------------------------


@router.get("/me")
async def me(session: CurrentSession = Depends(current_session)) -> JSONResponse:
    return JSONResponse(
        {
            "store_hash": session.store_hash,
            "user": {"id": session.user_id, "email": session.email},
            "csrf_token": session.csrf_token,
            "session_expires_at": session.expires_at.isoformat(),
        },
        headers=NO_STORE,
    )


@router.get("/carts")
async def list_carts(request: Request, session: CurrentSession = Depends(current_session)) -> Response:
    params = {k: request.query_params[k] for k in CART_LIST_PARAMS if k in request.query_params}
    return await forward(gateway(request), session, "GET", "/carts", params=params)


@router.get("/carts/{cart_id}")
async def get_cart(request: Request, cart_id: str, session: CurrentSession = Depends(current_session)) -> Response:
    return await forward(gateway(request), session, "GET", f"/carts/{_cart_id(cart_id)}")


@router.post("/carts/{cart_id}/items")
async def add_item(request: Request, cart_id: str, session: CurrentSession = Depends(changing_session)) -> Response:
    async def call() -> Response:
        body = await _json_body(request)
        return await forward(gateway(request), session, "POST", f"/carts/{_cart_id(cart_id)}/items", body=body)

    return await _audited(request, session, await _safe_body(request), call)


@router.patch("/carts/{cart_id}/items/{item_id}")
async def update_item(
    request: Request, cart_id: str, item_id: str, session: CurrentSession = Depends(changing_session)
) -> Response:
    async def call() -> Response:
        body = await _json_body(request)
        path = f"/carts/{_cart_id(cart_id)}/items/{_item_id(item_id)}"
        return await forward(gateway(request), session, "PATCH", path, body=body)

    return await _audited(request, session, await _safe_body(request), call)


@router.delete("/carts/{cart_id}/items/{item_id}")
async def delete_item(
    request: Request, cart_id: str, item_id: str, session: CurrentSession = Depends(changing_session)
) -> Response:
    async def call() -> Response:
        path = f"/carts/{_cart_id(cart_id)}/items/{_item_id(item_id)}"
        return await forward(gateway(request), session, "DELETE", path)

    return await _audited(request, session, None, call)


@router.delete("/carts/{cart_id}")
async def delete_cart(request: Request, cart_id: str, session: CurrentSession = Depends(changing_session)) -> Response:
    async def call() -> Response:
        return await forward(gateway(request), session, "DELETE", f"/carts/{_cart_id(cart_id)}")

    return await _audited(request, session, None, call)


@router.post("/carts/{cart_id}/send")
async def send_cart(request: Request, cart_id: str, session: CurrentSession = Depends(changing_session)) -> Response:
    async def call() -> Response:
        body = await _json_body(request, required=False) or {}
        return await forward(gateway(request), session, "POST", f"/carts/{_cart_id(cart_id)}/send", body=body)

    return await _audited(request, session, await _safe_body(request), call)


@router.post("/carts/{cart_id}/order")
async def order_cart(request: Request, cart_id: str, session: CurrentSession = Depends(changing_session)) -> Response:
    async def call() -> Response:
        key = request.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            raise ApiError(400, "idempotency_key_required",
                           "Send an Idempotency-Key header (up to 200 characters) so the order is created once.")
        body = await _json_body(request, required=False) or {}
        return await forward(gateway(request), session, "POST", f"/carts/{_cart_id(cart_id)}/order", body=body,
                             headers={"Idempotency-Key": key})

    return await _audited(request, session, await _safe_body(request), call)


async def _safe_body(request: Request) -> Any:
    """The body for the audit entry (whatever it is, even unparseable)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"unparseable_bytes": len(raw)}


@router.get("/products")
async def products(
    request: Request,
    q: str | None = Query(default=None, max_length=200),
    limit: int | None = Query(default=None, ge=1, le=250),
    session: CurrentSession = Depends(current_session),
) -> Response:
    params = {k: str(v) for k, v in (("q", q), ("limit", limit)) if v is not None}
    return await forward(gateway(request), session, "GET", "/products", params=params)


@router.get("/audit")
async def audit_log(
    request: Request,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=20),
    session: CurrentSession = Depends(current_session),
) -> JSONResponse:
    """The store's audit log, newest first; `next_cursor` fetches the next page."""
    a = t.audit_log
    query = sa.select(a).where(a.c.store_hash == session.store_hash).order_by(a.c.id.desc()).limit(limit + 1)
    if cursor is not None:
        if not cursor.isdigit():
            raise ApiError(422, "invalid_request", "cursor: not a cursor from this API")
        query = query.where(a.c.id < int(cursor))
    async with gateway(request).db() as db:
        rows = (await db.execute(query)).all()
    items = [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "actor": {"id": r.actor_id, "email": r.actor_email},
            "action": r.action,
            "target": r.target,
            "request": r.request,
            "status": r.status,
        }
        for r in rows[:limit]
    ]
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return JSONResponse({"items": items, "next_cursor": next_cursor}, headers=NO_STORE)


@router.get("/live")
async def live(
    request: Request,
    last_event_id: str | None = Query(default=None, max_length=20),
    session: CurrentSession = Depends(current_session),
) -> Response:
    """Server-sent events of the session's store: `id` (resume with `Last-Event-ID`), `event`, `data`."""
    gw = gateway(request)
    after = parse_last_event_id(request.headers.get("last-event-id"), last_event_id)
    if after is None:
        try:
            after = await gw.hub.latest_seq(session.store_hash)
        except Exception as exc:
            log.warning("live feed unavailable", error=str(exc))
            return error_response(503, "unavailable", "The live feed is unavailable; try again shortly.")

    async def still_valid() -> bool:
        return await find_session(gw.db, session.id) is not None

    stream = gw.hub.stream(session.store_hash, after, heartbeat=gw.settings.live_heartbeat, still_valid=still_valid)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
