"""One function per message type; each runs in one transaction (inbox already claimed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_contracts.messages import (
    NotificationClicked,
    NotificationFailed,
    SendCart,
    StoreInstalled,
    StoreUninstalled,
)
from cartio_notifier import tables as t
from cartio_notifier.domain.delivery import seconds_left
from cartio_notifier.domain.recipients import BadRecipient, normalized_recipient
from cartio_notifier.domain.rendering import render_cart_email
from cartio_notifier.queries import last_send_of_cart, sends_of_store_in_hour, store_info
from cartio_notifier.settings import Settings
from cartio_platform.links import RecoveryLink, sign_link
from cartio_platform.messaging import Unit


def recovery_url(settings: Settings, store_hash: str, notice_id: uuid.UUID, message: SendCart) -> str:
    link = RecoveryLink(store_hash, notice_id, message.checkout_cart_id or message.cart.id, message.checkout_url)
    return f"{settings.public_ingest_url}/r/{sign_link(settings.link_key.get_secret_value(), link)}"

async def on_send_cart(message: SendCart, unit: Unit, *, settings: Settings) -> None:
    """Record the notice (rendered) before anything is sent; the sender delivers it outside this transaction."""
    assert unit.envelope is not None
    notice_id = unit.envelope.message_id
    now = datetime.now(UTC)
    status, reason = "pending", None
    try:
        recipient = normalized_recipient(message.recipient)
    except BadRecipient as exc:
        recipient, status, reason = message.recipient, "failed", str(exc)
    if status == "pending":
        reason = await _rate_limited(unit, message, now, settings)
        status = "failed" if reason else "pending"
    name, _ = await store_info(unit.session, unit.store_hash)
    email = render_cart_email(message.cart, recipient=recipient, store_name=message.store_name or name,
                              message=message.message, link=recovery_url(settings, unit.store_hash, notice_id, message))
    inserted = await unit.session.execute(
        pg_insert(t.notices).values(
            store_hash=unit.store_hash, id=notice_id, cart_id=message.cart.id,
            checkout_cart_id=message.checkout_cart_id, recipient=recipient, requested_by=message.requested_by,
            status=status, reason=reason, subject=email.subject, html=email.html, text=email.text,
            next_attempt_at=now, created_at=now, updated_at=now,
        ).on_conflict_do_nothing().returning(t.notices.c.id)
    )
    if inserted.first() is not None and status == "failed":
        await unit.emit(NotificationFailed(notification_id=notice_id, cart_id=message.cart.id,
                                           recipient=recipient, error=reason or "", failed_at=now))

async def _rate_limited(unit: Unit, message: SendCart, now: datetime, settings: Settings) -> str | None:
    last = await last_send_of_cart(unit.session, unit.store_hash, message.cart.id)
    left = seconds_left(last, now, settings.cart_rate_seconds)
    if left:
        return f"rate limited: this cart was emailed less than {int(settings.cart_rate_seconds)} s ago"
    recent, _ = await sends_of_store_in_hour(unit.session, unit.store_hash, now)
    if recent >= settings.store_rate_per_hour:
        return f"rate limited: the store sent {recent} emails in the last hour"
    return None

async def on_store_installed(message: StoreInstalled, unit: Unit) -> None:
    values = {"name": message.store_name, "currency": message.currency, "updated_at": datetime.now(UTC)}
    await unit.session.execute(
        pg_insert(t.stores).values(store_hash=unit.store_hash, **values)
        .on_conflict_do_update(index_elements=[t.stores.c.store_hash], set_=values)
    )

async def on_store_uninstalled(message: StoreUninstalled, unit: Unit) -> None:
    # The store's notices hold shoppers' addresses: gone with the store (the platform prunes inbox/outbox).
    await unit.session.execute(sa.delete(t.notices).where(t.notices.c.store_hash == unit.store_hash))
    await unit.session.execute(sa.delete(t.stores).where(t.stores.c.store_hash == unit.store_hash))

async def on_notification_clicked(message: NotificationClicked, unit: Unit) -> None:
    n = t.notices
    await unit.session.execute(
        sa.update(n).where(n.c.store_hash == unit.store_hash, n.c.id == message.notification_id)
        .values(clicks=n.c.clicks + 1, clicked_at=sa.func.coalesce(n.c.clicked_at, message.clicked_at))
    )
