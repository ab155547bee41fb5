"""The list's text filter on PostgreSQL: the index asked for the rare part of `q` finds what `q` finds."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cartio_carts import domain, queries
from cartio_carts.domain.search import index_part
from cartio_carts.search_sample import SearchSampler
from cartio_carts.tables import carts
from cartio_platform.db import SessionMaker, make_engine, make_sessionmaker
from cartio_platform.migrate import upgrade_async
from cartio_platform.testing import TempDatabases, wait_until

from .conftest import MIGRATIONS

STORE = "filterstore"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def db(databases: TempDatabases) -> AsyncIterator[SessionMaker]:
    url = await databases.create("carts_text_filter")
    await upgrade_async(url, MIGRATIONS)
    engine = make_engine(url)
    rows = [{"store_hash": store, "cart_id": uuid.uuid4(), "status": "active", "user_type": "guest",
             "customer_id": 0, "email": f"shopper{n}@example.com", "name": None, "currency": "USD", "items": [],
             "item_count": 1, "subtotal": 1, "grand_total": 1, "created_at": T0,
             "updated_at": T0 + timedelta(seconds=n)}
            for n in range(3000) for store in (STORE, "otherstore") if store == STORE or n % 10 == 0]
    async with engine.begin() as conn:
        await conn.execute(carts.insert(), rows)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.mark.parametrize("q", ["shopper1234", "SHOPPER1234@EXAMPLE.COM", "pper2999@ex", "shopper99999"])
async def test_a_filter_looked_up_by_its_rare_part_lists_the_same_carts(db: SessionMaker, q: str) -> None:
    sample = await SearchSampler().sample(db)
    whole = domain.parse_list_query(q=q, limit="200")
    part = index_part(whole.q or "", sample)
    assert part is not None, "the rare part is asked for"
    assert part != whole.q
    async with db() as session:
        expected, _ = await queries.list_carts(session, STORE, whole)
        found, _ = await queries.list_carts(session, STORE, dataclasses.replace(whole, q_index_part=part))
    assert [r["cart_id"] for r in found] == [r["cart_id"] for r in expected]
    assert all((whole.q or "") in r["email"] for r in found)
    assert len(found) == {"shopper1234": 1, "shopper1234@example.com": 1, "pper2999@ex": 1,
                          "shopper99999": 0}[whole.q or ""]


async def test_the_sample_is_read_once_and_kept_while_fresh(db: SessionMaker) -> None:
    sampler = SearchSampler(rows=500)
    first = await sampler.sample(db)
    assert 0 < len(first.texts) <= 500
    assert all(t.startswith("shopper") for t in first.texts)
    assert await sampler.sample(db) is first


async def test_a_stale_sample_serves_on_while_it_is_read_again_in_the_background(db: SessionMaker) -> None:
    sampler = SearchSampler(rows=500, max_age=0.0)
    first = await sampler.sample(db)
    assert await sampler.sample(db) is first, "the listing did not wait for the new read"

    async def read_again() -> bool:
        return await sampler.sample(db) is not first

    await wait_until(read_again, timeout=10, interval=0.05, what="the sample read again")
