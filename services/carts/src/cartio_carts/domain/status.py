"""Cart status rules as data: which status may replace which, and for each status the columns its change
sets, the detail of its timeline entry and the events it raises, together (like eShop's
`Order.SetPaidStatus()`). The writer (`store.set_status`) only applies what `change_status` answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from cartio_contracts.messages import (
    CART_STATUSES,
    CartAbandoned,
    CartConverted,
    CartDeleted,
    CartStatus,
    CartUpserted,
    Message,
)

from .money import money
from .snapshots import snapshot

Status = CartStatus
STATUSES: tuple[Status, ...] = CART_STATUSES
DeleteReason = Literal["shopper", "merchant", "expired", "blocked", "unknown"]

# Terminal statuses never go back to active: deleted stays deleted, converted stays converted. A stronger
# terminal status may replace a weaker one (a cart deleted by BigCommerce after its order: converted).
# Blocked (a blacklist match enforced) is the strongest: it overrides a conversion (the order is declined) and
# nothing a webhook later says about the cart (deleted, converted, updated) undoes it.
_RANK: dict[str, int] = {"active": 0, "abandoned": 0, "deleted": 1, "converted": 3, "blocked": 4}


def is_terminal(status: str) -> bool:
    return _RANK[status] > 0


def transition(current: str | None, target: Status) -> Status | None:
    """The status a cart moves to when an event asks for `target`, or None when it stays as it is."""
    if current is None:
        return target
    if current == target:
        return None
    if _RANK[current] == 0 and _RANK[target] == 0:
        return target  # active <-> abandoned (a change after abandonment means the shopper is back)
    if _RANK[target] > _RANK[current]:
        return target
    return None


def is_idle(updated_at: datetime, now: datetime, abandon_after: timedelta) -> bool:
    """An active cart with no change for `abandon_after` is abandoned."""
    return now - updated_at >= abandon_after


def accepts_snapshot(status: str | None) -> bool:
    """A fetched snapshot may replace the stored one only while the cart is alive."""
    return status is None or not is_terminal(status)


@dataclass(frozen=True)
class StatusRequest:
    """Something asks a cart to move to `target` (a webhook, a staff action, the idle sweep, a match)."""

    target: Status
    at: datetime
    reason: DeleteReason | None = None
    order_id: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusChange:
    """What a status change writes: the row's new columns, the timeline entry's detail, the events. `status`
    None: the status stays and only `values` are written (a conversion's late order id)."""

    status: Status | None
    values: dict[str, Any]
    entry: dict[str, Any]
    events: tuple[Message, ...]


Row = Mapping[str, Any]
# (row after the change, request) -> (extra columns, timeline detail, events)
Effect = Callable[[Row, StatusRequest], tuple[dict[str, Any], dict[str, Any], list[Message]]]


def _deleted(row: Row, ask: StatusRequest) -> tuple[dict[str, Any], dict[str, Any], list[Message]]:
    reason = ask.reason or "unknown"
    return ({"deleted_at": ask.at, "deleted_reason": reason}, {"reason": reason},
            [CartDeleted(cart_id=row["cart_id"], reason=reason, deleted_at=ask.at)])


def _converted(row: Row, ask: StatusRequest) -> tuple[dict[str, Any], dict[str, Any], list[Message]]:
    order_id = ask.order_id if ask.order_id is not None else row["order_id"]
    return ({"converted_at": ask.at, "order_id": order_id}, {"order_id": order_id},
            [CartConverted(cart_id=row["cart_id"], order_id=order_id or 0, converted_at=ask.at)])


def _abandoned(row: Row, ask: StatusRequest) -> tuple[dict[str, Any], dict[str, Any], list[Message]]:
    return ({"abandoned_at": ask.at}, {},
            [CartAbandoned(cart_id=row["cart_id"], grand_total=money(row["grand_total"]), currency=row["currency"],
                           abandoned_at=ask.at)])


def _blocked(row: Row, ask: StatusRequest) -> tuple[dict[str, Any], dict[str, Any], list[Message]]:
    values: dict[str, Any] = {"deleted_at": ask.at, "deleted_reason": "blocked"}
    # ... and the cart as it now is, so that the live feed shows it blocked, not merely gone.
    return (values, {}, [CartDeleted(cart_id=row["cart_id"], reason="blocked", deleted_at=ask.at),
                         CartUpserted(cart=snapshot({**row, **values}))])


def _active(row: Row, ask: StatusRequest) -> tuple[dict[str, Any], dict[str, Any], list[Message]]:
    return {}, {}, [CartUpserted(cart=snapshot(row))]


EFFECTS: dict[Status, Effect] = {
    "active": _active, "abandoned": _abandoned, "converted": _converted, "deleted": _deleted, "blocked": _blocked,
}


def change_status(row: Row, ask: StatusRequest) -> StatusChange | None:
    """The change `ask` makes to a stored cart under the status rules; None when nothing changes."""
    new = transition(row["status"], ask.target)
    if new is None:
        if ask.target == "converted" and ask.order_id is not None and row["order_id"] is None:
            return StatusChange(None, {"order_id": ask.order_id}, {}, ())
        return None
    base: dict[str, Any] = {"status": new, "updated_at": max(ask.at, row["updated_at"])}
    values, entry, events = EFFECTS[new]({**row, **base}, ask)
    return StatusChange(new, {**base, **values}, {**ask.detail, **entry}, tuple(events))


def cart_uuid(value: object) -> uuid.UUID | None:
    """A cart id from a webhook or order field, or None when it is not one."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
