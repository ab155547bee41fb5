"""BigCommerce's cart as the merchant's view: read it, store it if newer, diff it into the timeline.

A snapshot is kept only when it is newer than the stored one (BigCommerce's clock) and the cart is still open;
every stored change writes its timeline entries (the acting staff member's, or the shopper's) and
`cart.upserted`. A cart BigCommerce no longer has is deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cartio_bigcommerce import BigCommerceClient, Cart, Checkout, Customer, NotFound
from cartio_contracts.messages import CartUpserted
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain, refreshes
from .core import SHOPPER, Row, now
from .domain import CartView, Change
from .sessions import Sessions
from .tables import carts

log = get_logger(__name__)


@dataclass
class Applied:
    """What applying a snapshot did."""

    row: Row | None  # the cart as stored after the call (None: unknown cart)
    changed: bool
    changes: list[Change]


def unexplained_moves(cart: Cart, stored: Row | None, updates: int | None) -> int:
    """How many of the cart's version moves since the stored snapshot its `store/cart/updated` webhooks do not
    explain (0 when they do or when that cannot be told). `updates` may be negative: moves a read already saw
    that webhooks still on their way were expected to explain (see `Snapshots.refresh`)."""
    if stored is None or updates is None or cart.version is None or stored["version"] is None:
        return 0
    return max(0, cart.version - int(stored["version"]) - updates)


def checkout_can_matter(cart: Cart, stored: Row | None, updates: int | None = None) -> bool:
    """Whether reading the checkout can show the merchant something the cart answer does not.

    The checkout adds to the cart only what the shopper entered at checkout: the billing name and email, and
    shipping and tax once a shipping option is chosen. Checkout changes fire no webhook of their own but move the
    cart's version and updated time (cart and checkout are one object to BigCommerce, with one version). So it is
    read for a cart seen for the first time; never for a cart unchanged since the stored snapshot (the checkout
    did not change either) unless moves seen before are still unexplained; else once the shopper may have begun
    checkout: the cart has an email (a guest enters it at checkout's first step; a customer can check out at any
    time), shipping or tax were seen before, or the cart moved further than its own changes explain, which only a
    checkout change does. `updates` is the number of `store/cart/updated` webhooks the read covers, one per change
    of the cart's own (items, email, customer): a version that moved by more had a checkout change too (a
    headless checkout can take a guest's consignment before any email). Without that count (a read not caused by
    webhooks), only a move with no change of its own (items, coupons, customer) tells.
    """
    if stored is None:
        return True
    if updates is not None and updates < 0:
        return True  # an earlier read's moves that no webhook came to explain
    updated = domain.utc(cart.updated_time) if cart.updated_time is not None else None
    if cart.version is not None and cart.version == stored["version"] and updated == stored["bc_updated_time"]:
        return False
    if cart.email or stored["shipping"] or stored["tax"]:
        return True
    if unexplained_moves(cart, stored, updates):
        return True
    seen, now_ = domain.view_from_row(stored), domain.map_cart(cart, None)
    return (seen.items, seen.coupon_codes, seen.customer_id) == (now_.items, now_.coupon_codes, now_.customer_id)


def checkout_can_wait(cart: Cart, stored: Row | None, updates: int | None) -> int:
    """Moves a read at a burst's first webhook may leave to the burst's later read instead of reading the
    checkout now (0: none, read it now if it can matter): when only the count tells of a checkout change, the
    moves may be changes whose webhooks are still on their way. The later read comes `refresh_settle_seconds`
    on and reads the checkout unless those webhooks came (`checkout_can_matter` with a negative count)."""
    if stored is None or updates is None or updates < 0 or cart.email or stored["shipping"] or stored["tax"]:
        return 0
    return unexplained_moves(cart, stored, updates)


class Snapshots(Sessions):
    async def fetch_view(
        self, client: BigCommerceClient, cart_id: uuid.UUID, *, stored: Row | None, cart: Cart | None = None,
        updates: int | None = None,
    ) -> CartView | None:
        """The cart as BigCommerce holds it now (with its checkout when it can carry something new, see
        `checkout_can_matter`, and, for a customer, their record); None when BigCommerce no longer has it.
        `updates`: the `store/cart/updated` webhooks this read covers (None: not a read for webhooks)."""
        view, _ = await self._fetch(client, cart_id, stored=stored, cart=cart, updates=updates)
        return view

    async def _fetch(
        self, client: BigCommerceClient, cart_id: uuid.UUID, *, stored: Row | None, cart: Cart | None = None,
        updates: int | None = None, may_wait: bool = False,
    ) -> tuple[CartView | None, int]:
        """`fetch_view`, and the version moves no counted webhook explains: left to the burst's later read when
        the checkout was not read (`may_wait`: a read at a burst's first webhook; see `checkout_can_wait`),
        negated; else (the checkout read saw them) positive, for late webhooks to pay off."""
        checkout: Checkout | None = None
        waiting = 0
        try:
            if cart is None:
                cart = await client.get_cart(str(cart_id))
            waiting = checkout_can_wait(cart, stored, updates) if may_wait else 0
            if not waiting and checkout_can_matter(cart, stored, updates):
                try:
                    checkout = await client.get_checkout(str(cart_id))
                except NotFound:
                    checkout = None
        except NotFound:
            return None, 0
        customer: Customer | None = None
        known = stored is not None and stored["customer_id"] == cart.customer_id and stored["name"]
        if cart.customer_id and not known:
            found = await client.get_customers([cart.customer_id])
            customer = found[0] if found else None
        if waiting:
            return domain.map_cart(cart, checkout, customer), -waiting
        # Counted from this read's own webhooks: moves an earlier read left unexplained are read just now.
        seen = unexplained_moves(cart, stored, max(updates, 0)) if updates is not None else 0
        return domain.map_cart(cart, checkout, customer), seen

    async def apply_view(
        self, unit: Unit, view: CartView, *, actor: str = SHOPPER, mine: Callable[[Change], bool] | None = None,
        stored: Row | None = None, locked: bool = False, extra: Mapping[str, Any] | None = None,
    ) -> Applied:
        """Store `view` if it is newer than what is stored (and the cart is alive); timeline and cart.upserted.

        `mine` tells which changes the acting staff member made; the others are the shopper's.
        """
        store_hash, cart_id = unit.store_hash, view.cart_id
        if not locked:
            await self.lock(unit, cart_id)
            stored = await self.get_row(unit, cart_id)
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
            written = await unit.session.execute(carts.insert().values(**values).returning(*carts.c))
        else:
            values["updated_at"] = max(view.updated_at, stored["updated_at"])
            if stored["status"] == "abandoned":
                values["status"] = "active"
                changes.append(Change("reactivated", {}))
            written = await unit.session.execute(
                carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id).values(**values)
                .returning(*carts.c)
            )
        row: Row | None = written.mappings().one()  # the stored row as a read would give it, without the read
        item_changes = []
        entries: list[tuple[str, str, Mapping[str, Any]]] = []
        for change in changes:
            who = actor if (mine is None or mine(change)) else SHOPPER
            line = change.attributed(who)
            if line is not None:
                item_changes.append(line)
            entries.append((who, change.action, change.detail))
        await self.timelines(unit, cart_id, entries, at=at)
        if await self.apply_pending_session(unit, cart_id):
            row = await self.get_row(unit, cart_id)
        assert row is not None
        await unit.emit(CartUpserted(cart=domain.snapshot(row), item_changes=item_changes))
        log.info("cart stored", store_hash=store_hash, cart_id=str(cart_id), new=stored is None,
                 version=view.version, changes=[c.action for c in changes], actor=actor)
        return Applied(row, True, changes)

    async def refresh(
        self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID, *, actor: str = SHOPPER,
        mine: Callable[[Change], bool] | None = None, cart: Cart | None = None,
        gone_reason: domain.DeleteReason = "unknown", updates: int | None = None, first: bool = False,
    ) -> Applied:
        """Fetch the cart from BigCommerce and apply it; a cart BigCommerce no longer has is deleted.

        A fetch made here (no `cart` given) covers every webhook marked for the cart before it began (`updates`
        of them `store/cart/updated`, when the fetch is for webhooks). `first`: the read at a burst's first
        webhook, which may leave the checkout to the burst's later read: it is then marked due after the settle
        time with the moves its webhooks must still explain (a negative count, paid by each one that comes)."""
        store_hash = unit.store_hash
        await self.lock(unit, cart_id)
        stored = await self.get_row(unit, cart_id)
        if stored is not None and not domain.accepts_snapshot(stored["status"]):
            log.info("cart is closed; snapshot not fetched", store_hash=store_hash, cart_id=str(cart_id),
                     status=stored["status"])
            await refreshes.fetched(unit, cart_id, now())  # nothing a fetch could change: nothing pending
            return Applied(stored, False, [])
        began = now()
        view, moves = await self._fetch(client, cart_id, stored=stored, cart=cart, updates=updates,
                                        may_wait=first and cart is None)
        if cart is None:
            # Moves this read saw beyond its webhooks: the late webhooks of those changes pay them off rather
            # than count for the next read, where they would hide a checkout change.
            await refreshes.fetched(unit, cart_id, began, updates=-max(moves, 0))
        if moves < 0:
            settle = timedelta(seconds=self.settings.refresh_settle_seconds)
            await refreshes.mark_dirty(unit, cart_id, since=began, due=began + settle, updates=moves)
        if view is None:
            if stored is None:
                log.info("cart not found in BigCommerce and unknown here; nothing to do", store_hash=store_hash,
                         cart_id=str(cart_id))
                return Applied(None, False, [])
            changed = await self.mark(unit, cart_id, "deleted", actor=actor, reason=gone_reason, locked=True)
            return Applied(await self.get_row(unit, cart_id), changed, [])
        return await self.apply_view(unit, view, actor=actor, mine=mine, stored=stored, locked=True)
