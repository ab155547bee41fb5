"""Catalog (v3 ``/catalog/products``): search and read products with images and variants."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models.catalog import Product
from ..transport import Transport, seg

__all__ = ["CatalogApi"]


class CatalogApi(Transport):
    """A store's products."""

    async def search_products(
        self,
        keyword: str | None = None,
        ids: Iterable[int] | None = None,
        limit: int = 50,
        page: int = 1,
    ) -> list[Product]:
        """One page of products (with images and variants) matching ``keyword`` and/or ``ids``."""
        params: dict[str, Any] = {"include": "images,variants", "limit": limit, "page": page}
        if keyword:
            params["keyword"] = keyword
        if ids is not None:
            id_list = [int(i) for i in ids]
            if not id_list:
                return []
            params["id:in"] = id_list
        data = await self._v3("GET", "/catalog/products", params=params)
        return self._parse_list(Product, data)

    async def get_product(self, product_id: int) -> Product:
        data = await self._v3("GET", f"/catalog/products/{seg(product_id)}", params={"include": "images,variants"})
        return self._parse(Product, data)
