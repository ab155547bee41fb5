"""Blacklist enforcement planning: what to block or decline for a match, and which webhooks bring nothing
new (the ones Cartio's own decline triggers)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cartio_contracts.messages import BlacklistMatched

from .money import utc
from .orders import is_uuid
from .status import transition

DECLINED = 6  # Orders v2 status "Declined" (doc 7): what a blacklisted order is set to


class BadMatch(ValueError):
    """A `blacklist.matched` event that names nothing to enforce on."""


@dataclass(frozen=True)
class Enforcement:
    """What to do about one blacklist match: block the cart, or decline the order (and block its cart)."""

    subject: Literal["cart", "order"]
    cart_id: uuid.UUID | None
    order_id: int | None
    detail: dict[str, Any]  # the timeline entry's detail: which rule matched


def plan_enforcement(match: BlacklistMatched) -> Enforcement:
    """The enforcement of a match; BadMatch when the subject's id is missing or not an id."""
    if match.subject == "cart" and match.cart_id is None:
        raise BadMatch("a match on a cart must name the cart (cart_id)")
    if match.subject == "order" and match.order_id is None:
        raise BadMatch("a match on an order must name the order (order_id)")
    if match.order_id is not None and match.order_id <= 0:
        raise BadMatch(f"order id {match.order_id} is not an order id")
    detail: dict[str, Any] = {
        "rule_id": match.rule_id, "kind": match.kind, "value": match.value, "subject": match.subject,
        "matched_at": utc(match.matched_at).isoformat(),
    }
    # What of the shopper matched and the merchant's note on the rule, when blacklist says.
    if match.matched:
        detail["matched"] = match.matched
    if match.note:
        detail["note"] = match.note
    if match.order_id is not None:
        detail["order_id"] = match.order_id
    return Enforcement(subject=match.subject, cart_id=match.cart_id, order_id=match.order_id, detail=detail)


def needs_decline(status_id: int) -> bool:
    """Decline an order unless it already is (so repeating the enforcement changes nothing in the store)."""
    return status_id != DECLINED


def needs_block(status: str | None) -> bool:
    """Whether a stored cart is still to be blocked (unknown carts are not: there is nothing to block)."""
    return status is not None and transition(status, "blocked") is not None


def linked_cart(*candidates: uuid.UUID | str | None) -> uuid.UUID | None:
    """The first of the candidate cart ids (the match's, the stored order's, BigCommerce's) that is an id."""
    for candidate in candidates:
        if isinstance(candidate, uuid.UUID):
            return candidate
        if candidate and is_uuid(candidate):
            return uuid.UUID(candidate)
    return None


def status_update_is_known(data: Mapping[str, Any], stored_status_id: int | None) -> bool:
    """A `store/order/statusUpdated` webhook announcing the status Cartio already holds brings nothing new:
    in particular the one Cartio's own decline triggers. Without a readable new status, it is not known."""
    status = data.get("status")
    if stored_status_id is None or not isinstance(status, Mapping):
        return False
    new = status.get("new_status_id")
    if isinstance(new, bool) or not isinstance(new, int | str) or not str(new).isdigit():
        return False
    return int(new) == stored_status_id


def decline_note(detail: Mapping[str, Any]) -> str:
    """The staff note of an order declined for a match: which rule, what matched, the rule's note."""
    note = f"Declined by Cartio: blacklist rule #{detail.get('rule_id')} ({detail.get('kind')} {detail.get('value')})"
    if detail.get("matched"):
        note += f" matched {detail['matched']}"
    if detail.get("note"):
        note += f". Note: {detail['note']}"
    return note
