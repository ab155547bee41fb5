"""`GET /r/{token}`: the link of a sent cart email. Counts the click (`notification.clicked`, confirmed by the
broker), then 302 to a fresh checkout URL of the link's cart. First party: no third-party tracker sees the shopper.

BigCommerce's checkout URLs work once (bigcommerce-api.md 5.3), so the one in the token opens the checkout at the
first visit only. At each click carts mints a new one (`POST /internal/stores/{store}/carts/{id}/checkout-link`):
every click of the email's link lands in the checkout. A cart BigCommerce no longer has gets a readable 410 page.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cartio_contracts.messages import NotificationClicked
from cartio_platform.broker import BrokerUnavailable
from cartio_platform.links import RecoveryLink, verify_link
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime

from .settings import Settings

log = get_logger(__name__)
router = APIRouter()
# A shopper is waiting on the page: better the token's URL soon than a fresh one late.
CARTS_TIMEOUT = 5.0


class CartGone(Exception):
    """BigCommerce no longer has the link's cart (bought, deleted or expired)."""


def _page(status: int, title: str, text: str) -> HTMLResponse:
    head = f"<head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
    body = (f"<!doctype html><html lang='en'>{head}<body style='font-family: sans-serif'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _checkout_url_of(answer: httpx.Response) -> object:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("checkout_url") if isinstance(body, dict) else None


async def fresh_checkout_url(settings: Settings, link: RecoveryLink) -> str:
    """A checkout URL of the link's cart not yet used; CartGone when the cart is gone. When carts cannot answer,
    the token's URL (it works if this is the first visit)."""
    url = f"{settings.carts_url}/internal/stores/{link.store_hash}/carts/{link.cart_id}/checkout-link"
    headers = {"Authorization": f"Bearer {settings.service_token.get_secret_value()}"}
    try:
        async with httpx.AsyncClient(timeout=CARTS_TIMEOUT) as http:
            answer = await http.post(url, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("no fresh checkout link, the token's is used", cart=str(link.cart_id), error=str(exc))
        return link.checkout_url
    if answer.status_code == 404:
        raise CartGone
    fresh = _checkout_url_of(answer) if answer.status_code == 200 else None
    if not isinstance(fresh, str) or not fresh.startswith(("https://", "http://")):
        log.warning("no fresh checkout link, the token's is used", cart=str(link.cart_id),
                    status=answer.status_code, answer=answer.text[:300])
        return link.checkout_url
    return fresh


@router.get("/r/{token}", include_in_schema=False)
async def recover(token: str, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    link = verify_link(settings.link_key.get_secret_value(), token) if len(token) <= 4096 else None
    if link is None:
        return _page(404, "This link is not valid",
                     "The link may have been copied incompletely. Ask the store to send your cart again.")
    runtime: Runtime = request.app.state.runtime
    clicked = NotificationClicked(notification_id=link.notification_id, cart_id=link.cart_id,
                                  clicked_at=datetime.now(UTC))
    try:
        await runtime.publish(clicked, link.store_hash)
    except (BrokerUnavailable, TimeoutError) as exc:
        # The shopper still gets to the checkout; only the count of this click is lost.
        log.warning("click not counted", notification=str(link.notification_id), error=str(exc))
    try:
        checkout_url = await fresh_checkout_url(settings, link)
    except CartGone:
        return _page(410, "This cart is no longer available",
                     "It was bought or removed from the store. Visit the store to shop again.")
    return RedirectResponse(checkout_url, status_code=302, headers={"Cache-Control": "no-store"})
