"""Plain HTML pages (until the admin UI lands): the session's store's carts and one cart in detail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cartio_contracts import CART_STATUSES
from cartio_gateway.context import gateway
from cartio_gateway.domain import is_cart_id
from cartio_gateway.errors import ApiError, PageError
from cartio_gateway.sessions import CurrentSession, session_from_request

router = APIRouter(include_in_schema=False)


async def _session(request: Request) -> CurrentSession:
    gw = gateway(request)
    session = await session_from_request(request, gw.db, gw.signer)
    if session is None:
        raise PageError(
            401,
            "Open Cartio from BigCommerce",
            "Cartio runs inside your BigCommerce control panel.",
            hint="Sign in to your store's control panel and open Apps > My Apps > Cartio.",
        )
    return session


async def _carts_json(request: Request, session: CurrentSession, path: str, params: dict[str, str]) -> Any:
    try:
        upstream = await gateway(request).carts.call(session, "GET", path, params=params)
    except ApiError as exc:
        raise PageError(exc.status, "Carts unavailable", exc.message, hint="Reload the page in a moment.") from exc
    if upstream.status_code == 404:
        raise PageError(404, "Cart not found", "This cart does not exist in your store (any more).")
    if upstream.status_code >= 400:
        raise PageError(502 if upstream.status_code >= 500 else upstream.status_code, "Carts unavailable",
                        f"The carts service answered {upstream.status_code}.", hint="Reload the page in a moment.")
    return upstream.json()


@router.get("/", response_class=HTMLResponse)
async def carts_page(request: Request) -> HTMLResponse:
    session = await _session(request)
    params = {k: request.query_params[k] for k in ("status", "q", "cursor") if request.query_params.get(k)}
    params["limit"] = "50"
    # The page itself works without carts: the list is replaced by a notice (the install lands here too).
    problem: str | None = None
    data: dict[str, Any] = {}
    try:
        data = await _carts_json(request, session, "/carts", params)
    except PageError as exc:
        problem = f"{exc.message} {exc.hint or ''}".strip()
    return gateway(request).page(
        request,
        "carts.html",
        session=session,
        problem=problem,
        carts=data.get("items", []),
        next_cursor=data.get("next_cursor"),
        status=params.get("status", ""),
        q=params.get("q", ""),
        statuses=CART_STATUSES,
    )


@router.get("/carts/{cart_id}", response_class=HTMLResponse)
async def cart_page(request: Request, cart_id: str) -> HTMLResponse:
    session = await _session(request)
    if not is_cart_id(cart_id):
        raise PageError(404, "Cart not found", "This cart does not exist in your store.")
    cart = await _carts_json(request, session, f"/carts/{cart_id.lower()}", {})
    return gateway(request).page(request, "cart.html", session=session, cart=cart)
