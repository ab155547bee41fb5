"""Carts (v3 ``/carts``, ``/abandoned-carts``): read, create, edit lines, delete, redirect URLs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..errors import BigCommerceError
from ..models.carts import Cart, LineItemInput, RedirectUrls
from ..transport import Transport, seg, to_api

__all__ = ["CartsApi", "LineItemLike"]

_CART_INCLUDE: Final = "line_items.physical_items.options,line_items.digital_items.options"

LineItemLike = LineItemInput | Mapping[str, Any]


class CartsApi(Transport):
    """A store's carts."""

    @staticmethod
    def _cart_params(include_options: bool = True, include_redirect_urls: bool = False) -> dict[str, str]:
        include = [_CART_INCLUDE] if include_options else []
        if include_redirect_urls:
            include.append("redirect_urls")
        return {"include": ",".join(include)} if include else {}

    async def get_cart(self, cart_id: str, include_options: bool = True) -> Cart:
        """The cart; :class:`NotFound` when it was deleted, converted or expired. (Links come from
        :meth:`create_redirect_urls`: BigCommerce takes ``include=redirect_urls`` on ``POST /carts`` only.)"""
        data = await self._v3("GET", f"/carts/{seg(cart_id)}", params=self._cart_params(include_options))
        return self._parse(Cart, data)

    async def create_cart(
        self,
        line_items: Sequence[LineItemLike],
        customer_id: int = 0,
        channel_id: int = 1,
        currency: str | None = None,
        include_redirect_urls: bool = False,
        *,
        locale: str | None = None,
    ) -> Cart:
        body: dict[str, Any] = {
            "customer_id": customer_id,
            "channel_id": channel_id,
            "line_items": [to_api(item) for item in line_items],
        }
        if currency:
            body["currency"] = {"code": currency}
        if locale:
            body["locale"] = locale
        data = await self._v3(
            "POST",
            "/carts",
            params=self._cart_params(True, include_redirect_urls),
            body=body,
            has_body=True,
        )
        return self._parse(Cart, data)

    async def add_cart_items(
        self, cart_id: str, line_items: Sequence[LineItemLike], version: int | None = None
    ) -> Cart:
        body: dict[str, Any] = {"line_items": [to_api(item) for item in line_items]}
        if version is not None:
            body["version"] = version
        data = await self._v3(
            "POST", f"/carts/{seg(cart_id)}/items", params=self._cart_params(), body=body, has_body=True
        )
        return self._parse(Cart, data)

    async def update_cart_item(
        self,
        cart_id: str,
        item_id: str,
        *,
        product_id: int,
        variant_id: int | None,
        quantity: int,
        version: int | None = None,
    ) -> Cart:
        """Change a line's quantity. :class:`Conflict` when ``version`` is stale."""
        line_item: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
        if variant_id is not None:
            line_item["variant_id"] = variant_id
        body: dict[str, Any] = {"line_item": line_item}
        if version is not None:
            body["version"] = version
        data = await self._v3(
            "PUT",
            f"/carts/{seg(cart_id)}/items/{seg(item_id)}",
            params=self._cart_params(),
            body=body,
            has_body=True,
        )
        return self._parse(Cart, data)

    async def delete_cart_item(self, cart_id: str, item_id: str, version: int | None = None) -> Cart | None:
        """Remove a line; ``None`` when it was the last one (BigCommerce deleted the cart)."""
        data = await self._v3(
            "DELETE",
            f"/carts/{seg(cart_id)}/items/{seg(item_id)}",
            params=self._cart_params(),
            body={"version": version} if version is not None else None,
            has_body=version is not None,
        )
        return None if data is None else self._parse(Cart, data)

    async def delete_cart(self, cart_id: str) -> None:
        """Delete the cart (unrecoverable). :class:`NotFound` when it is already gone."""
        await self._send("DELETE", f"/v3/carts/{seg(cart_id)}")

    async def create_redirect_urls(self, cart_id: str, query_params: Mapping[str, str] | None = None) -> RedirectUrls:
        """Fresh single-use cart/checkout URLs (only for carts created through the Management API)."""
        body = {"query_params": dict(query_params)} if query_params else None
        data = await self._v3("POST", f"/carts/{seg(cart_id)}/redirect_urls", body=body, has_body=body is not None)
        return self._parse(RedirectUrls, data)

    async def get_abandoned_cart_id(self, token: str) -> str:
        """The cart id behind a ``store/cart/abandoned`` token."""
        data = await self._v3("GET", f"/abandoned-carts/{seg(token)}")
        if not isinstance(data, Mapping) or not data.get("cart_id"):
            raise BigCommerceError(None, "Abandoned cart response has no cart_id", None, data)
        return str(data["cart_id"])
