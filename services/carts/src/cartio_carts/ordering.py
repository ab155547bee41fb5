"""Staff creating an order from a cart, once per Idempotency-Key.

The key's row is claimed in a committed transaction before BigCommerce is called; a concurrent or repeated
request with the key waits for the first and returns its result; an attempt that provably made no order may be
retried; before creating, orders BigCommerce already has for the cart that an earlier attempt of this key may
have made are looked up, so one key never makes two orders. Each attempt moves through phases (claimed ->
creating -> created -> done), fenced by its attempt number. The checkout itself is prepared in `order_checkout.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from cartio_bigcommerce import BigCommerceClient, BigCommerceError, InvalidRequest, NotFound, RateLimited, Transient
from cartio_platform.logging import get_logger

from . import domain
from .domain.errors import CartError, Refused, bigcommerce_unavailable, cart_gone, key_reused, order_in_progress
from .order_checkout import CheckoutToOrder
from .service import Row, now
from .tables import order_requests
from .views import OrderResult

log = get_logger(__name__)


@dataclass
class OrderOutcome:
    status_code: int
    body: OrderResult
    replayed: bool


class Ordering(CheckoutToOrder):
    async def create_order(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, key: str,
                           billing_address: dict[str, Any] | None, status_id: int) -> OrderOutcome:
        """Billing address, consignment, cheapest shipping, order, status, cart deleted: once per key."""
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
        except CartError as exc:
            await self._settle_failure(store_hash, key, state, exc)
            raise
        except BaseException:
            await asyncio.shield(self._settle_failure(store_hash, key, state, None))
            raise
        async with self.db() as session, session.begin():
            await session.execute(
                order_requests.update()
                .where(order_requests.c.store_hash == store_hash, order_requests.c.idempotency_key == key,
                       order_requests.c.status == "pending")
                .values(status="done", phase="done", order_id=body.order_id, status_code=201,
                        result=body.model_dump(mode="json"), updated_at=now())
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
                        raise key_reused()
                    if row["status"] == "done":
                        return OrderOutcome(row["status_code"] or 201, OrderResult.model_validate(row["result"]),
                                            True)
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
                raise order_in_progress(
                    "An order is already being created for this cart with another Idempotency-Key") from None
            if time.monotonic() > deadline:
                raise order_in_progress("An order for this Idempotency-Key is still being created; retry shortly "
                                        "with the same key to get its result")
            await asyncio.sleep(0.1)

    async def _settle_failure(self, store_hash: str, key: str, state: dict[str, Any], error: CartError | None
                              ) -> None:
        """A failed attempt that provably made no order frees the key for a retry; one that may have made an
        order stays pending with its lease expired, so the next try with the key looks the order up first."""
        if state.get("superseded"):
            return
        async with self.db() as session, session.begin():
            if state["phase"] == "claimed":
                result = {"error": {"code": error.code, "message": error.message}} if error is not None else None
                values: dict[str, Any] = {"status": "failed", "result": result}
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
                    phase=state["phase"], error=error.code if error is not None else "unexpected",
                    no_order_made=state["phase"] == "claimed")

    async def _make_order(self, store_hash: str, cart_id: uuid.UUID, actor: str, state: dict[str, Any],
                          billing_address: dict[str, Any] | None, status_id: int) -> OrderResult:
        key: str = state["idempotency_key"]
        service = self.service
        client = await service.clients.get(store_hash)
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
            async with service.unit(store_hash) as unit:
                await service.mark(unit, cart_id, "deleted", actor="bigcommerce", reason="unknown")
            raise cart_gone() from None
        except InvalidRequest as exc:
            raise Refused("order_refused", f"BigCommerce refused the order: {exc.detail or exc.title}") from None
        async with service.unit(store_hash) as unit:
            await service.record_order(unit, order, products, actor=actor, created_by=actor)
            await service.timeline(unit, cart_id, actor=actor, action="order_created",
                                   detail={"order_id": order.id, "status_id": order.status_id})
        await self._delete_ordered_cart(client, store_hash, cart_id, order.id)
        log.info("order created from cart", store_hash=store_hash, cart_id=str(cart_id), order_id=order.id,
                 status_id=order.status_id, actor=actor)
        return OrderResult(
            order_id=order.id,
            status_id=order.status_id,
            status=order.status,
            cart_id=str(cart_id),
            currency=order.currency_code,
            subtotal=domain.money_str(domain.money(order.subtotal_ex_tax)),
            grand_total=domain.money_str(domain.money(order.total_inc_tax)),
            created_by=actor,
        )

    @staticmethod
    async def _delete_ordered_cart(client: BigCommerceClient, store_hash: str, cart_id: uuid.UUID,
                                   order_id: int) -> None:
        try:
            await client.delete_cart(str(cart_id))
        except NotFound:
            pass
        except BigCommerceError as exc:
            log.warning("order made but its cart could not be deleted in the store", store_hash=store_hash,
                        cart_id=str(cart_id), order_id=order_id, error=str(exc))
