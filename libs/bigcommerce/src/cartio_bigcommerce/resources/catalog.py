"""Catalog (v3 ``/catalog/products``): search and read products with images, variants and modifiers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from ..models.catalog import Product
from ..transport import Transport, seg

__all__ = ["CatalogApi"]

_INCLUDE: Final = "images,variants,modifiers"
MODIFIERS_PAGE: Final = 10  # BigCommerce's page size cap when `include` has options or modifiers


class CatalogApi(Transport):
    """A store's products."""

    async def search_products(
        self,
        keyword: str | None = None,
        ids: Iterable[int] | None = None,
        limit: int = 50,
        page: int = 1,
    ) -> list[Product]:
        """Up to ``limit`` products (with images, variants and modifiers) matching ``keyword`` and/or ``ids``,
        from the ``page``-th ``limit``. BigCommerce gives at most 10 a page when modifiers are included, so a
        larger ``limit`` takes several calls (only as many as needed)."""
        params: dict[str, Any] = {"include": _INCLUDE}
        if keyword:
            params["keyword"] = keyword
        if ids is not None:
            id_list = [int(i) for i in ids]
            if not id_list:
                return []
            params["id:in"] = id_list
        per_page = min(limit, MODIFIERS_PAGE)
        first = (page - 1) * limit  # index of the first product wanted
        found: list[Product] = []
        number = first // per_page + 1
        skip = first % per_page
        while len(found) < limit:
            data = await self._v3("GET", "/catalog/products", params={**params, "limit": per_page, "page": number})
            chunk = self._parse_list(Product, data)
            found += chunk[skip:]
            if len(chunk) < per_page:
                break
            number, skip = number + 1, 0
        return found[:limit]

    async def get_product(self, product_id: int) -> Product:
        data = await self._v3("GET", f"/catalog/products/{seg(product_id)}", params={"include": _INCLUDE})
        return self._parse(Product, data)
