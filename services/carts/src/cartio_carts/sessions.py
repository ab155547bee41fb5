"""Storefront sessions: a beacon names the shopper behind a cart (session, browser, IP, country)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_contracts.messages import CartUpserted
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain
from .core import SHOPPER, CartCore, Row
from .tables import carts, pending_sessions

log = get_logger(__name__)


class Sessions(CartCore):
    async def attach_session(
        self, unit: Unit, cart_id: uuid.UUID, *, session_id: str, ip: str | None, user_agent: str | None,
        seen_at: datetime,
    ) -> bool:
        """Attach a storefront beacon to its cart, or keep it until the cart arrives. True if attached."""
        await self.lock(unit, cart_id)
        row = await self.get_row(unit, cart_id)
        if row is None:
            if await self._pending_full(unit, cart_id):
                log.warning("beacon dropped: too many kept for carts not yet here", store_hash=unit.store_hash,
                            cap=self.settings.max_pending_sessions_per_store)
                return False
            stmt = pg_insert(pending_sessions).values(
                store_hash=unit.store_hash, cart_id=cart_id, session_id=session_id, ip=domain.normalize_ip(ip),
                user_agent=user_agent, seen_at=seen_at,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[pending_sessions.c.store_hash, pending_sessions.c.cart_id],
                set_={"session_id": stmt.excluded.session_id, "ip": stmt.excluded.ip,
                      "user_agent": stmt.excluded.user_agent, "seen_at": stmt.excluded.seen_at},
                where=pending_sessions.c.seen_at <= stmt.excluded.seen_at,
            )
            await unit.session.execute(stmt)
            log.info("beacon kept until its cart arrives", store_hash=unit.store_hash, cart_id=str(cart_id))
            return False
        changed = await self._set_session(unit, row, session_id, ip, user_agent)
        if changed:
            updated = await self.get_row(unit, cart_id)
            assert updated is not None
            await unit.emit(CartUpserted(cart=domain.snapshot(updated)))
        return changed

    async def _pending_full(self, unit: Unit, cart_id: uuid.UUID) -> bool:
        """The store keeps its cap of beacons for other carts (one for this cart is replaced, not added).
        Counted without a store-wide lock, so concurrent beacons may pass the cap by a few."""
        p = pending_sessions
        kept = await unit.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(p.c.cart_id).where(p.c.store_hash == unit.store_hash, p.c.cart_id != cart_id)
                .limit(self.settings.max_pending_sessions_per_store).subquery()
            )
        )
        return int(kept or 0) >= self.settings.max_pending_sessions_per_store

    async def apply_pending_session(self, unit: Unit, cart_id: uuid.UUID) -> bool:
        """A beacon kept for a cart that had not arrived yet: applied now that it has. True when the cart's row
        changed (a caller holding the row reads it again)."""
        pending = (
            await unit.session.execute(
                pending_sessions.delete()
                .where(pending_sessions.c.store_hash == unit.store_hash, pending_sessions.c.cart_id == cart_id)
                .returning(pending_sessions)
            )
        ).mappings().first()
        if pending is None:
            return False
        row = await self.get_row(unit, cart_id)
        assert row is not None
        changed = await self._set_session(unit, row, pending["session_id"], pending["ip"], pending["user_agent"])
        log.info("kept beacon applied to its cart", store_hash=unit.store_hash, cart_id=str(cart_id))
        return changed

    async def _set_session(
        self, unit: Unit, row: Row, session_id: str, ip: str | None, user_agent: str | None
    ) -> bool:
        ip_value = domain.normalize_ip(ip)
        values = {
            "session_id": session_id,
            "ip": ip_value or row["ip"],
            "country": domain.country_from_ip(ip_value) if ip_value else row["country"],
            "user_agent": user_agent or row["user_agent"],
            "browser": domain.browser_from_user_agent(user_agent) if user_agent else row["browser"],
        }
        if all(row[k] == v for k, v in values.items()):
            return False
        await unit.session.execute(
            carts.update().where(carts.c.store_hash == unit.store_hash, carts.c.cart_id == row["cart_id"])
            .values(**values)
        )
        first = row["session_id"] is None
        await self.timeline(unit, row["cart_id"], actor=SHOPPER,
                            action="session_seen" if first else "session_changed",
                            detail={"session_id": session_id, "browser": values["browser"], "ip": values["ip"],
                                    "country": values["country"]})
        return True
