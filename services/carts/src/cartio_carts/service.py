"""The carts service layer: reading BigCommerce, keeping the merchant's view, writing timeline and outbox.

Every method that takes a session works inside the caller's transaction (a consumer's message, or an API
request's write); nothing here commits. Writes to one cart are serialised by a transaction-scoped advisory
lock on (store, cart), so a diff is always taken against the latest stored snapshot.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import BigCommerceClient, Cart, Checkout, Customer, NotFound, Order, OrderProduct
from cartio_contracts import Envelope
from cartio_contracts.messages import CartUpserted, Message
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger
from cartio_platform.outbox import add_to_outbox

from . import domain
from .clients import StoreClients
from .domain import CartView, Change, Status
from .settings import Settings
from .tables import cart_timeline, carts, order_requests, orders, pending_sessions

log = get_logger(__name__)

SHOPPER = "shopper"
SYSTEM = "system"

# The message being handled (if any): events written while handling it carry its correlation and causation.
current_cause: ContextVar[Envelope | None] = ContextVar("current_cause", default=None)

Row = Mapping[Any, Any]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Applied:
    """What applying a snapshot did."""

    row: Row | None  # the cart as stored after the call (None: unknown cart)
    changed: bool
    changes: list[Change]


class CartService:
    def __init__(self, settings: Settings, db: SessionMaker, clients: StoreClients) -> None:
        self.settings = settings
        self.db = db
        self.clients = clients
        self.events_exchange = settings.topology.events_exchange

    # --- plumbing ------------------------------------------------------------------------------------------

    async def emit(self, session: AsyncSession, store_hash: str, message: Message, *, routing_key: str | None = None,
                   message_id: uuid.UUID | None = None) -> Envelope:
        """Write an event (or command) to the outbox, published on the events exchange after commit."""
        cause = current_cause.get()
        envelope = message.envelope(
            store_hash,
            message_id=message_id,
            correlation_id=(cause.correlation_id or str(cause.message_id)) if cause else None,
            causation_id=str(cause.message_id) if cause else None,
        )
        await add_to_outbox(session, _outbox(), envelope, exchange=self.events_exchange,
                            routing_key=routing_key or message.TYPE)
        return envelope

    @staticmethod
    async def lock(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> None:
        """Serialise writers of one cart until the transaction ends."""
        await session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"{store_hash}/{cart_id}", 0)))
        )

    @staticmethod
    async def get_row(session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> Row | None:
        row = (
            await session.execute(
                sa.select(carts).where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id)
            )
        ).mappings().first()
        return row

    @staticmethod
    async def timeline(session: AsyncSession, store_hash: str, cart_id: uuid.UUID, *, actor: str, action: str,
                       detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> None:
        await session.execute(
            cart_timeline.insert().values(
                store_hash=store_hash, cart_id=cart_id, at=at or now(), actor=actor, action=action,
                detail=dict(detail or {}),
            )
        )

    # --- reading BigCommerce -------------------------------------------------------------------------------

    async def fetch_view(
        self, client: BigCommerceClient, cart_id: uuid.UUID, *, stored: Row | None, cart: Cart | None = None
    ) -> CartView | None:
        """The cart as BigCommerce holds it now (with its checkout and, for a customer, their record);
        None when BigCommerce no longer has it."""
        try:
            if cart is None:
                cart = await client.get_cart(str(cart_id))
            try:
                checkout: Checkout | None = await client.get_checkout(str(cart_id))
            except NotFound:
                checkout = None
        except NotFound:
            return None
        customer: Customer | None = None
        known = stored is not None and stored["customer_id"] == cart.customer_id and stored["name"]
        if cart.customer_id and not known:
            found = await client.get_customers([cart.customer_id])
            customer = found[0] if found else None
        return domain.map_cart(cart, checkout, customer)

    # --- applying snapshots --------------------------------------------------------------------------------

    async def apply_view(
        self, session: AsyncSession, store_hash: str, view: CartView, *, actor: str = SHOPPER,
        mine: Callable[[Change], bool] | None = None, stored: Row | None = None, locked: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> Applied:
        """Store `view` if it is newer than what is stored (and the cart is alive); timeline and cart.upserted.

        `mine` tells which changes the acting staff member made; the others are the shopper's.
        """
        cart_id = view.cart_id
        if not locked:
            await self.lock(session, store_hash, cart_id)
            stored = await self.get_row(session, store_hash, cart_id)
        if stored is not None:
            if not domain.accepts_snapshot(stored["status"]):
                return Applied(stored, False, [])
            old_clock = domain.Clock(stored["bc_updated_time"], stored["bc_seq"])
            if not domain.is_newer(view.clock, old_clock):
                return Applied(stored, False, [])
        old = domain.view_from_row(stored) if stored is not None else None
        changes = domain.diff(old, view)
        values: dict[str, Any] = {
            "user_type": view.user_type,
            "customer_id": view.customer_id,
            "email": view.email or (stored["email"] if stored else None),
            "name": view.name or (stored["name"] if stored and stored["customer_id"] == view.customer_id else None),
            "currency": view.currency,
            "channel_id": view.channel_id,
            "items": [i.to_json() for i in view.items],
            "item_count": view.item_count,
            "subtotal": view.subtotal,
            "discount": view.discount,
            "shipping": view.shipping,
            "tax": view.tax,
            "grand_total": view.grand_total,
            "coupon_codes": list(view.coupon_codes),
            "bc_updated_time": view.clock.updated_time,
            "bc_seq": view.clock.seq,
            "version": view.version,
            **(extra or {}),
        }
        at = now()
        if stored is None:
            values.update(store_hash=store_hash, cart_id=cart_id, status="active", created_at=view.created_at,
                          updated_at=view.updated_at)
            await session.execute(carts.insert().values(**values))
        else:
            values["updated_at"] = max(view.updated_at, stored["updated_at"])
            if stored["status"] == "abandoned":
                values["status"] = "active"
                changes.append(Change("reactivated", {}))
            await session.execute(
                carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id).values(**values)
            )
        item_changes = []
        for change in changes:
            who = actor if (mine is None or mine(change)) else SHOPPER
            line = change.attributed(who)
            if line is not None:
                item_changes.append(line)
            await self.timeline(session, store_hash, cart_id, actor=who, action=change.action, detail=change.detail,
                                at=at)
        await self._apply_pending_session(session, store_hash, cart_id)
        row = await self.get_row(session, store_hash, cart_id)
        assert row is not None
        await self.emit(session, store_hash, CartUpserted(cart=domain.snapshot(row), item_changes=item_changes))
        log.info("cart stored", store_hash=store_hash, cart_id=str(cart_id), new=stored is None,
                 version=view.version, changes=[c.action for c in changes], actor=actor)
        return Applied(row, True, changes)

    async def refresh(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, cart_id: uuid.UUID, *,
        actor: str = SHOPPER, mine: Callable[[Change], bool] | None = None, cart: Cart | None = None,
        gone_reason: domain.DeleteReason = "unknown",
    ) -> Applied:
        """Fetch the cart from BigCommerce and apply it; a cart BigCommerce no longer has is deleted."""
        await self.lock(session, store_hash, cart_id)
        stored = await self.get_row(session, store_hash, cart_id)
        if stored is not None and not domain.accepts_snapshot(stored["status"]):
            log.info("cart is closed; snapshot not fetched", store_hash=store_hash, cart_id=str(cart_id),
                     status=stored["status"])
            return Applied(stored, False, [])
        view = await self.fetch_view(client, cart_id, stored=stored, cart=cart)
        if view is None:
            if stored is None:
                log.info("cart not found in BigCommerce and unknown here; nothing to do", store_hash=store_hash,
                         cart_id=str(cart_id))
                return Applied(None, False, [])
            changed = await self.mark(session, store_hash, cart_id, "deleted", actor=actor, reason=gone_reason,
                                      locked=True)
            return Applied(await self.get_row(session, store_hash, cart_id), changed, [])
        return await self.apply_view(session, store_hash, view, actor=actor, mine=mine, stored=stored, locked=True)

    # --- status --------------------------------------------------------------------------------------------

    async def mark(
        self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID, target: Status, *, actor: str,
        at: datetime | None = None, reason: domain.DeleteReason | None = None, order_id: int | None = None,
        locked: bool = False, detail: Mapping[str, Any] | None = None,
    ) -> bool:
        """Move a stored cart to `target` if the status rules allow; timeline entry and event. False when
        nothing changed (unknown cart, or a status it cannot leave)."""
        if not locked:
            await self.lock(session, store_hash, cart_id)
        row = await self.get_row(session, store_hash, cart_id)
        if row is None:
            log.info("status change for an unknown cart ignored", store_hash=store_hash, cart_id=str(cart_id),
                     status=target)
            return False
        when = at or now()
        change = domain.change_status(row, domain.StatusRequest(
            target=target, at=when, reason=reason, order_id=order_id, detail=dict(detail or {})))
        if change is None:
            return False
        where = (carts.c.store_hash == store_hash) & (carts.c.cart_id == cart_id)
        await session.execute(carts.update().where(where).values(**change.values))
        if change.status is None:  # the status stays; only a late order id is linked
            return False
        await self.timeline(session, store_hash, cart_id, actor=actor, action=change.status, detail=change.entry,
                            at=when)
        if change.status == "converted" and not change.values.get("order_id"):
            log.warning("cart converted without an order id", store_hash=store_hash, cart_id=str(cart_id))
        for message in change.events:
            await self.emit(session, store_hash, message)
        log.info("cart status changed", store_hash=store_hash, cart_id=str(cart_id), status_from=row["status"],
                 status_to=change.status, actor=actor, order_id=change.values.get("order_id"))
        return True

    # --- storefront sessions -------------------------------------------------------------------------------

    async def attach_session(
        self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID, *, session_id: str, ip: str | None,
        user_agent: str | None, seen_at: datetime,
    ) -> bool:
        """Attach a storefront beacon to its cart, or keep it until the cart arrives. True if attached."""
        await self.lock(session, store_hash, cart_id)
        row = await self.get_row(session, store_hash, cart_id)
        if row is None:
            stmt = pg_insert(pending_sessions).values(
                store_hash=store_hash, cart_id=cart_id, session_id=session_id, ip=domain.normalize_ip(ip),
                user_agent=user_agent, seen_at=seen_at,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[pending_sessions.c.store_hash, pending_sessions.c.cart_id],
                set_={"session_id": stmt.excluded.session_id, "ip": stmt.excluded.ip,
                      "user_agent": stmt.excluded.user_agent, "seen_at": stmt.excluded.seen_at},
                where=pending_sessions.c.seen_at <= stmt.excluded.seen_at,
            )
            await session.execute(stmt)
            log.info("beacon kept until its cart arrives", store_hash=store_hash, cart_id=str(cart_id))
            return False
        changed = await self._set_session(session, store_hash, row, session_id, ip, user_agent)
        if changed:
            updated = await self.get_row(session, store_hash, cart_id)
            assert updated is not None
            await self.emit(session, store_hash, CartUpserted(cart=domain.snapshot(updated)))
        return changed

    async def _apply_pending_session(self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> None:
        pending = (
            await session.execute(
                pending_sessions.delete()
                .where(pending_sessions.c.store_hash == store_hash, pending_sessions.c.cart_id == cart_id)
                .returning(pending_sessions)
            )
        ).mappings().first()
        if pending is None:
            return
        row = await self.get_row(session, store_hash, cart_id)
        assert row is not None
        await self._set_session(session, store_hash, row, pending["session_id"], pending["ip"],
                                pending["user_agent"])
        log.info("kept beacon applied to its cart", store_hash=store_hash, cart_id=str(cart_id))

    async def _set_session(
        self, session: AsyncSession, store_hash: str, row: Row, session_id: str, ip: str | None,
        user_agent: str | None,
    ) -> bool:
        ip_value = domain.normalize_ip(ip)
        values = {
            "session_id": session_id,
            "ip": ip_value or row["ip"],
            "country": domain.country_from_ip(ip_value) if ip_value else row["country"],
            "user_agent": user_agent or row["user_agent"],
            "browser": domain.browser_from_user_agent(user_agent) if user_agent else row["browser"],
        }
        if all(row[k] == v for k, v in values.items()):
            return False
        await session.execute(
            carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == row["cart_id"]).values(**values)
        )
        first = row["session_id"] is None
        await self.timeline(session, store_hash, row["cart_id"], actor=SHOPPER,
                            action="session_seen" if first else "session_changed",
                            detail={"session_id": session_id, "browser": values["browser"], "ip": values["ip"],
                                    "country": values["country"]})
        return True

    # --- orders --------------------------------------------------------------------------------------------

    async def record_order(
        self, session: AsyncSession, store_hash: str, order: Order, products: list[OrderProduct], *,
        actor: str = SHOPPER, created_by: str | None = None, announce: bool = True,
    ) -> bool:
        """Keep the order, link it to its cart (converted) and publish `order.placed` once. An order still
        Incomplete (status 0) is kept but is not a conversion yet. True when order.placed was written.

        `announce=False` (an order declined for a blacklist match before Cartio had announced it): the order
        is kept and counted as announced, so `order.placed` never goes out for it, now or later."""
        cart_id = _uuid_or_none(order.cart_id)
        cart_row: Row | None = None
        if cart_id is not None:
            await self.lock(session, store_hash, cart_id)
            cart_row = await self.get_row(session, store_hash, cart_id)
        placed = domain.order_placed(
            order, products, cart_ip=cart_row["ip"] if cart_row else None,
            cart_country=cart_row["country"] if cart_row else None,
        )
        values = {
            "cart_id": cart_id, "status_id": order.status_id, "customer_id": order.customer_id or None,
            "email": placed.email, "ip": placed.ip, "country": placed.country, "currency": placed.currency,
            "subtotal": placed.subtotal, "grand_total": placed.grand_total,
            "items": [line.model_dump(mode="json") for line in placed.items],
            "date_created": order.date_created, "date_modified": order.date_modified, "updated_at": now(),
        }
        if created_by is None:
            # An order Cartio itself is making: its request knows the staff member even before it is recorded.
            created_by = (
                await session.execute(
                    sa.select(order_requests.c.actor)
                    .where(order_requests.c.store_hash == store_hash, order_requests.c.order_id == order.id)
                    .limit(1)
                )
            ).scalar_one_or_none()
        stmt = pg_insert(orders).values(store_hash=store_hash, order_id=order.id, created_by=created_by, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[orders.c.store_hash, orders.c.order_id],
            set_={**values, "created_by": sa.func.coalesce(orders.c.created_by, stmt.excluded.created_by)},
        )
        await session.execute(stmt)
        row = (
            await session.execute(
                sa.select(orders.c.placed_published_at, orders.c.created_by)
                .where(orders.c.store_hash == store_hash, orders.c.order_id == order.id)
                .with_for_update()
            )
        ).first()
        assert row is not None
        if order.status_id == 0:
            log.info("incomplete order kept; not a conversion yet", store_hash=store_hash, order_id=order.id)
            return False
        who = row.created_by or actor
        if cart_id is not None:
            if cart_row is None:
                await self._cart_from_order(session, store_hash, cart_id, order, placed)
            await self.mark(session, store_hash, cart_id, "converted", actor=who, order_id=order.id, locked=True,
                            at=order.date_created)
        if row.placed_published_at is not None:
            return False
        await session.execute(
            orders.update().where(orders.c.store_hash == store_hash, orders.c.order_id == order.id)
            .values(placed_published_at=now())
        )
        if not announce:
            log.info("order kept without order.placed", store_hash=store_hash, order_id=order.id,
                     status_id=order.status_id)
            return False
        if row.created_by:
            placed = placed.model_copy(update={"created_by": row.created_by})
        await self.emit(session, store_hash, placed)
        log.info("order placed", store_hash=store_hash, order_id=order.id, cart_id=str(cart_id) if cart_id else None,
                 status_id=order.status_id)
        return True

    # --- blacklist enforcement -----------------------------------------------------------------------------

    async def block_cart(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, cart_id: uuid.UUID,
        detail: Mapping[str, Any],
    ) -> bool:
        """Enforce a blacklist match on a cart: delete it in BigCommerce (already gone is fine), then mark it
        blocked (timeline entry by the system with the rule, `cart.deleted` reason blocked and `cart.upserted`).
        Safe to repeat: a blocked cart is left alone. False when nothing changed (blocked already, or a cart
        Cartio does not know: logged and dropped). BigCommerce being unavailable raises."""
        await self.lock(session, store_hash, cart_id)
        row = await self.get_row(session, store_hash, cart_id)
        if row is None:
            log.warning("blacklist match for a cart unknown here dropped", store_hash=store_hash,
                        cart_id=str(cart_id), rule_id=detail.get("rule_id"))
            return False
        if not domain.needs_block(row["status"]):
            log.info("cart already blocked", store_hash=store_hash, cart_id=str(cart_id))
            return False
        # Already deleted, converted or expired in the store (404): nothing left to delete there.
        with contextlib.suppress(NotFound):
            await client.delete_cart(str(cart_id))
        blocked = await self.mark(session, store_hash, cart_id, "blocked", actor=SYSTEM, detail=detail,
                                  locked=True)
        log.info("cart blocked", store_hash=store_hash, cart_id=str(cart_id), rule_id=detail.get("rule_id"),
                 kind=detail.get("kind"), status_from=row["status"])
        return blocked

    async def block_order(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, order_id: int,
        cart_hint: uuid.UUID | None, detail: Mapping[str, Any],
    ) -> bool:
        """Enforce a blacklist match on an order: decline it in BigCommerce (status 6) unless it is already,
        keep the status, and block the order's cart (in the store and in Cartio). The status webhooks the
        decline fires find nothing new, and `order.placed` never goes out twice (or, for an order not yet
        announced, at all). True when the order was declined now."""
        stored = (
            await session.execute(
                sa.select(orders.c.status_id, orders.c.cart_id)
                .where(orders.c.store_hash == store_hash, orders.c.order_id == order_id)
            )
        ).first()
        known_cart = domain.linked_cart(cart_hint, stored.cart_id if stored is not None else None)
        if known_cart is not None:
            await self.lock(session, store_hash, known_cart)  # before the webhook of the order's cart may act
        try:
            order = await client.get_order(order_id)
        except NotFound:
            log.warning("blacklist match for an order BigCommerce does not have dropped", store_hash=store_hash,
                        order_id=order_id, rule_id=detail.get("rule_id"))
            return False
        declined = False
        if domain.needs_decline(order.status_id):
            previous = order.status_id
            order = await client.update_order_status(order_id, domain.DECLINED)
            declined = True
            log.info("order declined", store_hash=store_hash, order_id=order_id, status_from=previous,
                     rule_id=detail.get("rule_id"), kind=detail.get("kind"))
        cart_id = domain.linked_cart(known_cart, order.cart_id)
        if stored is None:
            products = await client.get_order_products(order_id)
            await self.record_order(session, store_hash, order, products, actor=SYSTEM, announce=False)
        else:
            await session.execute(
                orders.update().where(orders.c.store_hash == store_hash, orders.c.order_id == order_id)
                .values(status_id=order.status_id, date_modified=order.date_modified, updated_at=now())
            )
        if cart_id is None:
            log.info("declined order has no cart to block", store_hash=store_hash, order_id=order_id)
            return declined
        await self.lock(session, store_hash, cart_id)
        if declined and await self.get_row(session, store_hash, cart_id) is not None:
            await self.timeline(session, store_hash, cart_id, actor=SYSTEM, action="order_declined",
                                detail={**detail, "order_id": order_id, "status_id": order.status_id})
        await self.block_cart(session, store_hash, client, cart_id, {**detail, "order_id": order_id})
        return declined

    async def _cart_from_order(
        self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID, order: Order, placed: Any
    ) -> None:
        """A cart Cartio never saw (converted before its first webhook was handled): kept from its order."""
        items = [
            domain.make_item(
                id=f"order-{order.id}-{n}", kind="physical", product_id=line.product_id, variant_id=line.variant_id,
                name=line.name, sku=None, image_url=None, quantity=line.quantity, unit_price=line.unit_price,
            )
            for n, line in enumerate(placed.items)
        ]
        created = order.date_created or now()
        await session.execute(
            carts.insert().values(
                store_hash=store_hash, cart_id=cart_id, status="active",
                user_type="customer" if order.customer_id else "guest", customer_id=order.customer_id or 0,
                email=placed.email,
                name=" ".join(p for p in ((order.billing_address.first_name or "", order.billing_address.last_name
                                           or "") if order.billing_address else ()) if p) or None,
                currency=placed.currency, items=[i.to_json() for i in items],
                item_count=sum(i.quantity for i in items), subtotal=placed.subtotal,
                discount=domain.money(order.discount_amount) + domain.money(order.coupon_discount),
                shipping=domain.money(order.shipping_cost_ex_tax), tax=domain.money(order.total_tax),
                grand_total=placed.grand_total, created_at=created, updated_at=created, ip=placed.ip,
                country=placed.country,
            )
        )
        await self.timeline(session, store_hash, cart_id, actor=SYSTEM, action="created",
                            detail={"from_order": order.id, "item_count": sum(i.quantity for i in items)})
        log.info("cart known only from its order kept", store_hash=store_hash, cart_id=str(cart_id),
                 order_id=order.id)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _outbox() -> sa.Table:
    from .tables import outbox

    return outbox
