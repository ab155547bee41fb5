"""What a staff member does to a cart on the shopper's behalf. Each action goes to BigCommerce first and is
reflected in Cartio at once: re-read, stored, timeline entry with the staff member, event in the outbox.

Writers of one cart are serialised by the cart's advisory lock, held from before the BigCommerce call until
Cartio's copy is stored, so the webhook BigCommerce fires for the change finds nothing newer to record (and
never attributes the staff member's change to the shopper).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import (
    BigCommerceClient,
    BigCommerceError,
    Cart,
    Conflict,
    InvalidRequest,
    NotFound,
    RateLimited,
    Transient,
)
from cartio_contracts.messages import SendCart
from cartio_platform.logging import get_logger

from . import domain
from .domain import Change
from .errors import ApiError, CommitThen, bigcommerce_unavailable, not_found
from .service import CartService, Row, now
from .tables import cart_timeline, carts, order_requests, send_requests, stores
from .views import cart_json

log = get_logger(__name__)

Mutation = Callable[[BigCommerceClient, Row, Cart | None, int | None], Awaitable[Cart | None]]


@dataclass
class OrderOutcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


class Actions:
    def __init__(self, service: CartService) -> None:
        self.service = service
        self.settings = service.settings
        self.db = service.db

    # --- reading -------------------------------------------------------------------------------------------

    async def cart_in_full(self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> dict[str, Any]:
        row = await self.service.get_row(session, store_hash, cart_id)
        if row is None:
            raise not_found()
        return await self._full(session, row)

    async def _full(self, session: AsyncSession, row: Row) -> dict[str, Any]:
        timeline = (
            await session.execute(
                sa.select(cart_timeline.c.at, cart_timeline.c.actor, cart_timeline.c.action, cart_timeline.c.detail)
                .where(cart_timeline.c.store_hash == row["store_hash"], cart_timeline.c.cart_id == row["cart_id"])
                .order_by(cart_timeline.c.id.desc())
                .limit(500)
            )
        ).mappings().all()
        return cart_json(row, list(reversed(timeline)))

    @staticmethod
    def _alive(row: Row | None) -> Row:
        if row is None:
            raise not_found()
        status = row["status"]
        if status in ("deleted", "blocked"):
            raise ApiError(404, "cart_gone", f"This cart no longer exists in the store (it was {status})")
        if status == "converted":
            raise ApiError(409, "cart_converted",
                           f"This cart was turned into order {row['order_id']} and can no longer be changed",
                           order_id=row["order_id"])
        return row

    # --- the shape of every cart mutation ------------------------------------------------------------------

    @asynccontextmanager
    async def _locked(self, store_hash: str, cart_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A transaction holding the cart's lock. `CommitThen` commits what was written, then answers."""
        deferred: ApiError | None = None
        async with self.db() as session, session.begin():
            await self.service.lock(session, store_hash, cart_id)
            try:
                yield session
            except CommitThen as exc:
                deferred = exc.error
        if deferred is not None:
            raise deferred

    async def _mutate(
        self, store_hash: str, cart_id: uuid.UUID, actor: str, mutation: Mutation, mine: Callable[[Change], bool],
        what: str,
    ) -> dict[str, Any]:
        client = await self.service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as session:
            row = self._alive(await self.service.get_row(session, store_hash, cart_id))
            fresh: Cart | None = None
            version: int | None = row["version"] or None
            result: Cart | None = None
            try:
                for attempt in (1, 2):
                    try:
                        result = await mutation(client, row, fresh, version)
                        break
                    except Conflict:
                        # The shopper changed the cart meanwhile: once more on fresh data, else 409.
                        fresh = await client.get_cart(str(cart_id))
                        version = fresh.version
                        if attempt == 2:
                            await self.service.refresh(session, store_hash, client, cart_id, cart=fresh)
                            current = await self.service.get_row(session, store_hash, cart_id)
                            assert current is not None
                            raise CommitThen(ApiError(
                                409, "cart_changed",
                                "The cart changed in the store at the same time, twice; nothing was done. "
                                "Here is the current cart: look and try again.",
                                cart=await self._full(session, current),
                            )) from None
                        log.info("cart version conflict; retrying on fresh data", store_hash=store_hash,
                                 cart_id=str(cart_id), action=what)
            except NotFound:
                await self._gone_or_item_missing(session, store_hash, client, cart_id)
            except (Transient, RateLimited) as exc:
                log.warning("BigCommerce unavailable for a cart action", store_hash=store_hash,
                            cart_id=str(cart_id), action=what, error=str(exc))
                raise bigcommerce_unavailable() from None
            if result is None:
                await self.service.mark(session, store_hash, cart_id, "deleted", actor=actor, reason="merchant",
                                        locked=True, detail={"via": what})
            else:
                try:
                    await self.service.refresh(session, store_hash, client, cart_id, actor=actor, mine=mine,
                                               cart=result)
                except (Transient, RateLimited):
                    # The change is made in BigCommerce; its webhook brings the totals in shortly.
                    log.warning("change made but its checkout could not be read; the webhook will bring it",
                                store_hash=store_hash, cart_id=str(cart_id), action=what)
                    view = domain.map_cart(result, None)
                    await self.service.apply_view(session, store_hash, view, actor=actor, mine=mine, locked=True,
                                                  stored=await self.service.get_row(session, store_hash, cart_id))
            current = await self.service.get_row(session, store_hash, cart_id)
            assert current is not None
            log.info("cart action done", store_hash=store_hash, cart_id=str(cart_id), action=what, actor=actor)
            return await self._full(session, current)
        raise AssertionError("unreachable")

    async def _gone_or_item_missing(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, cart_id: uuid.UUID
    ) -> None:
        try:
            cart = await client.get_cart(str(cart_id))
        except NotFound:
            await self.service.mark(session, store_hash, cart_id, "deleted", actor="bigcommerce", reason="unknown",
                                    locked=True)
            raise CommitThen(ApiError(404, "cart_gone", "This cart no longer exists in the store")) from None
        except (Transient, RateLimited):
            raise bigcommerce_unavailable() from None
        await self.service.refresh(session, store_hash, client, cart_id, cart=cart)
        raise CommitThen(ApiError(404, "item_not_found", "This line is no longer in the cart"))

    @staticmethod
    def _line(row: Row, fresh: Cart | None, item_id: str) -> tuple[int, int | None]:
        """(product_id, variant_id) of a line, from fresh data when there is some."""
        if fresh is not None:
            for line in fresh.line_items.catalog_items:
                if line.id == item_id:
                    return line.product_id, line.variant_id
            raise NotFound(404, "Line item not found")
        for data in row["items"] or []:
            if data["id"] == item_id:
                if data.get("kind") not in ("physical", "digital"):
                    raise ApiError(422, "item_not_editable", "Only catalog lines can be changed here")
                return int(data["product_id"]), data.get("variant_id")
        raise ApiError(404, "item_not_found", "This line is not in the cart")

    # --- actions -------------------------------------------------------------------------------------------

    async def add_item(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, product_id: int,
                       variant_id: int | None, quantity: int) -> dict[str, Any]:
        line: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
        if variant_id is not None:
            line["variant_id"] = variant_id

        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            try:
                return await client.add_cart_items(str(cart_id), [line], version=version)
            except InvalidRequest as exc:
                raise ApiError(422, "invalid_item", f"BigCommerce refused the item: {exc.detail or exc.title}"
                               ) from None

        def mine(change: Change) -> bool:
            detail = change.detail
            return change.action in ("item_added", "quantity_changed") and detail.get("product_id") == product_id \
                and (variant_id is None or detail.get("variant_id") == variant_id)

        return await self._mutate(store_hash, cart_id, actor, mutation, mine, "add_item")

    async def set_quantity(self, store_hash: str, cart_id: uuid.UUID, item_id: str, actor: str, *,
                           quantity: int) -> dict[str, Any]:
        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            product_id, variant_id = self._line(row, fresh, item_id)
            try:
                return await client.update_cart_item(str(cart_id), item_id, product_id=product_id,
                                                     variant_id=variant_id, quantity=quantity, version=version)
            except InvalidRequest as exc:
                raise ApiError(422, "invalid_quantity",
                               f"BigCommerce refused the quantity: {exc.detail or exc.title}") from None

        return await self._mutate(store_hash, cart_id, actor, mutation, lambda c: c.item_id == item_id,
                                  "set_quantity")

    async def remove_item(self, store_hash: str, cart_id: uuid.UUID, item_id: str, actor: str) -> dict[str, Any]:
        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            self._line(row, fresh, item_id)
            return await client.delete_cart_item(str(cart_id), item_id, version=version)

        return await self._mutate(store_hash, cart_id, actor, mutation, lambda c: c.item_id == item_id,
                                  "remove_item")

    async def delete_cart(self, store_hash: str, cart_id: uuid.UUID, actor: str) -> None:
        client = await self.service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as session:
            self._alive(await self.service.get_row(session, store_hash, cart_id))
            try:
                await client.delete_cart(str(cart_id))
            except NotFound:
                await self.service.mark(session, store_hash, cart_id, "deleted", actor="bigcommerce",
                                        reason="unknown", locked=True)
                raise CommitThen(ApiError(404, "cart_gone", "This cart no longer exists in the store")) from None
            except (Transient, RateLimited):
                raise bigcommerce_unavailable() from None
            await self.service.mark(session, store_hash, cart_id, "deleted", actor=actor, reason="merchant",
                                    locked=True)
        log.info("cart deleted by staff", store_hash=store_hash, cart_id=str(cart_id), actor=actor)

    # --- send to the shopper -------------------------------------------------------------------------------

    async def send(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, email: str | None,
                   message: str | None, key: str | None = None) -> dict[str, Any]:
        """Email the cart as the merchant sees it, with a fresh checkout link; once per Idempotency-Key.

        With a key, the command's id comes from the key (`SendCart.command_id`) and the answer is kept with it,
        so a repeat (a double click, a retry after a timeout) gets the same answer and sends nothing more.
        """
        request_hash = hashlib.sha256(
            json.dumps({"cart_id": str(cart_id), "email": email, "message": message}, sort_keys=True).encode()
        ).hexdigest()
        client = await self.service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as session:
            if key is not None:
                earlier = await self._earlier_send(session, store_hash, key, request_hash)
                if earlier is not None:
                    return earlier
            row = self._alive(await self.service.get_row(session, store_hash, cart_id))
            recipient = email or row["email"]
            if not recipient:
                raise ApiError(422, "recipient_missing",
                               "The cart has no email address: give the shopper's email in the request")
            recipient = _valid_email(recipient)
            try:
                target_id, urls = await self._checkout_link(session, store_hash, client, row, actor)
            except NotFound:
                await self.service.mark(session, store_hash, cart_id, "deleted", actor="bigcommerce",
                                        reason="unknown", locked=True)
                raise CommitThen(ApiError(404, "cart_gone", "This cart no longer exists in the store")) from None
            except (Transient, RateLimited):
                raise bigcommerce_unavailable() from None
            except InvalidRequest as exc:
                raise ApiError(422, "cart_not_sendable",
                               f"BigCommerce could not make a checkout link: {exc.detail or exc.title}") from None
            # The merchant's own cart (re-read while making the link), not the copy the link opens.
            current = await self.service.get_row(session, store_hash, cart_id)
            assert current is not None
            command = SendCart(cart=domain.snapshot(current), recipient=recipient, checkout_url=urls.checkout_url,
                               message=message, requested_by=actor, checkout_cart_id=target_id,
                               store_name=await self._store_name(session, store_hash))
            command_id = SendCart.command_id(store_hash, cart_id, key) if key is not None else None
            envelope = await self.service.emit(session, store_hash, command, routing_key=SendCart.TYPE,
                                               message_id=command_id)
            detail = {"recipient": recipient, "link_cart_id": str(target_id), "command_id": str(envelope.message_id)}
            await self.service.timeline(session, store_hash, cart_id, actor=actor, action="sent_to_shopper",
                                        detail=detail)
            if target_id != cart_id:
                await self.service.timeline(session, store_hash, target_id, actor=actor, action="sent_to_shopper",
                                            detail=detail)
            result = {
                "notification": {"id": str(envelope.message_id), "status": "queued", "recipient": recipient,
                                 "message": message, "requested_by": actor},
                "checkout_url": urls.checkout_url,
                "cart_url": urls.cart_url,
                "recipient": recipient,
                "cart_id": str(cart_id),
                "link_cart_id": str(target_id),
            }
            if key is not None:
                await self._keep_send(session, store_hash, key, cart_id, request_hash, envelope.message_id, result)
        log.info("cart sent to shopper", store_hash=store_hash, cart_id=str(cart_id), link_cart=str(target_id),
                 actor=actor, command_id=str(envelope.message_id))
        return {**result, "replayed": False}

    @staticmethod
    async def _earlier_send(session: AsyncSession, store_hash: str, key: str, request_hash: str
                            ) -> dict[str, Any] | None:
        earlier = (await session.execute(
            sa.select(send_requests.c.request_hash, send_requests.c.result)
            .where(send_requests.c.store_hash == store_hash, send_requests.c.idempotency_key == key)
        )).first()
        if earlier is None:
            return None
        if earlier.request_hash != request_hash:
            raise ApiError(422, "idempotency_key_reused",
                           "This Idempotency-Key was used for a different send; use a new key")
        result: dict[str, Any] = earlier.result
        return {**result, "replayed": True}

    @staticmethod
    async def _keep_send(session: AsyncSession, store_hash: str, key: str, cart_id: uuid.UUID, request_hash: str,
                         command_id: uuid.UUID, result: dict[str, Any]) -> None:
        kept = (await session.execute(
            pg_insert(send_requests).values(store_hash=store_hash, idempotency_key=key, cart_id=cart_id,
                                            request_hash=request_hash, command_id=command_id, result=result)
            .on_conflict_do_nothing().returning(send_requests.c.idempotency_key)
        )).first()
        if kept is None:
            # The same key was used at the same moment for another cart (one cart's sends are serialised).
            raise ApiError(422, "idempotency_key_reused",
                           "This Idempotency-Key was used for a different send; use a new key")

    @staticmethod
    async def _store_name(session: AsyncSession, store_hash: str) -> str | None:
        name: str | None = (await session.execute(
            sa.select(stores.c.name).where(stores.c.store_hash == store_hash)
        )).scalar_one_or_none()
        return name

    async def _checkout_link(
        self, session: AsyncSession, store_hash: str, client: BigCommerceClient, row: Row, actor: str
    ) -> tuple[uuid.UUID, Any]:
        """A fresh checkout link. A cart the storefront made cannot mint one (doc 5.3): it is re-created
        through the Management API with the same lines (variant, options, a changed price), customer and
        currency, and the link is the new cart's. The merchant's cart is refreshed from the same read, so the
        email shows what the link opens. Returns (cart id the link opens, redirect URLs)."""
        cart_id: uuid.UUID = row["cart_id"]
        if row["source_cart_id"] is not None:
            return cart_id, await client.create_redirect_urls(str(cart_id))
        current = await client.get_cart(str(cart_id))
        await self.service.refresh(session, store_hash, client, cart_id, cart=current)
        lines = domain.recreated_lines(current)
        if not lines:
            raise ApiError(422, "cart_not_sendable", "The cart has no catalog items to send")
        new = await client.create_cart(
            lines, customer_id=current.customer_id, channel_id=current.channel_id or 1,
            currency=current.currency.code if current.currency else None, include_redirect_urls=True,
            locale=current.locale,
        )
        urls = new.redirect_urls or await client.create_redirect_urls(new.id)
        new_id = uuid.UUID(new.id)
        view = await self.service.fetch_view(client, new_id, stored=None, cart=new)
        if view is None:
            raise NotFound(404, "The re-created cart vanished")
        await self.service.lock(session, store_hash, new_id)
        # Its own webhook may have brought the new cart in already: apply on what is stored, then link it.
        stored = await self.service.get_row(session, store_hash, new_id)
        await self.service.apply_view(session, store_hash, view, actor=actor, locked=True, stored=stored)
        await session.execute(
            carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == new_id).values(
                source_cart_id=cart_id, email=sa.func.coalesce(carts.c.email, row["email"]),
                name=sa.func.coalesce(carts.c.name, row["name"]), session_id=row["session_id"], ip=row["ip"],
                country=row["country"], browser=row["browser"], user_agent=row["user_agent"],
            )
        )
        await self.service.timeline(session, store_hash, new_id, actor=actor, action="recreated_from",
                                    detail={"cart_id": str(cart_id)})
        await session.execute(
            carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id)
            .values(recreated_as=new_id)
        )
        await self.service.timeline(session, store_hash, cart_id, actor=actor, action="recreated_for_sending",
                                    detail={"new_cart_id": str(new_id)})
        return new_id, urls

    # --- create an order -----------------------------------------------------------------------------------

    async def create_order(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, key: str,
                           billing_address: dict[str, Any] | None, status_id: int) -> OrderOutcome:
        """Billing address, consignment, cheapest shipping, order, status, cart deleted: once per key.

        The key's row is claimed in a committed transaction before BigCommerce is called; a concurrent or
        repeated request with the key waits for the first and returns its result; an attempt that provably
        made no order may be retried; before creating, orders BigCommerce already has for the cart that an
        earlier attempt of this key may have made are looked up, so one key never makes two orders.
        """
        request_hash = hashlib.sha256(
            json.dumps({"cart_id": str(cart_id), "billing_address": billing_address, "status_id": status_id},
                       sort_keys=True, default=str).encode()
        ).hexdigest()
        claim = await self._claim(store_hash, cart_id, key, request_hash, actor)
        if isinstance(claim, OrderOutcome):
            return claim
        state = dict(claim)
        try:
            body = await self._make_order(store_hash, cart_id, actor, state, billing_address, status_id)
        except ApiError as exc:
            await self._settle_failure(store_hash, key, state, exc.status, exc.body())
            raise
        except BaseException:
            await asyncio.shield(self._settle_failure(store_hash, key, state, 500, None))
            raise
        async with self.db() as session, session.begin():
            await session.execute(
                order_requests.update()
                .where(order_requests.c.store_hash == store_hash, order_requests.c.idempotency_key == key,
                       order_requests.c.status == "pending")
                .values(status="done", phase="done", order_id=body["order_id"], status_code=201, result=body,
                        updated_at=now())
            )
        return OrderOutcome(201, body, False)

    async def _claim(self, store_hash: str, cart_id: uuid.UUID, key: str, request_hash: str, actor: str
                     ) -> Row | OrderOutcome:
        lease = timedelta(seconds=self.settings.order_lease_seconds)
        deadline = time.monotonic() + self.settings.order_wait_seconds
        r = order_requests.c
        where_key = (r.store_hash == store_hash) & (r.idempotency_key == key)
        while True:
            try:
                async with self.db() as session, session.begin():
                    inserted = (
                        await session.execute(
                            pg_insert(order_requests)
                            .values(store_hash=store_hash, idempotency_key=key, cart_id=cart_id,
                                    request_hash=request_hash, status="pending", phase="claimed", actor=actor,
                                    lease_until=now() + lease)
                            .on_conflict_do_nothing(index_elements=[r.store_hash, r.idempotency_key])
                            .returning(order_requests)
                        )
                    ).mappings().first()
                    if inserted is not None:
                        return dict(inserted)
                    row = (
                        await session.execute(sa.select(order_requests).where(where_key).with_for_update())
                    ).mappings().first()
                    if row is None:
                        continue
                    if row["request_hash"] != request_hash:
                        raise ApiError(422, "idempotency_key_reused",
                                       "This Idempotency-Key was used for a different request; use a new key")
                    if row["status"] == "done":
                        return OrderOutcome(row["status_code"] or 201, row["result"] or {}, True)
                    takeover = row["status"] == "failed" or row["lease_until"] < now()
                    if takeover:
                        claimed = (
                            await session.execute(
                                order_requests.update().where(where_key)
                                .values(status="pending", attempts=row["attempts"] + 1, actor=actor,
                                        lease_until=now() + lease, updated_at=now())
                                .returning(order_requests)
                            )
                        ).mappings().first()
                        assert claimed is not None
                        log.info("order request taken up again", store_hash=store_hash, cart_id=str(cart_id),
                                 attempt=claimed["attempts"], phase=claimed["phase"])
                        return dict(claimed)
            except IntegrityError:
                raise ApiError(409, "order_in_progress",
                               "An order is already being created for this cart with another Idempotency-Key"
                               ) from None
            if time.monotonic() > deadline:
                raise ApiError(409, "order_in_progress",
                               "An order for this Idempotency-Key is still being created; retry shortly with the "
                               "same key to get its result")
            await asyncio.sleep(0.1)

    async def _set_phase(self, store_hash: str, key: str, state: dict[str, Any], **values: Any) -> None:
        """Move this attempt to its next phase; fenced by the attempt number, so an attempt whose lease was
        taken over by a later one can never go on (in particular, never reach POST orders)."""
        if values.get("phase") == "creating":
            values["lease_until"] = now() + timedelta(seconds=self.settings.order_lease_seconds)
        async with self.db() as session, session.begin():
            moved = (
                await session.execute(
                    order_requests.update()
                    .where(order_requests.c.store_hash == store_hash, order_requests.c.idempotency_key == key,
                           order_requests.c.attempts == state["attempts"], order_requests.c.status == "pending")
                    .values(updated_at=now(), **values)
                    .returning(order_requests.c.attempts)
                )
            ).first()
        if moved is None:
            state["superseded"] = True
            raise ApiError(409, "order_in_progress",
                           "This attempt was taken over by a newer one with the same Idempotency-Key; retry with "
                           "the key to get its result")
        state.update(values)

    async def _settle_failure(self, store_hash: str, key: str, state: dict[str, Any], status_code: int,
                              body: dict[str, Any] | None) -> None:
        """A failed attempt that provably made no order frees the key for a retry; one that may have made an
        order stays pending with its lease expired, so the next try with the key looks the order up first."""
        if state.get("superseded"):
            return
        async with self.db() as session, session.begin():
            if state["phase"] == "claimed":
                values: dict[str, Any] = {"status": "failed", "status_code": status_code, "result": body}
            else:
                values = {"lease_until": now()}
            await session.execute(
                order_requests.update()
                .where(order_requests.c.store_hash == store_hash,
                       order_requests.c.idempotency_key == state["idempotency_key"],
                       order_requests.c.attempts == state["attempts"], order_requests.c.status == "pending")
                .values(updated_at=now(), **values)
            )
        log.warning("create order attempt failed", store_hash=store_hash, cart_id=str(state["cart_id"]),
                    phase=state["phase"], status=status_code, no_order_made=state["phase"] == "claimed")

    async def _orders_of_cart(self, client: BigCommerceClient, cart_id: uuid.UUID) -> set[int]:
        found = {o.id for o in await client.list_orders(cart_id=str(cart_id))}
        found |= {o.id for o in await client.list_orders(cart_id=str(cart_id), status_id=0)}
        return found

    async def _make_order(self, store_hash: str, cart_id: uuid.UUID, actor: str, state: dict[str, Any],
                          billing_address: dict[str, Any] | None, status_id: int) -> dict[str, Any]:
        key: str = state["idempotency_key"]
        client = await self.service.clients.get(store_hash)
        try:
            if state["phase"] == "creating":
                # An earlier attempt may have made the order before it failed: look before creating again.
                made = await self._orders_of_cart(client, cart_id) - set(state["orders_before"] or [])
                if made:
                    await self._set_phase(store_hash, key, state, phase="created", order_id=min(made))
                    log.info("order made by an earlier attempt found", store_hash=store_hash, order_id=min(made))
                else:
                    await self._set_phase(store_hash, key, state, phase="claimed")
            if state["phase"] == "claimed":
                order_id = await self._checkout_to_order(store_hash, cart_id, client, state, billing_address)
            else:
                order_id = int(state["order_id"])
            order = await client.update_order_status(order_id, status_id)
            products = await client.get_order_products(order_id)
        except (Transient, RateLimited) as exc:
            log.warning("BigCommerce unavailable while creating an order", store_hash=store_hash,
                        cart_id=str(cart_id), phase=state["phase"], error=str(exc))
            detail = "" if state["phase"] == "claimed" else "the order may exist: retry with the same Idempotency-Key"
            raise bigcommerce_unavailable(detail) from None
        except NotFound:
            async with self.db() as session, session.begin():
                await self.service.mark(session, store_hash, cart_id, "deleted", actor="bigcommerce",
                                        reason="unknown")
            raise ApiError(404, "cart_gone", "This cart no longer exists in the store") from None
        except InvalidRequest as exc:
            raise ApiError(422, "order_refused", f"BigCommerce refused the order: {exc.detail or exc.title}"
                           ) from None
        async with self.db() as session, session.begin():
            await self.service.record_order(session, store_hash, order, products, actor=actor, created_by=actor)
            await self.service.timeline(session, store_hash, cart_id, actor=actor, action="order_created",
                                        detail={"order_id": order.id, "status_id": order.status_id})
        try:
            await client.delete_cart(str(cart_id))
        except NotFound:
            pass
        except BigCommerceError as exc:
            log.warning("order made but its cart could not be deleted in the store", store_hash=store_hash,
                        cart_id=str(cart_id), order_id=order.id, error=str(exc))
        log.info("order created from cart", store_hash=store_hash, cart_id=str(cart_id), order_id=order.id,
                 status_id=order.status_id, actor=actor)
        return {
            "order_id": order.id,
            "status_id": order.status_id,
            "status": order.status,
            "cart_id": str(cart_id),
            "currency": order.currency_code,
            "subtotal": domain.money_str(domain.money(order.subtotal_ex_tax)),
            "grand_total": domain.money_str(domain.money(order.total_inc_tax)),
            "created_by": actor,
        }

    async def _checkout_to_order(self, store_hash: str, cart_id: uuid.UUID, client: BigCommerceClient,
                                 state: dict[str, Any], billing_address: dict[str, Any] | None) -> int:
        key: str = state["idempotency_key"]
        async with self.db() as session:
            row = await self.service.get_row(session, store_hash, cart_id)
        self._alive(row)
        assert row is not None
        cart = await client.get_cart(str(cart_id))
        checkout = await client.get_checkout(str(cart_id))
        # The billing address: the request's, else the checkout's, the customer's record, the cart's email.
        address: dict[str, Any] = {}
        if cart.customer_id:
            found = await client.get_customers([cart.customer_id])
            if found:
                address.update(domain.address_from_customer(found[0]))
        if checkout.billing_address is not None:
            existing = checkout.billing_address.model_dump(exclude_none=True, exclude={"id", "country"})
            address.update({k: v for k, v in existing.items() if v not in ("", [], None)})
        if not address.get("email") and (cart.email or row["email"]):
            address["email"] = cart.email or row["email"]
        if billing_address:
            address.update({k: v for k, v in billing_address.items() if v not in (None, "")})
        if address.get("email") and not address.get("country_code"):
            # From the cart's email alone: the shopper's country (storefront beacon), else the store's default.
            address["country_code"] = row["country"] or self.settings.default_country
        physical = [i for i in cart.line_items.physical_items if not i.parent_id]
        needs_shipping = bool(physical or cart.line_items.custom_items)
        missing = domain.missing_address_fields(address, shipping=needs_shipping)
        if missing:
            known = "the cart's email" if address.get("email") else "nothing the cart or the customer's record has"
            raise ApiError(422, "billing_address_incomplete",
                           "The billing address (physical items are shipped to it) is missing " + ", ".join(missing) +
                           f"; Cartio only knows {known}: give billing_address in the request", missing=missing)
        address.pop("custom_fields", None)
        if checkout.billing_address is not None and checkout.billing_address.id:
            checkout = await client.update_billing_address(str(cart_id), checkout.billing_address.id, address)
        else:
            checkout = await client.add_billing_address(str(cart_id), address)
        shipped = [{"item_id": i.id, "quantity": i.quantity} for i in physical]
        shipped += [{"item_id": c.id, "quantity": c.quantity} for c in cart.line_items.custom_items]
        if shipped:
            shipping_address = {k: v for k, v in address.items() if k != "custom_fields"}
            checkout = await client.add_consignments(
                str(cart_id), [{"address": shipping_address, "line_items": shipped}], include_shipping_options=True
            )
            ids = {s["item_id"] for s in shipped}
            for consignment in checkout.consignments:
                if not ids.intersection(consignment.line_item_ids):
                    continue
                option = domain.cheapest(consignment.available_shipping_options or [])
                if option is None:
                    raise ApiError(422, "no_shipping_option", "The store offers no shipping option to this address")
                checkout = await client.select_shipping_option(str(cart_id), consignment.id, option.id)
        before = await self._orders_of_cart(client, cart_id)
        await self._set_phase(store_hash, key, state, phase="creating", orders_before=sorted(before))
        try:
            order_id = await client.create_order(str(cart_id))
        except (Transient, RateLimited):
            # Did it make the order before failing? Look; if it cannot be told, the key stays open for a retry.
            made = await self._orders_of_cart(client, cart_id) - before
            if not made:
                await self._set_phase(store_hash, key, state, phase="claimed")
                raise
            order_id = min(made)
        except InvalidRequest:
            await self._set_phase(store_hash, key, state, phase="claimed")
            raise
        await self._set_phase(store_hash, key, state, phase="created", order_id=order_id)
        return order_id

    # --- catalog -------------------------------------------------------------------------------------------

    async def products(self, store_hash: str, q: str | None, limit: int) -> list[Any]:
        client = await self.service.clients.get(store_hash)
        try:
            return await client.search_products(keyword=q or None, limit=limit)
        except (Transient, RateLimited):
            raise bigcommerce_unavailable() from None


def _valid_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ApiError(422, "invalid_email", f"{value!r} is not a valid email address: {exc}") from None
