"""Listing a store's carts: filters, keyset pagination, refusal of malformed parameters."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from cartio_carts.tables import carts
from cartio_platform.db import make_engine

from .conftest import World

STORE = "liststore"
# A well-formed cursor whose time is past year 9999 once in UTC.
OUT_OF_RANGE_CURSOR = base64.urlsafe_b64encode(f"1|9999-12-31T23:59:59-01:00|{uuid.UUID(int=1)}".encode()).decode()
OTHER = "otherstore"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def row(n: int, store: str = STORE) -> dict[str, Any]:
    status = ["active", "active", "abandoned", "converted", "deleted"][n % 5]
    customer = n % 3 == 0
    return {
        "store_hash": store, "cart_id": uuid.UUID(int=n + (0 if store == STORE else 10**6)), "status": status,
        "user_type": "customer" if customer else "guest", "customer_id": n if customer else 0,
        "email": f"shopper{n}@example.com" if n % 2 == 0 else None, "name": f"Person {n}" if customer else None,
        "currency": "USD", "items": [], "item_count": 1, "subtotal": Decimal(n),
        "grand_total": Decimal(n) + Decimal("0.5"),
        "created_at": T0, "updated_at": T0 + timedelta(minutes=n // 2),  # pairs share a time: ties by id
    }


@pytest.fixture(scope="module")
async def listed(world: World) -> AsyncIterator[list[dict[str, Any]]]:
    engine = make_engine(world.database_url)
    rows = [row(n) for n in range(250)]
    async with engine.begin() as conn:
        await conn.execute(carts.insert(), rows + [row(n, OTHER) for n in range(5)])
    yield rows
    async with engine.begin() as conn:
        await conn.execute(carts.delete().where(carts.c.store_hash.in_([STORE, OTHER])))
    await engine.dispose()


async def all_pages(world: World, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = await world.carts.get(f"/internal/stores/{STORE}/carts", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("pagination did not end")


def expected(rows: list[dict[str, Any]], keep: Any = lambda r: True) -> list[str]:
    chosen = sorted((r for r in rows if keep(r)), key=lambda r: (r["updated_at"], r["cart_id"]), reverse=True)
    return [str(r["cart_id"]) for r in chosen]


async def test_pages_cover_every_cart_once_newest_first(world: World, listed: list[dict[str, Any]]) -> None:
    items = await all_pages(world, 37)
    assert [i["id"] for i in items] == expected(listed)
    first = items[0]
    assert set(first) >= {"id", "status", "user_type", "email", "name", "item_count", "grand_total", "currency",
                          "updated_at"}
    assert first["grand_total"] == "249.50"


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"status": "active"}, lambda r: r["status"] == "active"),
        ({"user_type": "customer"}, lambda r: r["user_type"] == "customer"),
        ({"status": "abandoned", "user_type": "guest"},
         lambda r: r["status"] == "abandoned" and r["user_type"] == "guest"),
        ({"q": "SHOPPER12"}, lambda r: (r["email"] or "").startswith("shopper12")),
        ({"q": "person 3"}, lambda r: (r["name"] or "").lower().startswith("person 3")),
        ({"q": str(uuid.UUID(int=42))[:-2]}, lambda r: str(r["cart_id"]).startswith(str(uuid.UUID(int=42))[:-2])),
        ({"min_total": "200"}, lambda r: r["grand_total"] >= 200),
        ({"updated_since": (T0 + timedelta(minutes=100)).isoformat()},
         lambda r: r["updated_at"] >= T0 + timedelta(minutes=100)),
        ({"status": "active", "min_total": "100.5", "q": "example"},
         lambda r: r["status"] == "active" and r["grand_total"] >= Decimal("100.5") and r["email"]),
    ],
)
async def test_filters(world: World, listed: list[dict[str, Any]], params: dict[str, str], keep: Any) -> None:
    items = await all_pages(world, 20, **params)
    assert [i["id"] for i in items] == expected(listed, keep)
    assert items, "the filter should match something"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"), ({"limit": "500"}, "limit"), ({"limit": "x"}, "limit"),
        ({"status": "open"}, "status"), ({"user_type": "bot"}, "user_type"), ({"min_total": "a lot"}, "min_total"),
        ({"updated_since": "last week"}, "updated_since"), ({"cursor": "not-a-cursor"}, "cursor"),
        # Found by fuzzing the API's neighbourhood (tests/contract): each was a 500.
        ({"updated_since": "9999-12-31T23:59:59-01:00"}, "updated_since"),
        ({"cursor": OUT_OF_RANGE_CURSOR}, "cursor"), ({"q": "a\x00b"}, "q"),
    ],
)
async def test_malformed_parameters_are_refused(world: World, params: dict[str, str], parameter: str) -> None:
    response = await world.carts.get(f"/internal/stores/{STORE}/carts", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] == parameter
    assert parameter in error["message"]


async def test_another_stores_carts_never_show(world: World, listed: list[dict[str, Any]]) -> None:
    items = await all_pages(world, 200)
    assert len(items) == len(listed)
    other = (await world.carts.get(f"/internal/stores/{OTHER}/carts")).json()["items"]
    assert {i["id"] for i in other}.isdisjoint({i["id"] for i in items})
    own = str(listed[0]["cart_id"])
    assert (await world.carts.get(f"/internal/stores/{OTHER}/carts/{own}")).status_code == 404
