"""One function per message, registered by model (`Handlers.webhooks()`, `Handlers.events()`); the platform
parses each envelope into its model and runs the function in a `Unit` (inbox claimed, one transaction, events
to the outbox with the message's correlation and causation).

Webhooks are thin: the cart or order is fetched from BigCommerce with the store's token and kept only if
newer. A burst of cart webhooks leads to one fetch after it (`coalescing`), and a cart fetch BigCommerce
cannot answer now (throttled, down) is put off rather than failed. A terminal cart webhook is not believed
alone: `deleted` is confirmed by the cart being gone, `converted` by its order existing (for this cart),
`abandoned` by its token naming the cart, so a forged one changes nothing. An order fetch BigCommerce cannot
answer raises (the platform retries with backoff); a request that BigCommerce calls invalid, or bad message
data, is `Permanent` (parked). An unknown or uninstalled store is logged and dropped: no retry would fix it.

`blacklist.matched` is enforced here: the cart is deleted in BigCommerce and blocked in Cartio, or the order is
declined in BigCommerce (and its cart blocked). Enforcing a match twice changes nothing the second time.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cartio_bigcommerce import BigCommerceClient, InvalidRequest, NotFound, Unauthorized
from cartio_contracts import Message
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
from cartio_platform.consumer import Dropped, Permanent
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Handler, Unit

from . import domain, queries
from .clients import StoreUnavailable
from .coalescing import Coalescer
from .service import SHOPPER, CartService
from .stores import record_install, record_uninstall

log = get_logger(__name__)

# The webhooks carts subscribes to: every cart and order scope (nested ones included).
WEBHOOK_SCOPES = ("store/cart/*", "store/order/*")
ORDER_SCOPES = ("store/order/created", "store/order/updated", "store/order/statusUpdated")
NOTIFIER = "notifier"


def _cart_id(value: Any, scope: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Permanent(f"{scope}: cart id {value!r} is not a UUID") from None


class Handlers:
    def __init__(self, service: CartService) -> None:
        self.service = service
        self.coalescer = Coalescer(service)

    def webhooks(self) -> dict[type[Message], Handler]:
        return {WebhookReceived: self.on_webhook}

    def beacons(self) -> dict[type[Message], Handler]:
        """On a queue of their own: a flood of beacons never delays `store.uninstalled` or `blacklist.matched`."""
        return {StorefrontSession: self.on_storefront_session}

    def events(self) -> dict[type[Message], Handler]:
        return {
            StoreInstalled: self.on_store_installed,
            StoreUninstalled: self.on_store_uninstalled,
            BlacklistMatched: self.on_blacklist_matched,
            NotificationSent: self.on_notification_sent,
            NotificationFailed: self.on_notification_failed,
            NotificationClicked: self.on_notification_clicked,
        }

    # --- webhooks ------------------------------------------------------------------------------------------

    async def on_webhook(self, hook: WebhookReceived, unit: Unit) -> None:
        store_hash = unit.store_hash
        if hook.store_hash != store_hash:
            raise Permanent(f"webhook producer {hook.producer} does not match the envelope's store {store_hash}")
        try:
            client = await self.service.clients.get(store_hash, unit.session)
        except StoreUnavailable as exc:
            log.warning("webhook dropped: store not installed here", store_hash=store_hash, scope=hook.scope,
                        reason=str(exc))
            return
        try:
            if hook.scope.startswith("store/cart/"):
                await self._cart_webhook(unit, client, hook)
            elif hook.scope.startswith("store/order/"):
                await self._order_webhook(unit, client, hook)
            else:
                log.info("webhook scope not handled", scope=hook.scope)
        except InvalidRequest as exc:
            raise Permanent(f"BigCommerce refused the request: {exc}") from None
        except Unauthorized as exc:
            log.error("BigCommerce refused the store's token; webhook dropped", store_hash=store_hash,
                      scope=hook.scope, error=str(exc))

    async def _cart_webhook(self, unit: Unit, client: BigCommerceClient, hook: WebhookReceived) -> None:
        scope, data = hook.scope, hook.data
        if scope.startswith(("store/cart/metafield/", "store/cart/lineItem/")):
            # Every line-item change also fires store/cart/updated, which refreshes the cart: reading it again
            # here would only spend the store's API quota (bigcommerce-api.md 4.2).
            return
        cart_id = _cart_id(data.get("id"), scope)
        if scope == "store/cart/deleted":
            # Gone in BigCommerce, or the webhook is not true: the fetch tells (a 404 marks it deleted).
            await self.coalescer.on_change(unit, client, cart_id, hook.received_at, gone=True)
        elif scope == "store/cart/converted":
            await self._converted(unit, client, cart_id, data.get("orderId"))
        elif scope == "store/cart/abandoned":
            await self._abandoned(unit, client, cart_id, data.get("token"), hook)
        else:
            await self.coalescer.on_change(unit, client, cart_id, hook.received_at,
                                           update=scope == "store/cart/updated")

    async def _converted(self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID, raw: Any) -> None:
        """Converted only if BigCommerce has the order, for this cart; it is recorded as its webhooks would."""
        order_id = int(str(raw)) if isinstance(raw, int | str) and str(raw).isdigit() else None
        order = None
        if order_id is not None:
            try:
                order = await client.get_order(order_id)
            except NotFound:
                order = None
        if order is None or domain.uuid_or_none(order.cart_id) != cart_id:
            log.warning("store/cart/converted not confirmed by BigCommerce; the cart is read instead",
                        store_hash=unit.store_hash, cart_id=str(cart_id), order_id=order_id)
            await self.service.refresh(unit, client, cart_id, actor=SHOPPER)
            return
        products = await client.get_order_products(order.id)
        await self.service.record_order(unit, order, products)  # converts the cart once the order is paid

    async def _abandoned(self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID, token: Any,
                         hook: WebhookReceived) -> None:
        """Abandoned only if the hook's token is BigCommerce's abandoned-cart token of this cart."""
        row = await self.service.get_row(unit, cart_id)
        if row is None or row["status"] != "active":
            return  # nothing to abandon: no call spent
        try:
            confirmed = isinstance(token, str) and bool(token) and (
                await client.get_abandoned_cart_id(token)) == str(cart_id)
        except NotFound:
            confirmed = False
        if not confirmed:
            log.warning("store/cart/abandoned not confirmed by BigCommerce; ignored", store_hash=unit.store_hash,
                        cart_id=str(cart_id))
            return
        await self.service.mark(unit, cart_id, "abandoned", actor="bigcommerce", at=hook.received_at)

    async def _order_webhook(self, unit: Unit, client: BigCommerceClient, hook: WebhookReceived) -> None:
        if hook.scope not in ORDER_SCOPES:
            return
        raw = hook.data.get("id")
        if isinstance(raw, bool) or not str(raw).isdigit():
            raise Permanent(f"{hook.scope}: order id {raw!r} is not a number")
        order_id = int(str(raw))
        if hook.scope == "store/order/statusUpdated" and await self._status_known(unit, order_id, hook):
            # Such as the one Cartio's own decline of a blacklisted order triggers: nothing to do.
            log.info("order status already known; webhook ignored", store_hash=unit.store_hash, order_id=order_id)
            return
        try:
            order = await client.get_order(order_id)
            products = await client.get_order_products(order_id)
        except NotFound:
            log.info("order not found in BigCommerce; nothing to do", store_hash=unit.store_hash, order_id=order_id)
            return
        await self.service.record_order(unit, order, products)

    async def _status_known(self, unit: Unit, order_id: int, hook: WebhookReceived) -> bool:
        """Whether Cartio already holds the status a statusUpdated webhook announces. Read under the order's
        cart lock, so a decline still being written (whose webhook can arrive before it commits) is seen."""
        row = await queries.order_status(unit.session, unit.store_hash, order_id)
        if row is None:
            return False
        if row.cart_id is not None:
            await self.service.lock(unit, row.cart_id)
            row = await queries.order_status(unit.session, unit.store_hash, order_id)
        return row is not None and domain.status_update_is_known(hook.data, row.status_id)

    # --- events --------------------------------------------------------------------------------------------

    async def on_storefront_session(self, beacon: StorefrontSession, unit: Unit) -> None:
        if not await queries.store_is_active(unit.session, unit.store_hash):
            # Anyone can send beacons naming any store: nothing is written for one not installed, not even
            # the inbox row of the message.
            raise Dropped("beacon of a store not installed here")
        await self.service.attach_session(unit, beacon.cart_id, session_id=beacon.session_id, ip=beacon.ip,
                                          user_agent=beacon.user_agent, seen_at=beacon.seen_at)

    async def on_store_installed(self, event: StoreInstalled, unit: Unit) -> None:
        try:
            self.service.clients.cipher.decrypt(event.access_token_encrypted)
        except ValueError:
            raise Permanent(
                "store.installed carries a token this service cannot decrypt: CARTIO_ENCRYPTION_KEY differs "
                "between gateway and carts"
            ) from None
        await record_install(unit.session, unit.store_hash, event)
        self.service.clients.forget(unit.store_hash)
        log.info("store installed", store_hash=unit.store_hash, scope=event.scope)

    async def on_store_uninstalled(self, event: StoreUninstalled, unit: Unit) -> None:
        await record_uninstall(unit.session, unit.store_hash, event)
        self.service.clients.forget(unit.store_hash)
        log.info("store uninstalled; data purged after", store_hash=unit.store_hash,
                 purge_after=event.purge_after.isoformat())

    async def on_blacklist_matched(self, match: BlacklistMatched, unit: Unit) -> None:
        store_hash = unit.store_hash
        try:
            plan = domain.plan_enforcement(match)
        except domain.BadMatch as exc:
            raise Permanent(f"blacklist.matched: {exc}") from None
        try:
            client = await self.service.clients.get(store_hash, unit.session)
        except StoreUnavailable as exc:
            log.warning("blacklist match dropped: store not installed here", store_hash=store_hash,
                        rule_id=match.rule_id, reason=str(exc))
            return
        try:
            if plan.order_id is not None and plan.subject == "order":
                await self.service.block_order(unit, client, plan.order_id, plan.cart_id, plan.detail)
            elif plan.cart_id is not None:
                await self.service.block_cart(unit, client, plan.cart_id, plan.detail)
        except InvalidRequest as exc:
            raise Permanent(f"BigCommerce refused the request: {exc}") from None
        except Unauthorized as exc:
            log.error("BigCommerce refused the store's token; blacklist match dropped", store_hash=store_hash,
                      rule_id=match.rule_id, subject=match.subject, error=str(exc))

    # --- the notifier's outcomes, on the cart's timeline ---------------------------------------------------

    async def _note(self, unit: Unit, cart_ids: list[uuid.UUID | None], *, actor: str, action: str,
                    detail: dict[str, Any], at: datetime) -> None:
        """A timeline entry on each known cart of `cart_ids` (the merchant's cart and the one the link opens)."""
        seen: set[uuid.UUID] = set()
        for cart_id in cart_ids:
            if cart_id is None or cart_id in seen:
                continue
            seen.add(cart_id)
            if await self.service.get_row(unit, cart_id) is None:
                continue
            await self.service.timeline(unit, cart_id, actor=actor, action=action, detail=detail, at=at)

    async def on_notification_sent(self, sent: NotificationSent, unit: Unit) -> None:
        detail = {"notification_id": str(sent.notification_id), "recipient": sent.recipient,
                  **({"checkout_cart_id": str(sent.checkout_cart_id)} if sent.checkout_cart_id else {})}
        await self._note(unit, [sent.cart_id, sent.checkout_cart_id], actor=NOTIFIER, action="notification_sent",
                         detail=detail, at=sent.sent_at)

    async def on_notification_failed(self, failed: NotificationFailed, unit: Unit) -> None:
        detail = {"notification_id": str(failed.notification_id), "recipient": failed.recipient,
                  "error": failed.error}
        await self._note(unit, [failed.cart_id], actor=NOTIFIER, action="notification_failed", detail=detail,
                         at=failed.failed_at)

    async def on_notification_clicked(self, clicked: NotificationClicked, unit: Unit) -> None:
        """The click names the cart the link opens; a re-created cart's click shows on the merchant's cart too."""
        source = await queries.source_cart_of(unit.session, unit.store_hash, clicked.cart_id)
        await self._note(unit, [source, clicked.cart_id], actor=SHOPPER, action="notification_clicked",
                         detail={"notification_id": str(clicked.notification_id)}, at=clicked.clicked_at)
