"""Internal HTTP routes of carts (docs/conventions.md, "Internal API of carts"), for the gateway only.

Every route needs `Authorization: Bearer <CARTIO_SERVICE_TOKEN>`; the acting staff member comes in
`X-Cartio-Actor` (default `system`). A store's data is only reachable under its own hash. The application
raises domain errors (`domain.errors`); they become HTTP answers here, in one place (`install_error_handlers`).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cartio_bigcommerce import BigCommerceError, InvalidRequest, NotFound, RateLimited, Transient, Unauthorized
from cartio_bigcommerce.store_hash import is_store_hash
from cartio_platform.errors import ApiError
from cartio_platform.internal_api import Actor
from cartio_platform.logging import get_logger
from cartio_platform.security import require_service_token

from . import domain, queries
from .actions import Actions
from .clients import StoreUnavailable
from .domain.errors import CartError, Conflicting, Missing, Refused, Unavailable, bigcommerce_unavailable
from .domain.search import index_part
from .search_sample import SearchSampler
from .views import CartInFull, CartPage, OrderResult, ProductPage, SendResult, cart_summary, product_out

log = get_logger(__name__)

# Each kind of domain error and the HTTP status it is answered with.
STATUS_OF: dict[type[CartError], int] = {Missing: 404, Conflicting: 409, Refused: 422, Unavailable: 503}


def http_status(error: CartError) -> int:
    for kind, status in STATUS_OF.items():
        if isinstance(error, kind):
            return status
    return 422


def api_error(error: CartError) -> ApiError:
    return ApiError(http_status(error), error.code, error.message, **error.extra)


class Body(BaseModel):
    """A request body: unknown fields are refused, and so is NUL in text (PostgreSQL can store no NUL)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value


class SelectionIn(Body):
    option_id: int = Field(ge=1)
    option_value: int | Annotated[str, Field(min_length=1, max_length=250)] = Field(
        description="the value's id, or a text field's text")


class ItemIn(Body):
    product_id: int = Field(ge=1)
    variant_id: int | None = Field(default=None, ge=1)
    quantity: int = Field(default=1, ge=1, le=10000)
    option_selections: list[SelectionIn] = Field(
        default_factory=list, max_length=50, description="modifiers (and variant options) chosen for the line")


class QuantityIn(Body):
    quantity: int = Field(ge=1, le=10000, description="the line's new quantity (remove a line with DELETE)")


class SendIn(Body):
    email: str | None = Field(default=None, max_length=254)
    message: str | None = Field(default=None, max_length=2000)


class AddressIn(Body):
    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=254)
    company: str | None = Field(default=None, max_length=255)
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=100)
    state_or_province: str | None = Field(default=None, max_length=100)
    state_or_province_code: str | None = Field(default=None, max_length=10)
    country_code: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    postal_code: str | None = Field(default=None, max_length=30)
    phone: str | None = Field(default=None, max_length=50)

    @field_validator("country_code")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class OrderIn(Body):
    billing_address: AddressIn | None = None
    status_id: int = Field(default=7, ge=1, le=14, description="Orders v2 status; default 7 Awaiting Payment")


async def store_of(store: str) -> str:
    if not is_store_hash(store):
        raise ApiError(404, "store_not_found", "No such store")
    return store


