"""The simulated storefront: product thumbnails, product pages, and the pages cart redirect URLs open
(where a shopper can complete the order)."""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .catalog import PRODUCTS, thumbnail_svg
from .errors import SimError
from .formats import v3_money
from .pricing import totals
from .redirects import redeem
from .runtime import Simulator
from .state import Cart, Store
from .storefront_actions import shopper_checks_out

router = APIRouter()
log = logging.getLogger("cartio_simulator.storefront")


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:720px;margin:2em auto}td{padding:4px 8px}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


@router.get("/images/{product_id}.svg")
async def image(product_id: int) -> Response:
    product = PRODUCTS.get(product_id)
    if product is None:
        return Response(status_code=404)
    return Response(thumbnail_svg(product), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


def _cart_table(cart: Cart) -> str:
    rows = "".join(
        f"<tr><td><img src='/images/{i.product_id}.svg' width='40'></td><td>{html.escape(i.name)}</td>"
        f"<td>{i.quantity}</td><td>${v3_money(i.list_price * i.quantity):.2f}</td></tr>"
        for i in cart.items
    )
    t = totals(cart)
    return f"<table>{rows}</table><p>Total before shipping and tax: <b>${v3_money(t.cart_amount):.2f}</b></p>"


def _find(sim: Simulator, cart_id: str) -> tuple[Store, Cart] | None:
    for store in sim.world.stores.values():
        if cart_id in store.carts:
            return store, store.carts[cart_id]
    return None


@router.get("/storefront/cart.php")
async def load_cart(request: Request, id: str = "", token: str = "", action: str = "load") -> HTMLResponse:
    sim = _sim(request)
    found = _find(sim, id)
    if found is None or redeem(found[0], id, token) is None:
        return _page("This link has expired", "<p>The cart link was already used, or the cart is gone.</p>", 410)
    store, cart = found
    form = (
        f"<form method='post' action='/storefront/checkout.php'><input type='hidden' name='cart_id' "
        f"value='{html.escape(cart.id)}'><input type='hidden' name='store' value='{store.hash}'>"
        f"<label>Email <input name='email' value='{html.escape(cart.email)}'></label> "
        "<button type='submit'>Place order</button></form>"
    )
    title = "Checkout" if action == "loadInCheckout" else "Your cart"
    return _page(title, _cart_table(cart) + form)


@router.post("/storefront/checkout.php")
async def place_order(request: Request) -> HTMLResponse:
    sim = _sim(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    try:
        store = sim.store(form.get("store"))
        cart = store.carts.get(form.get("cart_id", ""))
        if cart is None:
            return _page("Cart not found", "<p>This cart no longer exists.</p>", 404)
        async with store.lock:
            order = await shopper_checks_out(sim, store, cart, email=form.get("email") or None)
    except SimError as exc:
        return _page("Could not place the order", f"<p>{html.escape(exc.title)}</p>", exc.status)
    return _page("Thank you!", f"<p>Your order #{order.id} has been placed.</p>", 201)


@router.get("/storefront/")
async def home() -> HTMLResponse:
    items = "".join(
        f"<li><a href='/storefront/{p.slug}/'>{html.escape(p.name)}</a> ${v3_money(p.calculated_price):.2f}</li>"
        for p in PRODUCTS.values()
    )
    return _page("Simulated store", f"<ul>{items}</ul>")


@router.get("/storefront/{slug}/")
async def product_page(slug: str) -> HTMLResponse:
    product = next((p for p in PRODUCTS.values() if p.slug == slug), None)
    if product is None:
        return _page("Not found", "", 404)
    return _page(product.name, f"<img src='/images/{product.id}.svg' width='200'><p>{product.description}</p>"
                                f"<p>${v3_money(product.calculated_price):.2f}</p>")
