"""Internal HTTP routes (gateway only): notices of a cart, the email preview, the send check.

Every route needs `Authorization: Bearer <CARTIO_SERVICE_TOKEN>`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cartio_contracts.messages import CartSnapshot, SendCart
from cartio_notifier.domain.delivery import Refused, seconds_left
from cartio_notifier.domain.recipients import BadRecipient, normalized_recipient
from cartio_notifier.domain.rendering import render_cart_email
from cartio_notifier.handlers import recovery_url
from cartio_notifier.queries import (
    last_send_of_cart,
    notice_exists,
    notices_of_cart,
    sends_of_store_in_hour,
    store_info,
)
from cartio_notifier.sending import Sender
from cartio_notifier.settings import Settings
from cartio_platform.errors import ApiError
from cartio_platform.runtime import RuntimeDep
from cartio_platform.security import require_service_token

router = APIRouter(prefix="/internal/stores/{store}", dependencies=[Depends(require_service_token)])


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(422, "invalid_request", f"{what} must be a UUID, not {value[:60]!r}") from None


@router.get("/notifications")
async def notifications(store: str, runtime: RuntimeDep, cart_id: str = Query(max_length=64)) -> dict[str, Any]:
    async with runtime.db() as session:
        items = await notices_of_cart(session, store, _uuid(cart_id, "cart_id"))
    return {"items": items}


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cart: CartSnapshot
    recipient: str | None = Field(default=None, max_length=254)
    message: str | None = Field(default=None, max_length=2000)
    store_name: str | None = Field(default=None, max_length=200)


@router.post("/preview")
async def preview(store: str, body: PreviewIn, runtime: RuntimeDep, settings: SettingsDep) -> dict[str, str]:
    """The email exactly as it would be sent (the link is signed for a placeholder notice id)."""
    recipient = body.recipient or body.cart.customer.email
    if not recipient:
        raise ApiError(422, "recipient_missing", "The cart has no email address: give the shopper's email")
    try:
        recipient = normalized_recipient(recipient)
    except BadRecipient as exc:
        raise ApiError(422, "invalid_email", str(exc)) from None
    async with runtime.db() as session:
        name, _ = await store_info(session, store)
    command = SendCart(cart=body.cart, recipient=recipient, checkout_url="https://checkout.invalid/preview",
                       message=body.message, requested_by="preview")
    link = recovery_url(settings, store, uuid.UUID(int=0), command)
    email = render_cart_email(body.cart, recipient=recipient, store_name=body.store_name or name,
                              message=body.message, link=link)
    return {"subject": email.subject, "html": email.html, "text": email.text, "to": email.to}


@router.get("/carts/{cart_id}/send-check")
async def send_check(
    store: str, cart_id: str, request: Request, runtime: RuntimeDep, settings: SettingsDep,
    recipient: str | None = Query(default=None, max_length=254),
    idempotency_key: str | None = Query(default=None, max_length=200),
) -> dict[str, Any]:
    """200 when the cart may be emailed now (to `recipient`, when given); 429 with the seconds left (and
    `Retry-After`) while the cart or the store is rate limited; 422 for an address that is malformed or that
    a blacklist rule blocks. A repeat of a send (its Idempotency-Key names a notice already made) is allowed:
    carts answers it with the first send's result and sends nothing."""
    cid = _uuid(cart_id, "cart_id")
    if recipient:  # bad input answers 422 before any rate limit: the merchant fixes the address first
        await _recipient_allowed(request, settings, store, recipient)
    now = datetime.now(UTC)
    async with runtime.db() as session:
        if idempotency_key and await notice_exists(session, store, SendCart.command_id(store, cid, idempotency_key)):
            return {"allowed": True, "seconds_left": 0, "repeat": True}
        last = await last_send_of_cart(session, store, cid)
        left = seconds_left(last, now, settings.cart_rate_seconds)
        if left:
            raise ApiError(429, "rate_limited",
                           f"This cart was emailed less than {int(settings.cart_rate_seconds)} s ago; "
                           f"try again in {left} s.", headers={"Retry-After": str(left)}, seconds_left=left)
        sent, oldest = await sends_of_store_in_hour(session, store, now)
    if sent >= settings.store_rate_per_hour and oldest is not None:
        left = seconds_left(oldest, now, 3600)
        raise ApiError(429, "rate_limited",
                       f"This store sent {sent} cart emails in the last hour, the most it may "
                       f"({settings.store_rate_per_hour}); try again in {left} s.",
                       headers={"Retry-After": str(left)}, seconds_left=left)
    return {"allowed": True, "seconds_left": 0, "repeat": False}


async def _recipient_allowed(request: Request, settings: Settings, store: str, recipient: str) -> None:
    try:
        address = normalized_recipient(recipient)
    except BadRecipient as exc:
        raise ApiError(422, "invalid_email", str(exc)) from None
    sender: Sender = request.app.state.sender
    checked = await sender.check(store, address)
    # Only a rule's answer refuses here; the blacklist being unreachable is the sender's to wait out.
    if isinstance(checked, Refused):
        raise ApiError(422, "recipient_blocked",
                       f"{address} is not emailed: it is {checked.reason}. Nothing was sent.")
