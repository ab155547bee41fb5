"""A store's history as the events carts announced, rebuilt from its tables (reports' backfill reads it).

`GET /internal/stores/{store}/history/carts?after=&limit=` pages the store's carts by id; each cart comes with the
events it raised, in time order: `cart.upserted` for its creation and for every line change on its timeline
(`item_changes` as they were announced, the cart as it is now), `notification.sent`, `cart.abandoned` (first
time), `cart.converted`, `cart.deleted`. `GET .../history/orders?after=&limit=` pages the orders carts announced
(`order.placed`). Each event is `{type, at, data}`: `data` is the contract message, `at` when it happened.

What the tables do not keep is approximated and said here: a cart's abandoned value is its latest total (carts
does not keep the total it had when it was abandoned); declined orders are left out, also one declined after it
was announced.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from cartio_bigcommerce.store_hash import is_store_hash
from cartio_contracts.messages import (
    CartAbandoned,
    CartConverted,
    CartDeleted,
    CartUpserted,
    ItemChange,
    Message,
    NotificationSent,
    OrderLine,
    OrderPlaced,
)
from cartio_platform.errors import ApiError
from cartio_platform.runtime import RuntimeDep
from cartio_platform.security import require_service_token

from .domain.snapshots import snapshot
from .tables import cart_timeline, carts, orders

ITEM_ACTIONS = {"item_added": "added", "quantity_changed": "quantity_changed", "item_removed": "removed"}
DELETE_REASONS = ("shopper", "merchant", "expired", "blocked", "unknown")
DECLINED = 6


async def _valid_store(store: str) -> None:
    if not is_store_hash(store):
        raise ApiError(404, "store_not_found", "No such store.")


router = APIRouter(prefix="/internal/stores/{store}/history",
                   dependencies=[Depends(require_service_token), Depends(_valid_store)])
Limit = Annotated[int, Query(ge=1, le=1000)]


def _event(message: Message, at: datetime) -> dict[str, Any]:
    return {"type": message.TYPE, "at": at.isoformat(), "data": message.model_dump(mode="json")}


def _item_change(action: str, detail: Mapping[Any, Any], prices: Mapping[str, Decimal]) -> ItemChange:
    if action == "item_added":
        quantity, delta = int(detail["quantity"]), int(detail["quantity"])
    elif action == "quantity_changed":
        quantity, delta = int(detail["to"]), int(detail["to"]) - int(detail["from"])
    else:
        quantity, delta = 0, -int(detail.get("quantity", 0))
    price = detail.get("unit_price") or prices.get(str(detail.get("item_id")), Decimal(0))
    return ItemChange(action=ITEM_ACTIONS[action], product_id=int(detail["product_id"]),
                      variant_id=detail.get("variant_id"), name=str(detail.get("name") or ""), quantity=quantity,
                      quantity_delta=delta, unit_price=Decimal(str(price)))


def cart_events(row: Mapping[Any, Any], timeline: Sequence[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """The events one stored cart raised over its life, in time order."""
    cart = snapshot(row)
    prices = {i.id: i.unit_price for i in cart.items}
    events: list[tuple[datetime, Message]] = [(row["created_at"], CartUpserted(cart=cart))]
    abandoned = False
    for entry in timeline:
        action, detail, at = entry["action"], entry["detail"] or {}, entry["at"]
        if action in ITEM_ACTIONS and "product_id" in detail:
            events.append((at, CartUpserted(cart=cart, item_changes=[_item_change(action, detail, prices)])))
        elif action == "notification_sent":
            checkout = detail.get("checkout_cart_id")
            if checkout == str(row["cart_id"]):
                if row["source_cart_id"] is not None:
                    continue  # the checkout cart Cartio made to send another: that cart's entry tells it
                checkout = None
            events.append((at, NotificationSent(
                notification_id=uuid.UUID(detail["notification_id"]), cart_id=row["cart_id"],
                recipient=str(detail.get("recipient") or ""), sent_at=at,
                checkout_cart_id=uuid.UUID(checkout) if checkout else None)))
        elif action == "abandoned" and not abandoned:
            abandoned = True
            events.append((at, CartAbandoned(cart_id=row["cart_id"], grand_total=cart.grand_total,
                                             currency=cart.currency, abandoned_at=at)))
    if row["converted_at"] is not None and row["order_id"] is not None:
        events.append((row["converted_at"], CartConverted(cart_id=row["cart_id"], order_id=row["order_id"],
                                                          converted_at=row["converted_at"])))
    if row["status"] in ("deleted", "blocked"):
        at = row["deleted_at"] or row["updated_at"]
        reason = "blocked" if row["status"] == "blocked" else (row["deleted_reason"] or "unknown")
        events.append((at, CartDeleted(cart_id=row["cart_id"], deleted_at=at,
                                       reason=reason if reason in DELETE_REASONS else "unknown")))
    events.sort(key=lambda e: e[0])
    return [_event(message, at) for at, message in events]


def order_event(row: Mapping[Any, Any]) -> dict[str, Any]:
    placed_at = row["date_created"] or row["updated_at"]
    message = OrderPlaced(
        order_id=row["order_id"], cart_id=row["cart_id"], status_id=row["status_id"], customer_id=row["customer_id"],
        email=row["email"], ip=row["ip"], country=row["country"], currency=row["currency"], subtotal=row["subtotal"],
        grand_total=row["grand_total"], items=[OrderLine.model_validate(i) for i in row["items"] or []],
        placed_at=placed_at, created_by=row["created_by"])
    return _event(message, placed_at)


@router.get("/carts")
async def history_carts(store: str, runtime: RuntimeDep, after: uuid.UUID | None = None, limit: Limit = 200
                        ) -> dict[str, Any]:
    """A page of the store's carts (by id, after `after`) with their events; `total` is the store's count."""
    async with runtime.db() as session:
        query = sa.select(carts).where(carts.c.store_hash == store)
        if after is not None:
            query = query.where(carts.c.cart_id > after)
        rows = list((await session.execute(query.order_by(carts.c.cart_id).limit(limit))).mappings())
        ids = [r["cart_id"] for r in rows]
        entries: dict[uuid.UUID, list[Mapping[Any, Any]]] = {i: [] for i in ids}
        if ids:
            timeline = await session.execute(
                sa.select(cart_timeline.c.cart_id, cart_timeline.c.at, cart_timeline.c.action, cart_timeline.c.detail)
                .where(cart_timeline.c.store_hash == store, cart_timeline.c.cart_id.in_(ids))
                .order_by(cart_timeline.c.id))
            for entry in timeline.mappings():
                entries[entry["cart_id"]].append(entry)
        total = (await session.execute(sa.select(sa.func.count()).select_from(carts)
                                       .where(carts.c.store_hash == store))).scalar_one()
    items = [{"cart_id": str(r["cart_id"]), "events": cart_events(r, entries[r["cart_id"]])} for r in rows]
    return {"items": items, "total": total, "next_after": str(ids[-1]) if len(ids) == limit else None}


def _announced(store: str) -> list[sa.ColumnElement[bool]]:
    # Declined orders (status 6) are left out: the blacklist declines them before carts announces them.
    return [orders.c.store_hash == store, orders.c.placed_published_at.is_not(None), orders.c.status_id != DECLINED]


@router.get("/orders")
async def history_orders(store: str, runtime: RuntimeDep, after: int | None = Query(default=None, ge=0),
                         limit: Limit = 200) -> dict[str, Any]:
    """A page of the orders carts announced (`order.placed`), by order id after `after`."""
    async with runtime.db() as session:
        query = sa.select(orders).where(*_announced(store))
        if after is not None:
            query = query.where(orders.c.order_id > after)
        rows = list((await session.execute(query.order_by(orders.c.order_id).limit(limit))).mappings())
        total = (await session.execute(sa.select(sa.func.count()).select_from(orders).where(*_announced(store)))
                 ).scalar_one()
    return {"items": [order_event(r) for r in rows], "total": total,
            "next_after": rows[-1]["order_id"] if len(rows) == limit else None}
