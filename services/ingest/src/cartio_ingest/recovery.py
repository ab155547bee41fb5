"""`GET /r/{token}`: the link of a sent cart email. Counts the click (`notification.clicked`, confirmed by the
broker), then 302 to the store's checkout. First party: no third-party tracker sees the shopper."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cartio_contracts.messages import NotificationClicked
from cartio_platform.broker import BrokerUnavailable
from cartio_platform.links import verify_link
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime

log = get_logger(__name__)
router = APIRouter()


def _page(status: int, title: str, text: str) -> HTMLResponse:
    head = f"<head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
    body = (f"<!doctype html><html lang='en'>{head}<body style='font-family: sans-serif'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/r/{token}", include_in_schema=False)
async def recover(token: str, request: Request) -> Response:
    key = request.app.state.settings.link_key.get_secret_value()
    link = verify_link(key, token) if len(token) <= 4096 else None
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
    return RedirectResponse(link.checkout_url, status_code=302, headers={"Cache-Control": "no-store"})
