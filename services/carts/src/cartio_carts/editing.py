"""Staff editing a cart on the shopper's behalf: add a line, change a quantity, remove a line, delete the cart;
and the catalog search that adding needs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cartio_bigcommerce import (
    BigCommerceClient,
    Cart,
    Conflict,
    InvalidRequest,
    NotFound,
    Product,
    RateLimited,
    Transient,
)
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain
from .domain import Change
from .domain.errors import CommitThen, Conflicting, Missing, Refused, bigcommerce_unavailable, cart_gone
from .service import Row
from .staff import StaffActions
from .views import CartInFull

log = get_logger(__name__)

Mutation = Callable[[BigCommerceClient, Row, Cart | None, int | None], Awaitable[Cart | None]]


class Editing(StaffActions):
    async def _mutate(
        self, store_hash: str, cart_id: uuid.UUID, actor: str, mutation: Mutation, mine: Callable[[Change], bool],
        what: str,
    ) -> CartInFull:
        service = self.service
        client = await service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as unit:
            row = self._alive(await service.get_row(unit, cart_id))
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
                            await service.refresh(unit, client, cart_id, cart=fresh)
                            current = await service.get_row(unit, cart_id)
                            assert current is not None
                            raise CommitThen(Conflicting(
                                "cart_changed",
                                "The cart changed in the store at the same time, twice; nothing was done. "
                                "Here is the current cart: look and try again.",
                                cart=(await self._full(unit.session, current)).model_dump(mode="json"),
                            )) from None
                        log.info("cart version conflict; retrying on fresh data", store_hash=store_hash,
                                 cart_id=str(cart_id), action=what)
            except NotFound:
                await self._gone_or_item_missing(unit, client, cart_id)
            except (Transient, RateLimited) as exc:
                log.warning("BigCommerce unavailable for a cart action", store_hash=store_hash,
                            cart_id=str(cart_id), action=what, error=str(exc))
                raise bigcommerce_unavailable() from None
            if result is None:
                await service.mark(unit, cart_id, "deleted", actor=actor, reason="merchant", locked=True,
                                   detail={"via": what})
            else:
                try:
                    await service.refresh(unit, client, cart_id, actor=actor, mine=mine, cart=result)
                except (Transient, RateLimited):
                    # The change is made in BigCommerce; its webhook brings the totals in shortly.
                    log.warning("change made but its checkout could not be read; the webhook will bring it",
                                store_hash=store_hash, cart_id=str(cart_id), action=what)
                    view = domain.map_cart(result, None)
                    await service.apply_view(unit, view, actor=actor, mine=mine, locked=True,
                                             stored=await service.get_row(unit, cart_id))
            current = await service.get_row(unit, cart_id)
            assert current is not None
            log.info("cart action done", store_hash=store_hash, cart_id=str(cart_id), action=what, actor=actor)
            return await self._full(unit.session, current)
        raise AssertionError("unreachable")

    async def _gone_or_item_missing(self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID) -> None:
        try:
            cart = await client.get_cart(str(cart_id))
        except NotFound:
            await self.service.mark(unit, cart_id, "deleted", actor="bigcommerce", reason="unknown", locked=True)
            raise CommitThen(cart_gone()) from None
        except (Transient, RateLimited):
            raise bigcommerce_unavailable() from None
        await self.service.refresh(unit, client, cart_id, cart=cart)
        raise CommitThen(Missing("item_not_found", "This line is no longer in the cart"))

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
                    raise Refused("item_not_editable", "Only catalog lines can be changed here")
                return int(data["product_id"]), data.get("variant_id")
        raise Missing("item_not_found", "This line is not in the cart")

    async def add_item(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, product_id: int,
                       variant_id: int | None, quantity: int,
                       option_selections: Sequence[tuple[int, int | str]] = ()) -> CartInFull:
        line: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
        if variant_id is not None:
            line["variant_id"] = variant_id
        if option_selections:
            line["option_selections"] = [{"option_id": o, "option_value": v} for o, v in option_selections]

        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            try:
                return await client.add_cart_items(str(cart_id), [line], version=version)
            except InvalidRequest as exc:
                raise Refused("invalid_item", f"BigCommerce refused the item: {refusal(exc)}") from None

        def mine(change: Change) -> bool:
            detail = change.detail
            return change.action in ("item_added", "quantity_changed") and detail.get("product_id") == product_id \
                and (variant_id is None or detail.get("variant_id") == variant_id)

        return await self._mutate(store_hash, cart_id, actor, mutation, mine, "add_item")

    async def set_quantity(self, store_hash: str, cart_id: uuid.UUID, item_id: str, actor: str, *,
                           quantity: int) -> CartInFull:
        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            product_id, variant_id = self._line(row, fresh, item_id)
            try:
                return await client.update_cart_item(str(cart_id), item_id, product_id=product_id,
                                                     variant_id=variant_id, quantity=quantity, version=version)
            except InvalidRequest as exc:
                raise Refused("invalid_quantity", f"BigCommerce refused the quantity: {refusal(exc)}") from None

        return await self._mutate(store_hash, cart_id, actor, mutation, lambda c: c.item_id == item_id,
                                  "set_quantity")

    async def remove_item(self, store_hash: str, cart_id: uuid.UUID, item_id: str, actor: str) -> CartInFull:
        async def mutation(client: BigCommerceClient, row: Row, fresh: Cart | None, version: int | None
                           ) -> Cart | None:
            self._line(row, fresh, item_id)
            return await client.delete_cart_item(str(cart_id), item_id, version=version)

        return await self._mutate(store_hash, cart_id, actor, mutation, lambda c: c.item_id == item_id,
                                  "remove_item")

    async def delete_cart(self, store_hash: str, cart_id: uuid.UUID, actor: str) -> None:
        client = await self.service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as unit:
            self._alive(await self.service.get_row(unit, cart_id))
            try:
                await client.delete_cart(str(cart_id))
            except NotFound:
                await self.service.mark(unit, cart_id, "deleted", actor="bigcommerce", reason="unknown",
                                        locked=True)
                raise CommitThen(cart_gone()) from None
            except (Transient, RateLimited):
                raise bigcommerce_unavailable() from None
            await self.service.mark(unit, cart_id, "deleted", actor=actor, reason="merchant", locked=True)
        log.info("cart deleted by staff", store_hash=store_hash, cart_id=str(cart_id), actor=actor)

    async def products(self, store_hash: str, q: str | None, limit: int) -> list[Product]:
        client = await self.service.clients.get(store_hash)
        try:
            return await client.search_products(keyword=q or None, limit=limit)
        except (Transient, RateLimited):
            raise bigcommerce_unavailable() from None


def refusal(exc: InvalidRequest) -> str:
    """BigCommerce's refusal in words: its title, then what it says of the fields ("Missing or incorrect required
    fields: a value is required for 'Engraving'")."""
    if exc.errors:  # the field paths ("line_items.0.option_selections") say nothing to a merchant
        return f"{exc.title}: {'; '.join(exc.errors.values())}"
    return exc.detail or exc.title
