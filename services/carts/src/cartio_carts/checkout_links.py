"""`POST /internal/stores/{store}/carts/{cart_id}/checkout-link`: a fresh checkout URL of a BigCommerce cart, for
ingest's recovery link (`GET /r/{token}`) at each click.

BigCommerce's redirect URLs work once (bigcommerce-api.md 5.3), so the URL minted when the email was made opens the
checkout at the first click only; minting one per click makes every click of the email's link work. The cart is the
one the link opens (`checkout_cart_id`: made through the Management API, so it can mint URLs). 404 `cart_gone` when
BigCommerce no longer has it (bought or deleted); other BigCommerce answers as carts' other routes answer them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from cartio_bigcommerce import NotFound
from cartio_platform.logging import get_logger
from cartio_platform.security import require_service_token

from .api import cart_uuid, store_of
from .domain.errors import cart_gone
from .service import CartService

log = get_logger(__name__)
router = APIRouter(prefix="/internal/stores/{store}", dependencies=[Depends(require_service_token)])


class CheckoutLink(BaseModel):
    checkout_url: str


@router.post("/carts/{cart_id}/checkout-link")
async def checkout_link(request: Request, store: Annotated[str, Depends(store_of)], cart_id: str) -> CheckoutLink:
    service: CartService = request.app.state.service
    bigcommerce_cart = str(cart_uuid(cart_id))
    client = await service.clients.get(store)
    try:
        urls = await client.create_redirect_urls(bigcommerce_cart)
    except NotFound:
        raise cart_gone() from None
    log.info("checkout link minted", store_hash=store, cart_id=bigcommerce_cart)
    return CheckoutLink(checkout_url=urls.checkout_url)
