"""One function per message type, each run by the platform consumer in one transaction (inbox claimed).

Webhooks are thin: the cart or order is fetched from BigCommerce with the store's token and kept only if
newer. BigCommerce being down or throttling raises (the platform retries with backoff); a request that
BigCommerce calls invalid, or bad message data, is `Permanent` (parked). An unknown or uninstalled store is
logged and dropped: no retry would fix it.

`blacklist.matched` is enforced here: the cart is deleted in BigCommerce and blocked in Cartio, or the order is
declined in BigCommerce (and its cart blocked). Enforcing a match twice changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import BigCommerceClient, InvalidRequest, NotFound, Unauthorized
from cartio_contracts import Envelope
from cartio_contracts.messages import (
    BlacklistMatched,
    NotificationClicked,
    NotificationFailed,
    NotificationSent,
    StorefrontSession,
    StoreInstalled,
    StoreUninstalled,
    WebhookReceived,
)
from cartio_platform.consumer import Handler, Permanent
from cartio_platform.logging import get_logger

from . import domain
from .clients import StoreUnavailable
from .service import SHOPPER, CartService, current_cause, now
from .tables import carts, orders, stores

log = get_logger(__name__)

WEBHOOK_TYPE = WebhookReceived.TYPE
CART_ROUTING_KEYS = ("bigcommerce.store.cart.#", "bigcommerce.store.order.#")
EVENT_ROUTING_KEYS = (StorefrontSession.TYPE, StoreInstalled.TYPE, StoreUninstalled.TYPE, BlacklistMatched.TYPE,
                      NotificationSent.TYPE, NotificationFailed.TYPE, NotificationClicked.TYPE)
NOTIFIER = "notifier"


def _parse(model: Any, envelope: Envelope) -> Any:
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise Permanent(f"{envelope.type} data is invalid: {exc.errors()[:3]}") from None


def _cart_id(value: Any, scope: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Permanent(f"{scope}: cart id {value!r} is not a UUID") from None


class Handlers:
    def __init__(self, service: CartService) -> None:
        self.service = service

    def webhook_handlers(self) -> dict[str, Handler]:
        return {WEBHOOK_TYPE: self._traced(self.on_webhook)}

    def event_handlers(self) -> dict[str, Handler]:
        return {
            StorefrontSession.TYPE: self._traced(self.on_storefront_session),
            StoreInstalled.TYPE: self._traced(self.on_store_installed),
            StoreUninstalled.TYPE: self._traced(self.on_store_uninstalled),
            BlacklistMatched.TYPE: self._traced(self.on_blacklist_matched),
            NotificationSent.TYPE: self._traced(self.on_notification_sent),
            NotificationFailed.TYPE: self._traced(self.on_notification_failed),
            NotificationClicked.TYPE: self._traced(self.on_notification_clicked),
        }

    @staticmethod
    def _traced(handler: Callable[[AsyncSession, Envelope], Awaitable[None]]) -> Handler:
        async def run(session: AsyncSession, envelope: Envelope) -> None:
            token = current_cause.set(envelope)
            try:
                await handler(session, envelope)
            finally:
                current_cause.reset(token)

        return run

    # --- webhooks ------------------------------------------------------------------------------------------

    async def on_webhook(self, session: AsyncSession, envelope: Envelope) -> None:
        hook: WebhookReceived = _parse(WebhookReceived, envelope)
        store_hash = envelope.store_hash
        if hook.producer != f"stores/{store_hash}":
            raise Permanent(f"webhook producer {hook.producer} does not match the envelope's store {store_hash}")
        try:
            client = await self.service.clients.get(store_hash, session)
        except StoreUnavailable as exc:
            log.warning("webhook dropped: store not installed here", store_hash=store_hash, scope=hook.scope,
                        reason=str(exc))
            return
        try:
            if hook.scope.startswith("store/cart/"):
                await self._cart_webhook(session, store_hash, client, hook)
            elif hook.scope.startswith("store/order/"):
                await self._order_webhook(session, store_hash, client, hook)
            else:
                log.info("webhook scope not handled", scope=hook.scope)
        except InvalidRequest as exc:
            raise Permanent(f"BigCommerce refused the request: {exc}") from None
        except Unauthorized as exc:
            log.error("BigCommerce refused the store's token; webhook dropped", store_hash=store_hash,
                      scope=hook.scope, error=str(exc))

    async def _cart_webhook(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, hook: WebhookReceived
    ) -> None:
        scope = hook.scope
        data = hook.data
        if scope.startswith(("store/cart/metafield/", "store/cart/lineItem/")):
            # Every line-item change also fires store/cart/updated, which refreshes the cart: reading it again
            # here would only spend the store's API quota (bigcommerce-api.md 4.2).
            return
        cart_id = _cart_id(data.get("id"), scope)
        at = hook.received_at
        if scope == "store/cart/deleted":
            await self.service.mark(session, store_hash, cart_id, "deleted", actor=SHOPPER, reason="shopper")
        elif scope == "store/cart/converted":
            order_id = data.get("orderId")
            await self.service.mark(session, store_hash, cart_id, "converted", actor=SHOPPER,
                                    order_id=int(order_id) if isinstance(order_id, int | str) and
                                    str(order_id).isdigit() else None)
        elif scope == "store/cart/abandoned":
            await self.service.mark(session, store_hash, cart_id, "abandoned", actor="bigcommerce", at=at)
        else:
            await self.service.refresh(session, store_hash, client, cart_id, actor=SHOPPER)

    async def _order_webhook(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, hook: WebhookReceived
    ) -> None:
        if hook.scope not in ("store/order/created", "store/order/updated", "store/order/statusUpdated"):
            return
        raw = hook.data.get("id")
        if isinstance(raw, bool) or not str(raw).isdigit():
            raise Permanent(f"{hook.scope}: order id {raw!r} is not a number")
        order_id = int(str(raw))
        if hook.scope == "store/order/statusUpdated" and await self._status_known(session, store_hash, order_id,
                                                                                  hook):
            # Such as the one Cartio's own decline of a blacklisted order triggers: nothing to do.
            log.info("order status already known; webhook ignored", store_hash=store_hash, order_id=order_id)
            return
        try:
            order = await client.get_order(order_id)
            products = await client.get_order_products(order_id)
        except NotFound:
            log.info("order not found in BigCommerce; nothing to do", store_hash=store_hash, order_id=order_id)
            return
        await self.service.record_order(session, store_hash, order, products)

    async def _status_known(self, session: AsyncSession, store_hash: str, order_id: int, hook: WebhookReceived
                            ) -> bool:
        """Whether Cartio already holds the status a statusUpdated webhook announces. Read under the order's
        cart lock, so a decline still being written (whose webhook can arrive before it commits) is seen."""
        query = sa.select(orders.c.status_id, orders.c.cart_id).where(
            orders.c.store_hash == store_hash, orders.c.order_id == order_id
        )
        row = (await session.execute(query)).first()
        if row is None:
            return False
        if row.cart_id is not None:
            await self.service.lock(session, store_hash, row.cart_id)
            row = (await session.execute(query)).first()
        return row is not None and domain.status_update_is_known(hook.data, row.status_id)

    # --- events --------------------------------------------------------------------------------------------

    async def on_storefront_session(self, session: AsyncSession, envelope: Envelope) -> None:
        beacon: StorefrontSession = _parse(StorefrontSession, envelope)
        store_hash = envelope.store_hash
        known = (
            await session.execute(sa.select(stores.c.active).where(stores.c.store_hash == store_hash))
        ).scalar_one_or_none()
        if not known:
            log.info("beacon dropped: store not installed here", store_hash=store_hash)
            return
        await self.service.attach_session(
            session, store_hash, beacon.cart_id, session_id=beacon.session_id, ip=beacon.ip,
            user_agent=beacon.user_agent, seen_at=beacon.seen_at,
        )

    async def on_store_installed(self, session: AsyncSession, envelope: Envelope) -> None:
        event: StoreInstalled = _parse(StoreInstalled, envelope)
        store_hash = envelope.store_hash
        try:
            self.service.clients.cipher.decrypt(event.access_token_encrypted)
        except ValueError:
            raise Permanent(
                "store.installed carries a token this service cannot decrypt: CARTIO_ENCRYPTION_KEY differs "
                "between gateway and carts"
            ) from None
        values = {
            "access_token_encrypted": event.access_token_encrypted, "scope": event.scope, "active": True,
            "installed_at": event.installed_at, "uninstalled_at": None, "purge_after": None, "purged_at": None,
            "updated_at": now(), **({"name": event.store_name} if event.store_name else {}),
        }
        stmt = pg_insert(stores).values(store_hash=store_hash, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[stores.c.store_hash], set_=values,
            # A late install event never undoes a later uninstall or a newer install.
            where=(stores.c.installed_at.is_(None) | (stores.c.installed_at <= event.installed_at))
            & (stores.c.uninstalled_at.is_(None) | (stores.c.uninstalled_at <= event.installed_at)),
        )
        await session.execute(stmt)
        self.service.clients.forget(store_hash)
        log.info("store installed", store_hash=store_hash, scope=event.scope)

    async def on_store_uninstalled(self, session: AsyncSession, envelope: Envelope) -> None:
        event: StoreUninstalled = _parse(StoreUninstalled, envelope)
        store_hash = envelope.store_hash
        values = {
            "active": False, "access_token_encrypted": None, "uninstalled_at": event.uninstalled_at,
            "purge_after": event.purge_after, "updated_at": now(),
        }
        stmt = pg_insert(stores).values(store_hash=store_hash, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[stores.c.store_hash], set_=values,
            where=stores.c.installed_at.is_(None) | (stores.c.installed_at <= event.uninstalled_at),
        )
        await session.execute(stmt)
        self.service.clients.forget(store_hash)
        log.info("store uninstalled; data purged after", store_hash=store_hash,
                 purge_after=event.purge_after.isoformat())

    async def on_blacklist_matched(self, session: AsyncSession, envelope: Envelope) -> None:
        match: BlacklistMatched = _parse(BlacklistMatched, envelope)
        store_hash = envelope.store_hash
        try:
            plan = domain.plan_enforcement(match)
        except domain.BadMatch as exc:
            raise Permanent(f"blacklist.matched: {exc}") from None
        try:
            client = await self.service.clients.get(store_hash, session)
        except StoreUnavailable as exc:
            log.warning("blacklist match dropped: store not installed here", store_hash=store_hash,
                        rule_id=match.rule_id, reason=str(exc))
            return
        try:
            if plan.order_id is not None and plan.subject == "order":
                await self.service.block_order(session, store_hash, client, plan.order_id, plan.cart_id,
                                               plan.detail)
            elif plan.cart_id is not None:
                await self.service.block_cart(session, store_hash, client, plan.cart_id, plan.detail)
        except InvalidRequest as exc:
            raise Permanent(f"BigCommerce refused the request: {exc}") from None
        except Unauthorized as exc:
            log.error("BigCommerce refused the store's token; blacklist match dropped", store_hash=store_hash,
                      rule_id=match.rule_id, subject=match.subject, error=str(exc))

    # --- the notifier's outcomes, on the cart's timeline ---------------------------------------------------

    async def _note(self, session: AsyncSession, store_hash: str, cart_ids: list[uuid.UUID | None], *, actor: str,
                    action: str, detail: dict[str, Any], at: Any) -> None:
        """A timeline entry on each known cart of `cart_ids` (the merchant's cart and the one the link opens)."""
        seen: set[uuid.UUID] = set()
        for cart_id in cart_ids:
            if cart_id is None or cart_id in seen:
                continue
            seen.add(cart_id)
            if await self.service.get_row(session, store_hash, cart_id) is None:
                continue
            await self.service.timeline(session, store_hash, cart_id, actor=actor, action=action, detail=detail,
                                        at=at)

    async def on_notification_sent(self, session: AsyncSession, envelope: Envelope) -> None:
        sent: NotificationSent = _parse(NotificationSent, envelope)
        detail = {"notification_id": str(sent.notification_id), "recipient": sent.recipient,
                  **({"checkout_cart_id": str(sent.checkout_cart_id)} if sent.checkout_cart_id else {})}
        await self._note(session, envelope.store_hash, [sent.cart_id, sent.checkout_cart_id], actor=NOTIFIER,
                         action="notification_sent", detail=detail, at=sent.sent_at)

    async def on_notification_failed(self, session: AsyncSession, envelope: Envelope) -> None:
        failed: NotificationFailed = _parse(NotificationFailed, envelope)
        detail = {"notification_id": str(failed.notification_id), "recipient": failed.recipient,
                  "error": failed.error}
        await self._note(session, envelope.store_hash, [failed.cart_id], actor=NOTIFIER,
                         action="notification_failed", detail=detail, at=failed.failed_at)

    async def on_notification_clicked(self, session: AsyncSession, envelope: Envelope) -> None:
        """The click names the cart the link opens; a re-created cart's click shows on the merchant's cart too."""
        clicked: NotificationClicked = _parse(NotificationClicked, envelope)
        source = (await session.execute(
            sa.select(carts.c.source_cart_id)
            .where(carts.c.store_hash == envelope.store_hash, carts.c.cart_id == clicked.cart_id)
        )).scalar_one_or_none()
        await self._note(session, envelope.store_hash, [source, clicked.cart_id], actor=SHOPPER,
                         action="notification_clicked", detail={"notification_id": str(clicked.notification_id)},
                         at=clicked.clicked_at)
