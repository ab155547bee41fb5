"""Beacons cannot flood or frame (issue 13, point 6): a beacon of a store not installed writes nothing, and the
beacons kept for carts not yet here are capped per store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from cartio_carts.tables import outbox, pending_sessions
from cartio_contracts.messages import StorefrontSession
from cartio_platform.consumer import Dropped
from cartio_platform.messaging import dispatch_table

from .conftest import Carts


def beacon(cart_id: uuid.UUID) -> StorefrontSession:
    return StorefrontSession(cart_id=cart_id, session_id="sess-flood-000001", ip="203.0.113.5",
                             user_agent="Mozilla/5.0", seen_at=datetime.now(UTC))


async def kept(carts_app: Carts, store: str) -> int:
    async with carts_app.runtime.db() as session:
        return int(await session.scalar(
            sa.select(sa.func.count()).select_from(pending_sessions).where(pending_sessions.c.store_hash == store)
        ) or 0)


async def test_a_beacon_naming_a_store_not_installed_is_dropped_before_anything_is_written(carts_app: Carts) -> None:
    stranger = "nosuchstore1"
    envelope = beacon(uuid.uuid4()).envelope(stranger)
    table = dispatch_table(carts_app.handlers.beacons(), outbox, carts_app.runtime.topology)
    # Dropped: the consumer acks it and commits nothing of its transaction, not even the message's inbox row.
    with pytest.raises(Dropped):
        async with carts_app.runtime.db() as session, session.begin():
            await table[envelope.type](session, envelope)
    assert await kept(carts_app, stranger) == 0


async def test_beacons_for_carts_not_yet_here_are_capped_per_store(
    carts_app: Carts, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = await kept(carts_app, carts_app.store) + 3
    monkeypatch.setattr(carts_app.handlers.service.settings, "max_pending_sessions_per_store", cap)
    made_up = [uuid.uuid4() for _ in range(6)]
    for cart_id in made_up:
        await carts_app.deliver(beacon(cart_id))
    assert await kept(carts_app, carts_app.store) == cap
    # a newer beacon for a cart already kept still replaces its own, at the cap
    await carts_app.deliver(beacon(made_up[0]).model_copy(update={"session_id": "sess-flood-000002"}))
    async with carts_app.runtime.db() as session:
        session_id = await session.scalar(sa.select(pending_sessions.c.session_id).where(
            pending_sessions.c.store_hash == carts_app.store, pending_sessions.c.cart_id == made_up[0]))
    assert session_id == "sess-flood-000002"
