"""The sender: delivers due notices outside any database transaction.

A notice is claimed (pending -> sending, committed) before SMTP is spoken, and ended (sent | failed, with its
event in the outbox) after. So a notice goes out at most once: a crash after the claim leaves it `sending`, and
after `sending_lease_seconds` it is ended as failed ("delivery uncertain") rather than sent again. The window
that remains: a crash between the SMTP server's accept and the commit of `sent` shows a delivered email as
failed (uncertain); no window sends it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from cartio_contracts.messages import NotificationFailed, NotificationSent
from cartio_notifier import tables as t
from cartio_notifier.blacklist import check_recipient
from cartio_notifier.domain.delivery import Outcome, Refused, Temporary, retry_delay
from cartio_notifier.domain.rendering import Email
from cartio_notifier.settings import Settings
from cartio_notifier.smtp import send_email
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime

log = get_logger(__name__)
n = t.notices


class Sender:
    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(5.0))

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def run_once(self) -> int:
        """Deliver every due notice; returns how many were tried."""
        await self._end_stale()
        tried = 0
        while (notice := await self._claim()) is not None:
            tried += 1
            outcome = await self._deliver(notice)
            await self._finish(notice, outcome)
        return tried

    async def _claim(self) -> dict[str, Any] | None:
        now = datetime.now(UTC)
        async with self.runtime.db() as session, session.begin():
            row = (await session.execute(
                sa.select(n).where(n.c.status == "pending", n.c.next_attempt_at <= now)
                .order_by(n.c.next_attempt_at).limit(1).with_for_update(skip_locked=True)
            )).mappings().first()
            if row is None:
                return None
            await session.execute(sa.update(n).where(n.c.store_hash == row["store_hash"], n.c.id == row["id"])
                                  .values(status="sending", attempts=n.c.attempts + 1, updated_at=now))
            return {**row, "attempts": row["attempts"] + 1}

    async def check(self, store_hash: str, recipient: str) -> Temporary | Refused | None:
        """What the blacklist says of this address now (None: it may be emailed)."""
        assert self.http is not None
        return await check_recipient(self.http, self.settings.blacklist_url,
                                     self.settings.service_token.get_secret_value(), store_hash, recipient)

    async def _deliver(self, notice: dict[str, Any]) -> Outcome:
        checked = await self.check(notice["store_hash"], notice["recipient"])
        if checked is not None:
            return checked
        email = Email(subject=notice["subject"], html=notice["html"], text=notice["text"], to=notice["recipient"])
        return await send_email(self.settings, email, str(notice["id"]))

    async def _finish(self, notice: dict[str, Any], outcome: Outcome) -> None:
        now = datetime.now(UTC)
        give_up = timedelta(seconds=self.settings.send_give_up_seconds)
        where = sa.and_(n.c.store_hash == notice["store_hash"], n.c.id == notice["id"], n.c.status == "sending")
        async with self.runtime.unit(notice["store_hash"]) as unit:
            if outcome is None:
                await unit.session.execute(sa.update(n).where(where).values(status="sent", reason=None,
                                                                            sent_at=now, updated_at=now))
                await unit.emit(NotificationSent(notification_id=notice["id"], cart_id=notice["cart_id"],
                                                 recipient=notice["recipient"], sent_at=now,
                                                 checkout_cart_id=notice["checkout_cart_id"]))
                log.info("notice sent", notice=str(notice["id"]), attempts=notice["attempts"])
            elif isinstance(outcome, Temporary) and now - notice["created_at"] >= give_up:
                tried = f"{notice['attempts']} tries in {int(give_up.total_seconds())} s"
                reason = f"gave up after {tried}: {outcome.reason}"
                await self._fail(unit.session, unit, notice, Refused(reason), now)
            elif isinstance(outcome, Temporary):
                wait = retry_delay(notice["attempts"], self.settings.send_retry_delays)
                await unit.session.execute(sa.update(n).where(where).values(
                    status="pending", reason=outcome.reason, updated_at=now,
                    next_attempt_at=now + timedelta(seconds=wait)))
                log.warning("notice will be retried", notice=str(notice["id"]), reason=outcome.reason, wait=wait)
            else:
                await self._fail(unit.session, unit, notice, outcome, now)

    async def _fail(self, session: Any, unit: Any, notice: dict[str, Any], outcome: Refused, now: datetime) -> None:
        await session.execute(sa.update(n).where(n.c.store_hash == notice["store_hash"], n.c.id == notice["id"])
                              .values(status="failed", reason=outcome.reason, updated_at=now))
        await unit.emit(NotificationFailed(notification_id=notice["id"], cart_id=notice["cart_id"],
                                           recipient=notice["recipient"], error=outcome.reason, failed_at=now))
        log.warning("notice failed", notice=str(notice["id"]), reason=outcome.reason)

    async def _end_stale(self) -> None:
        """Notices left `sending` by a process that died mid-send: ended as failed, never sent twice."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.sending_lease_seconds)
        async with self.runtime.db() as session:
            stale = (await session.execute(
                sa.select(n.c.store_hash, n.c.id, n.c.cart_id, n.c.recipient)
                .where(n.c.status == "sending", n.c.updated_at < cutoff)
            )).mappings().all()
        for row in stale:
            async with self.runtime.unit(row["store_hash"]) as unit:
                await self._fail(unit.session, unit, dict(row),
                                 Refused("delivery uncertain: the sender stopped while sending"), datetime.now(UTC))


