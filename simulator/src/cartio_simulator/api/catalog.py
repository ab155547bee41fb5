"""Catalog products and variants, customers, abandoned-cart tokens (all v3)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..cart_json import parse_include
from ..catalog import PRODUCTS, Product
from ..catalog_json import customer_json, modifier_json, product_json, variant_json
from ..errors import SimError, not_found
from .common import ctx, id_list, page_params, paginate, v3

router = APIRouter(prefix="/stores/{store_hash}/v3")
PRODUCTS_READ = ("store_v2_products", "store_v2_products_read_only")
CUSTOMERS_READ = ("store_v2_customers", "store_v2_customers_read_only")
INFO_READ = ("store_v2_information", "store_v2_information_read_only")


def _keyword(product: Product, keyword: str) -> bool:
    haystack = " ".join([product.name, product.description, product.brand, *(v.sku for v in product.variants)])
    return keyword.lower() in haystack.lower()


@router.get("/catalog/products")
async def list_products(
    request: Request,
    keyword: str | None = None,
    name: str | None = None,
    sku: str | None = None,
    id_in: str | None = Query(default=None, alias="id:in"),
    id_not_in: str | None = Query(default=None, alias="id:not_in"),
    sku_in: str | None = Query(default=None, alias="sku:in"),
    categories_in: str | None = Query(default=None, alias="categories:in"),
    is_visible: bool | None = None,
    include: str | None = None,
    page: int | None = None,
    limit: int | None = None,
    sort: str | None = None,
    direction: str | None = None,
) -> JSONResponse:
    c = ctx(request, *PRODUCTS_READ)
    includes = parse_include(include)
    number, size = page_params(page, limit, maximum=10 if includes & {"options", "modifiers"} else 250)
    products = list(PRODUCTS.values())
    ids, not_ids, categories = id_list(id_in, "id:in"), id_list(id_not_in, "id:not_in"), id_list(
        categories_in, "categories:in")
    if keyword:
        products = [p for p in products if _keyword(p, keyword)]
    if name:
        products = [p for p in products if p.name == name]
    if sku:
        products = [p for p in products if p.sku == sku]
    if sku_in:
        skus = set(sku_in.split(","))
        products = [p for p in products if p.sku in skus]
    if ids is not None:
        products = [p for p in products if p.id in ids]
    if not_ids is not None:
        products = [p for p in products if p.id not in not_ids]
    if categories is not None:
        products = [p for p in products if p.category_id in categories]
    if is_visible is False:
        products = []
    if sort:
        keys = {"id": lambda p: p.id, "name": lambda p: p.name, "sku": lambda p: p.sku,
                "price": lambda p: p.price, "date_modified": lambda p: p.id, "date_last_imported": lambda p: p.id}
        if sort not in keys:
            raise SimError(422, "JSON data is missing or invalid", {"sort": "unsupported sort field"})
        products.sort(key=keys[sort], reverse=(direction or "asc").lower() == "desc")
    query = {k: v for k, v in request.query_params.items() if k not in ("page", "limit")}
    chunk, meta = paginate(products, number, size, query)
    public = c.sim.settings.public_url
    return v3([product_json(p, public, includes) for p in chunk], meta=meta)


def _product(product_id: int) -> Product:
    product = PRODUCTS.get(product_id)
    if product is None:
        raise not_found("Product")
    return product


@router.get("/catalog/products/{product_id}")
async def read_product(request: Request, product_id: int, include: str | None = None) -> JSONResponse:
    c = ctx(request, *PRODUCTS_READ)
    return v3(product_json(_product(product_id), c.sim.settings.public_url, parse_include(include)))


@router.get("/catalog/products/{product_id}/variants")
async def product_variants(request: Request, product_id: int, page: int | None = None,
                           limit: int | None = None) -> JSONResponse:
    c = ctx(request, *PRODUCTS_READ)
    product = _product(product_id)
    number, size = page_params(page, limit)
    chunk, meta = paginate(list(product.variants), number, size)
    return v3([variant_json(product, v, c.sim.settings.public_url) for v in chunk], meta=meta)


@router.get("/catalog/products/{product_id}/modifiers")
async def product_modifiers(request: Request, product_id: int, page: int | None = None,
                            limit: int | None = None) -> JSONResponse:
    ctx(request, *PRODUCTS_READ)
    product = _product(product_id)
    number, size = page_params(page, limit)
    chunk, meta = paginate(list(product.modifiers), number, size)
    return v3([modifier_json(product, m) for m in chunk], meta=meta)


@router.get("/catalog/variants")
async def list_variants(request: Request, sku: str | None = None, page: int | None = None,
                        limit: int | None = None) -> JSONResponse:
    c = ctx(request, *PRODUCTS_READ)
    pairs = [(p, v) for p in PRODUCTS.values() for v in p.variants if sku is None or v.sku == sku]
    number, size = page_params(page, limit)
    chunk, meta = paginate(pairs, number, size)
    return v3([variant_json(p, v, c.sim.settings.public_url) for p, v in chunk], meta=meta)


@router.get("/customers")
async def list_customers(
    request: Request,
    id_in: str | None = Query(default=None, alias="id:in"),
    email_in: str | None = Query(default=None, alias="email:in"),
    name_like: str | None = Query(default=None, alias="name:like"),
    include: str | None = None,
    page: int | None = None,
    limit: int | None = None,
) -> JSONResponse:
    c = ctx(request, *CUSTOMERS_READ)
    customers = list(c.store.customers.values())
    ids = id_list(id_in, "id:in")
    if ids is not None:
        customers = [x for x in customers if x.id in ids]
    if email_in is not None:
        emails = {e.strip().lower() for e in email_in.split(",")}
        customers = [x for x in customers if x.email.lower() in emails]
    if name_like:
        customers = [x for x in customers if name_like.lower() in f"{x.first_name} {x.last_name}".lower()]
    number, size = page_params(page, limit)
    query = {k: v for k, v in request.query_params.items() if k not in ("page", "limit")}
    chunk, meta = paginate(customers, number, size, query)
    includes = parse_include(include)
    return v3([customer_json(x, includes) for x in chunk], meta=meta)


@router.get("/abandoned-carts/{token}")
async def abandoned_cart(request: Request, token: str) -> JSONResponse:
    c = ctx(request, *INFO_READ)
    cart_id = c.store.abandoned_tokens.get(token)
    if cart_id is None:
        raise not_found("Abandoned cart")
    return v3({"cart_id": cart_id})
