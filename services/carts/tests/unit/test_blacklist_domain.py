"""Pure rules of blacklist enforcement: what a match asks for, the blocked status, declines, webhooks to ignore."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartio_carts import domain
from cartio_carts.domain import (
    DECLINED,
    STATUSES,
    BadMatch,
    linked_cart,
    needs_block,
    needs_decline,
    plan_enforcement,
    status_update_is_known,
    transition,
)
from cartio_contracts.messages import BlacklistMatched

CART = uuid.UUID("5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11")
OTHER = uuid.UUID("0b7e4a52-96a4-4d0f-8f0e-3f1c2b9d7a10")
AT = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def match(**overrides: Any) -> BlacklistMatched:
    fields: dict[str, Any] = {"rule_id": 7, "kind": "email", "value": "fraud@bad.example", "subject": "cart",
                              "cart_id": CART, "order_id": None, "matched_at": AT}
    return BlacklistMatched(**{**fields, **overrides})


# --- what a match asks for -----------------------------------------------------------------------------------


def test_a_cart_match_blocks_that_cart_and_says_which_rule() -> None:
    plan = plan_enforcement(match())
    assert plan.subject == "cart"
    assert plan.cart_id == CART
    assert plan.order_id is None
    assert plan.detail == {"rule_id": 7, "kind": "email", "value": "fraud@bad.example", "subject": "cart",
                           "matched_at": "2026-03-02T10:15:00+00:00"}


def test_an_order_match_declines_that_order_and_names_it_in_the_detail() -> None:
    plan = plan_enforcement(match(subject="order", kind="cidr", value="203.0.113.0/24", cart_id=None,
                                  order_id=118))
    assert (plan.subject, plan.order_id, plan.cart_id) == ("order", 118, None)
    assert plan.detail["order_id"] == 118
    assert plan.detail["kind"] == "cidr"
    assert plan.detail["value"] == "203.0.113.0/24"


def test_an_order_match_may_name_the_cart_too() -> None:
    plan = plan_enforcement(match(subject="order", order_id=5, cart_id=CART))
    assert plan.cart_id == CART


def test_the_match_time_is_kept_in_utc() -> None:
    local = AT.astimezone(timezone(timedelta(hours=2)))
    assert plan_enforcement(match(matched_at=local)).detail["matched_at"] == "2026-03-02T10:15:00+00:00"


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "cart", "cart_id": None},
        {"subject": "cart", "cart_id": None, "order_id": 5},
        {"subject": "order", "order_id": None},
        {"subject": "order", "order_id": 0},
        {"subject": "order", "order_id": -3},
    ],
)
def test_a_match_that_names_nothing_to_enforce_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(BadMatch):
        plan_enforcement(match(**overrides))


def test_bad_match_is_a_value_error() -> None:
    assert issubclass(BadMatch, ValueError)


# --- blocked is terminal and the strongest status ------------------------------------------------------------


@pytest.mark.parametrize("current", ["active", "abandoned", "deleted", "converted"])
def test_any_cart_can_be_blocked(current: str) -> None:
    assert transition(current, "blocked") == "blocked"
    assert needs_block(current)


@pytest.mark.parametrize("target", STATUSES)
def test_nothing_moves_a_blocked_cart(target: domain.Status) -> None:
    assert transition("blocked", target) is None


@given(st.lists(st.sampled_from(STATUSES), max_size=12))
def test_once_blocked_always_blocked(later: list[domain.Status]) -> None:
    status: str = "blocked"
    for target in later:
        status = transition(status, target) or status
    assert status == "blocked"


def test_blocked_is_terminal_and_takes_no_snapshot() -> None:
    assert domain.is_terminal("blocked")
    assert not domain.accepts_snapshot("blocked")  # a later webhook never resurrects it


def test_a_blocked_or_unknown_cart_needs_no_blocking() -> None:
    assert not needs_block("blocked")
    assert not needs_block(None)


def test_blocked_is_a_listing_status() -> None:
    assert domain.parse_list_query(status="blocked").status == "blocked"


# --- declining orders ----------------------------------------------------------------------------------------


def test_declined_is_status_6() -> None:
    assert DECLINED == 6


@pytest.mark.parametrize("status_id", [0, 1, 7, 9, 11, 12])
def test_an_order_not_declined_yet_is_declined(status_id: int) -> None:
    assert needs_decline(status_id)


def test_a_declined_order_is_not_declined_again() -> None:
    assert not needs_decline(DECLINED)


# --- which cart an order's match blocks ----------------------------------------------------------------------


def test_the_first_known_cart_id_wins() -> None:
    assert linked_cart(CART, OTHER) == CART
    assert linked_cart(None, OTHER) == OTHER
    assert linked_cart(None, None, str(OTHER)) == OTHER


def test_ids_that_are_not_cart_ids_are_skipped() -> None:
    assert linked_cart(None, "", "not-a-uuid", str(CART)) == CART
    assert linked_cart(None, "", "not-a-uuid") is None
    assert linked_cart() is None


# --- the webhooks a decline triggers -------------------------------------------------------------------------


def status_hook(new: Any, previous: Any = 11) -> dict[str, Any]:
    return {"type": "order", "id": 118, "status": {"previous_status_id": previous, "new_status_id": new}}


def test_the_status_update_cartios_decline_triggers_is_known() -> None:
    assert status_update_is_known(status_hook(6), 6)
    assert status_update_is_known(status_hook("6"), 6)


def test_a_status_cartio_does_not_hold_is_news() -> None:
    assert not status_update_is_known(status_hook(10, previous=6), 6)  # the merchant changed it afterwards
    assert not status_update_is_known(status_hook(6), None)  # an order Cartio has not kept


@pytest.mark.parametrize(
    "data",
    [
        {"type": "order", "id": 118},
        {"type": "order", "id": 118, "status": "6"},
        status_hook(None),
        status_hook(True),
        status_hook("six"),
        status_hook(6.0),
    ],
)
def test_a_status_update_without_a_readable_status_is_not_known(data: dict[str, Any]) -> None:
    assert not status_update_is_known(data, 6)
