"""The checkout an order is made from: billing address, consignments, the cheapest shipping, then the order;
and the attempt's phases, fenced so that an attempt taken over by a later one never reaches `POST orders`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from cartio_bigcommerce import BigCommerceClient, InvalidRequest, RateLimited, Transient
from cartio_platform.logging import get_logger

from . import domain, queries
from .domain.errors import Refused, order_in_progress
from .service import now
from .staff import StaffActions
from .tables import order_requests

log = get_logger(__name__)


class CheckoutToOrder(StaffActions):
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
            raise order_in_progress("This attempt was taken over by a newer one with the same Idempotency-Key; "
                                    "retry with the key to get its result")
        state.update(values)

    @staticmethod
    async def _orders_of_cart(client: BigCommerceClient, cart_id: uuid.UUID) -> set[int]:
        found = {o.id for o in await client.list_orders(cart_id=str(cart_id))}
        found |= {o.id for o in await client.list_orders(cart_id=str(cart_id), status_id=0)}
        return found

    async def _checkout_to_order(self, store_hash: str, cart_id: uuid.UUID, client: BigCommerceClient,
                                 state: dict[str, Any], billing_address: dict[str, Any] | None) -> int:
        key: str = state["idempotency_key"]
        async with self.db() as session:
            row = self._alive(await queries.cart_row(session, store_hash, cart_id))
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
            raise Refused("billing_address_incomplete",
                          "The billing address (physical items are shipped to it) is missing " + ", ".join(missing)
                          + f"; Cartio only knows {known}: give billing_address in the request", missing=missing)
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
                    raise Refused("no_shipping_option", "The store offers no shipping option to this address")
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
