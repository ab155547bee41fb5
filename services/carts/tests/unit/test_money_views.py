"""Carts' API shows a cart's money in its currency's own precision (issue 13, point 9), not always in cents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cartio_carts.views import cart_summary


def row(currency: str, grand_total: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"cart_id": uuid.uuid4(), "status": "active", "user_type": "guest", "customer_id": 0, "email": None,
            "name": None, "item_count": 1, "grand_total": Decimal(grand_total), "currency": currency,
            "country": None, "created_at": now, "updated_at": now}


@pytest.mark.parametrize(("currency", "total", "shown"), [
    ("JPY", "1234.5", "1235"), ("KWD", "12.3456", "12.346"), ("USD", "12.345", "12.35"),
])
def test_a_cart_s_total_is_in_its_currency_s_precision(currency: str, total: str, shown: str) -> None:
    assert cart_summary(row(currency, total)).grand_total == shown
