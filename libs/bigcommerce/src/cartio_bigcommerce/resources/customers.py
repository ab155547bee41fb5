"""Customers (v3 ``/customers``), read by id in chunks of 50."""

from __future__ import annotations

from collections.abc import Iterable

from ..models.customers import Customer
from ..transport import Transport

__all__ = ["CustomersApi"]


class CustomersApi(Transport):
    """A store's customers."""

    async def get_customers(self, ids: Iterable[int]) -> list[Customer]:
        """The customers with these ids (with addresses); unknown ids are simply absent."""
        id_list = sorted({int(i) for i in ids})
        customers: list[Customer] = []
        for start in range(0, len(id_list), 50):
            chunk = id_list[start : start + 50]
            params = {"id:in": chunk, "include": "addresses", "limit": 50}
            async for item in self._v3_pages("/customers", params):
                customers.append(self._parse(Customer, item))
        return customers
