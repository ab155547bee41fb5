"""Orders (v2 ``/orders``): read, list (all pages) and change status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ..models.orders import Order, OrderProduct
from ..transport import Transport, seg

__all__ = ["OrdersApi"]


class OrdersApi(Transport):
    """A store's orders."""

    async def get_order(self, order_id: int) -> Order:
        data = await self._v2("GET", f"/orders/{seg(order_id)}")
        return self._parse(Order, data)

    async def get_order_products(self, order_id: int) -> list[OrderProduct]:
        """Every line of the order (all pages)."""
        return [self._parse(OrderProduct, item) async for item in self._v2_pages(f"/orders/{seg(order_id)}/products")]

    async def iter_orders(self, **filters: Any) -> AsyncIterator[Order]:
        """Orders matching the v2 filters (``status_id``, ``cart_id``, ``min_date_modified``...), all pages."""
        async for item in self._v2_pages("/orders", filters):
            yield self._parse(Order, item)

    async def list_orders(self, **filters: Any) -> list[Order]:
        """Orders matching the v2 filters: one page when ``page`` is given, otherwise every page."""
        if "page" in filters:
            return self._parse_list(Order, await self._v2_list("/orders", filters))
        return [order async for order in self.iter_orders(**filters)]

    async def update_order_status(self, order_id: int, status_id: int, *, staff_notes: str | None = None) -> Order:
        """Sets the order's status; `staff_notes` (seen by staff only, never by the shopper) says why."""
        body: dict[str, object] = {"status_id": status_id}
        if staff_notes is not None:
            body["staff_notes"] = staff_notes
        data = await self._v2("PUT", f"/orders/{seg(order_id)}", body=body, has_body=True)
        return self._parse(Order, data)
