"""What `/api` routes depend on, as `Annotated` types: the gateway, its settings, the session, CSRF, auditing.

```
router = APIRouter(prefix="/api", route_class=AuditedRoute)

@router.post("/rules")
async def add_rule(request: Request, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    return await gw.blacklist.forward(session, "POST", "/rules", body=await json_body(request))
```

A route that takes `ChangingSessionDep` changes state: the CSRF token is checked, then its audit entry is written
before the route runs (no entry, no action: 503 audit_unavailable), and `AuditedRoute` gives the entry the call's
outcome (the status answered, ApiError's, the validation's 422, or 500). A call refused before it could act (a
wrong CSRF token) is recorded with its status too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from cartio_gateway import audit
from cartio_gateway.context import Gateway, gateway
from cartio_gateway.domain import csrf_ok, summarize
from cartio_gateway.errors import ApiError
from cartio_gateway.sessions import CurrentSession, session_from_request
from cartio_gateway.settings import Settings
from cartio_platform.inputs import BadJson, loads_strict

# The store comes from the session only: a store named in a body is dropped, never forwarded.
STORE_KEYS = frozenset({"store", "store_hash", "store_id", "storeHash", "context"})
_AUDIT_STATE = "cartio_audit_session"
_AUDIT_ENTRY = "cartio_audit_entry"
_AUDIT_DOWN = "cartio_audit_down"


# `async def` though they await nothing: FastAPI runs a plain `def` dependency in a worker thread, a thread hop
# on every call.
async def get_gateway(request: Request) -> Gateway:
    return gateway(request)


async def get_settings(request: Request) -> Settings:
    return gateway(request).settings


async def current_session(request: Request) -> CurrentSession:
    gw = gateway(request)
    session = await session_from_request(request, gw.db, gw.signer)
    if session is None:
        raise ApiError(401, "unauthorized", "No valid session: open Cartio from the BigCommerce control panel.")
    return session


async def changing_session(
    request: Request, session: Annotated[CurrentSession, Depends(current_session)]
) -> CurrentSession:
    """A state-changing call: the CSRF token must come in `X-CSRF-Token`, and its audit entry is written first."""
    setattr(request.state, _AUDIT_STATE, session)
    if not csrf_ok(request.method, request.headers.get("x-csrf-token"), session.csrf_token):
        raise ApiError(403, "csrf_failed", "The X-CSRF-Token header is missing or wrong; get it from GET /api/me.")
    try:
        entry_id = await audit.begin(gateway(request).db, **await _entry(request, session, with_body=True))
    except audit.AuditUnavailable:
        setattr(request.state, _AUDIT_DOWN, True)
        raise ApiError(503, "audit_unavailable", "The audit log cannot be written now, so nothing was done; "
                       "try again shortly.") from None
    setattr(request.state, _AUDIT_ENTRY, entry_id)
    return session


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[CurrentSession, Depends(current_session)]
ChangingSessionDep = Annotated[CurrentSession, Depends(changing_session)]


class AuditedRoute(APIRoute):
    """Gives the audit entry of every call whose route took `ChangingSessionDep` the status it got."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def audited(request: Request) -> Response:
            try:
                response = await handle(request)
            except ApiError as exc:
                await _audit(request, exc.status)
                raise
            except RequestValidationError:
                await _audit(request, 422)
                raise
            except HTTPException as exc:
                await _audit(request, exc.status_code)
                raise
            except Exception:
                await _audit(request, 500)
                raise
            await _audit(request, response.status_code)
            return response

        return audited


async def _audit(request: Request, status: int) -> None:
    session: CurrentSession | None = getattr(request.state, _AUDIT_STATE, None)
    entry_id: int | None = getattr(request.state, _AUDIT_ENTRY, None)
    if entry_id is not None:
        await audit.finish(gateway(request).db, entry_id, status)
    elif session is not None and not getattr(request.state, _AUDIT_DOWN, False):
        # refused before its entry was begun (CSRF), so nothing happened: recorded with the refusal
        await audit.record_now(gateway(request).db, status=status,
                               **await _entry(request, session, with_body=status != 403))
    # no session: not a state change, or refused before the session was known (401)


async def _entry(request: Request, session: CurrentSession, *, with_body: bool) -> dict[str, Any]:
    """Who, what and on what: the audit entry of this call, but its status."""
    summary: dict[str, Any] = {"path": request.url.path}
    if request.url.query:
        summary["query"] = request.url.query[:500]
    body = await _body_for_audit(request) if with_body else None
    if body is not None:
        summary["body"] = summarize(body)
    route = request.scope.get("route")
    params = request.path_params
    target = "/".join(str(params[k]) for k in ("cart_id", "item_id", "rule_id") if k in params) or None
    return {
        "store_hash": session.store_hash,
        "actor_id": session.user_id,
        "actor_email": session.email,
        "action": f"{request.method} {getattr(route, 'path', request.url.path)}",
        "target": target[:200] if target else None,
        "request": summary,
    }


async def _body_for_audit(request: Request) -> Any:
    """The body for the audit entry (whatever it is, even unparseable)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return loads_strict(raw)
    except BadJson as exc:
        if exc.status == 422:  # well-formed, with a NUL PostgreSQL's JSON cannot hold: kept, the NUL escaped
            with contextlib.suppress(ValueError, RecursionError, BadJson):
                return loads_strict(raw.replace(b"\\u0000", b"\\\\u0000"))
        return {"unparseable_bytes": len(raw)}


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any] | None:
    """The request's JSON object without any store key; 400/422 when it is not one."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "invalid_json", "A JSON object is required as the request body.")
        return None
    try:
        body = loads_strict(raw)
    except BadJson as exc:
        raise ApiError(exc.status, "invalid_json", f"The request body is not JSON we accept: {exc}.") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "The request body must be a JSON object.")
    return {k: v for k, v in body.items() if k not in STORE_KEYS}