def cart_uuid(cart_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(cart_id)
    except ValueError:
        raise ApiError(404, "cart_not_found", "No such cart in this store") from None


def search_sampler(request: Request) -> SearchSampler:
    """The process's sample for the text filter (made at the first filtered listing)."""
    state = request.app.state
    if not hasattr(state, "search_sampler"):
        state.search_sampler = SearchSampler()
    sampler: SearchSampler = state.search_sampler
    return sampler


# The dependencies are `async def`: FastAPI runs a plain `def` one in a worker thread, a thread hop per request.
async def actions_of(request: Request) -> Actions:
    actions: Actions = request.app.state.actions
    return actions


def checked_key(value: str | None) -> str | None:
    key = (value or "").strip() or None
    if key is not None and len(key) > 200:
        raise ApiError(400, "invalid_idempotency_key", "The Idempotency-Key header is at most 200 characters")
    return key


Store = Annotated[str, Depends(store_of)]
Act = Annotated[Actions, Depends(actions_of)]
REPLAYED = {"Idempotent-Replayed": "true"}
# The merchant's reads run without BEGIN and ROLLBACK (two round trips of every call). Nothing is lost by it: under
# READ COMMITTED each statement of a transaction takes its own snapshot anyway.
READ_ONLY = {"isolation_level": "AUTOCOMMIT"}

router = APIRouter(prefix="/internal/stores/{store}", dependencies=[Depends(require_service_token)])


@router.get("/carts")
async def list_carts(request: Request, store: Store, actions: Act) -> CartPage:
    params = request.query_params
    unknown = set(params) - {"status", "user_type", "q", "updated_since", "min_total", "limit", "cursor"}
    if unknown:
        raise ApiError(422, "invalid_parameter", f"Unknown parameter(s): {', '.join(sorted(unknown))}")
    try:
        query = domain.parse_list_query(
            status=params.get("status"), user_type=params.get("user_type"), q=params.get("q"),
            updated_since=params.get("updated_since"), min_total=params.get("min_total"),
            limit=params.get("limit"), cursor=params.get("cursor"),
        )
    except domain.BadParameter as exc:
        raise ApiError(422, "invalid_parameter", str(exc), parameter=exc.name) from None
    if query.q:
        sample = await search_sampler(request).sample(actions.db)
        query = dataclasses.replace(query, q_index_part=index_part(query.q, sample))
    async with actions.db() as session:
        await session.connection(execution_options=READ_ONLY)
        rows, next_cursor = await queries.list_carts(session, store, query)
    return CartPage(items=[cart_summary(r) for r in rows], next_cursor=next_cursor)


@router.get("/carts/{cart_id}")
async def get_cart(store: Store, cart_id: str, actions: Act) -> CartInFull:
    async with actions.db() as session:
        await session.connection(execution_options=READ_ONLY)
        return await actions.cart_in_full(session, store, cart_uuid(cart_id))


@router.post("/carts/{cart_id}/items")
async def add_item(store: Store, cart_id: str, body: ItemIn, actor: Actor, actions: Act) -> CartInFull:
    return await actions.add_item(store, cart_uuid(cart_id), actor, product_id=body.product_id,
                                  variant_id=body.variant_id, quantity=body.quantity,
                                  option_selections=[(o.option_id, o.option_value) for o in body.option_selections])


@router.patch("/carts/{cart_id}/items/{item_id}")
async def set_quantity(store: Store, cart_id: str, item_id: str, body: QuantityIn, actor: Actor, actions: Act
                       ) -> CartInFull:
    return await actions.set_quantity(store, cart_uuid(cart_id), item_id, actor, quantity=body.quantity)


@router.delete("/carts/{cart_id}/items/{item_id}")
async def remove_item(store: Store, cart_id: str, item_id: str, actor: Actor, actions: Act) -> CartInFull:
    return await actions.remove_item(store, cart_uuid(cart_id), item_id, actor)


@router.delete("/carts/{cart_id}", status_code=204)
async def delete_cart(store: Store, cart_id: str, actor: Actor, actions: Act) -> Response:
    await actions.delete_cart(store, cart_uuid(cart_id), actor)
    return Response(status_code=204)


@router.post("/carts/{cart_id}/send")
async def send_cart(store: Store, cart_id: str, actor: Actor, actions: Act, response: Response,
                    body: SendIn | None = None, idempotency_key: Annotated[str | None, Header()] = None
                    ) -> SendResult:
    """Optional `Idempotency-Key`: a repeat with the key answers the first send's result and sends nothing."""
    key = checked_key(idempotency_key)
    body = body or SendIn()
    result = await actions.send(store, cart_uuid(cart_id), actor, email=body.email, message=body.message, key=key)
    if result.replayed:
        response.headers.update(REPLAYED)
    return result


@router.post("/carts/{cart_id}/order", status_code=201)
async def create_order(
    store: Store, cart_id: str, actor: Actor, actions: Act, response: Response, body: OrderIn | None = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> OrderResult:
    key = checked_key(idempotency_key)
    if key is None:
        raise ApiError(400, "idempotency_key_required",
                       "The Idempotency-Key header is required, so that a repeated request makes one order")
    body = body or OrderIn()
    outcome = await actions.create_order(
        store, cart_uuid(cart_id), actor, key=key,
        billing_address=body.billing_address.model_dump(exclude_none=True) if body.billing_address else None,
        status_id=body.status_id,
    )
    response.status_code = outcome.status_code
    if outcome.replayed:
        response.headers.update(REPLAYED)
    return outcome.body


@router.get("/products")
async def products(request: Request, store: Store, actions: Act) -> ProductPage:
    q = (request.query_params.get("q") or "").strip()
    raw_limit = request.query_params.get("limit") or "20"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 50:
        raise ApiError(422, "invalid_parameter", "limit: must be a whole number from 1 to 50", parameter="limit")
    if len(q) > 200:
        raise ApiError(422, "invalid_parameter", "q: must be at most 200 characters", parameter="q")
    found = await actions.products(store, q or None, int(raw_limit))
    return ProductPage(items=[product_out(p) for p in found])


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors and BigCommerce's answers as carts' HTTP errors (the platform handles the rest in the same
    shape)."""

    @app.exception_handler(CartError)
    async def cart_error(request: Request, exc: CartError) -> JSONResponse:
        return api_error(exc).response()

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return ApiError(404, "store_not_installed", "Cartio is not installed in this store").response()

    @app.exception_handler(BigCommerceError)
    async def bigcommerce_error(request: Request, exc: BigCommerceError) -> JSONResponse:
        if isinstance(exc, Transient | RateLimited):
            error = api_error(bigcommerce_unavailable())
        elif isinstance(exc, NotFound):
            error = ApiError(404, "not_found", "BigCommerce has no such resource")
        elif isinstance(exc, InvalidRequest):
            error = ApiError(422, "bigcommerce_refused", f"BigCommerce refused the request: {exc.detail or exc.title}")
        elif isinstance(exc, Unauthorized):
            error = ApiError(502, "bigcommerce_unauthorized",
                             "BigCommerce refused the store's token; the app may need to be reinstalled")
        else:
            error = ApiError(502, "bigcommerce_error", f"BigCommerce answered unexpectedly ({exc.status})")
        log.warning("BigCommerce error answered", path=request.url.path, status=error.status, error=str(exc))
        return error.response()
