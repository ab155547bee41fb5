"""Checkouts (v3 ``/checkouts``): addresses, consignments, shipping, coupons, and the order made from one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..errors import BigCommerceError
from ..models.checkouts import Address, Checkout, ConsignmentInput
from ..transport import Transport, seg, to_api

__all__ = ["AddressLike", "CheckoutsApi", "ConsignmentLike"]

_CHECKOUT_INCLUDE: Final = "cart.line_items.physical_items.options,cart.line_items.digital_items.options"
_SHIPPING_OPTIONS_INCLUDE: Final = "consignments.available_shipping_options"

AddressLike = Address | Mapping[str, Any]
ConsignmentLike = ConsignmentInput | Mapping[str, Any]


class CheckoutsApi(Transport):
    """A store's checkouts."""

    @staticmethod
    def _checkout_params(include_shipping_options: bool) -> dict[str, str]:
        include = _CHECKOUT_INCLUDE
        if include_shipping_options:
            include += "," + _SHIPPING_OPTIONS_INCLUDE
        return {"include": include}

    async def get_checkout(self, checkout_id: str, include_shipping_options: bool = False) -> Checkout:
        data = await self._v3(
            "GET", f"/checkouts/{seg(checkout_id)}", params=self._checkout_params(include_shipping_options)
        )
        return self._parse(Checkout, data)

    async def add_billing_address(self, checkout_id: str, address: AddressLike) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{seg(checkout_id)}/billing-address",
            params=self._checkout_params(False),
            body=to_api(address),
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def update_billing_address(self, checkout_id: str, address_id: str | int, address: AddressLike) -> Checkout:
        data = await self._v3(
            "PUT",
            f"/checkouts/{seg(checkout_id)}/billing-address/{seg(address_id)}",
            params=self._checkout_params(False),
            body=to_api(address),
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def add_consignments(
        self,
        checkout_id: str,
        consignments: Sequence[ConsignmentLike],
        include_shipping_options: bool = True,
    ) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{seg(checkout_id)}/consignments",
            params=self._checkout_params(include_shipping_options),
            body=[to_api(c) for c in consignments],
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def select_shipping_option(self, checkout_id: str, consignment_id: str, shipping_option_id: str) -> Checkout:
        data = await self._v3(
            "PUT",
            f"/checkouts/{seg(checkout_id)}/consignments/{seg(consignment_id)}",
            params=self._checkout_params(False),
            body={"shipping_option_id": shipping_option_id},
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def apply_coupon(self, checkout_id: str, code: str) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{seg(checkout_id)}/coupons",
            params=self._checkout_params(False),
            body={"coupon_code": code},
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def create_order(self, checkout_id: str) -> int:
        """Create an order (status 0 Incomplete) from the checkout; returns the order id. Never retried
        once the request may have reached BigCommerce."""
        data = await self._v3("POST", f"/checkouts/{seg(checkout_id)}/orders")
        if not isinstance(data, Mapping) or "id" not in data:
            raise BigCommerceError(None, "Order response has no id", None, data)
        try:
            return int(data["id"])
        except (TypeError, ValueError) as exc:
            raise BigCommerceError(None, "Order id is not a number", None, data) from exc
