"""Transactional outbox: events are rows written with the change; a relay publishes them with confirms.

The relay is woken when a transaction that wrote to the outbox commits (latency is milliseconds, not a poll
interval), polls as a fallback, and takes rows `FOR UPDATE SKIP LOCKED` so several replicas never publish
the same row at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from cartio_contracts import Envelope
from cartio_platform.broker import Broker, build_message
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger
from cartio_platform.metrics import MESSAGES_PUBLISHED, OUTBOX_PENDING

log = get_logger(__name__)

_WOKEN_FLAG = "cartio_outbox_written"
_relays: weakref.WeakSet[OutboxRelay] = weakref.WeakSet()


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop(_WOKEN_FLAG, False):
        for relay in list(_relays):
            relay.wake()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WOKEN_FLAG, None)


async def add_to_outbox(
    session: AsyncSession, outbox: Any, envelope: Envelope, *, exchange: str, routing_key: str | None = None
) -> None:
    """Write `envelope` in the session's transaction; it is published after that transaction commits."""
    await session.execute(
        outbox.insert().values(
            store_hash=envelope.store_hash,
            message_id=envelope.message_id,
            exchange=exchange,
            routing_key=routing_key or envelope.type,
            envelope=envelope.model_dump(mode="json"),
        )
    )
    session.sync_session.info[_WOKEN_FLAG] = True


class OutboxRelay:
    def __init__(
        self, broker: Broker, sessionmaker: SessionMaker, outbox: Any, *, batch: int = 200,
        poll_interval: float = 1.0,
    ) -> None:
        self.broker = broker
        self.sessionmaker = sessionmaker
        self.outbox = outbox
        self.batch = batch
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        _relays.add(self)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, flush_timeout: float = 5.0) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Graceful stop (SIGTERM): what was committed leaves now, not at another replica's next poll. Bounded, so
        # a broker that is down cannot hold the exit past the grace period; the rows stay pending then.
        try:
            async with asyncio.timeout(flush_timeout):
                while await self.publish_pending() > 0:
                    pass
        except Exception as exc:
            log.warning("outbox not flushed at stop; rows stay pending", error=str(exc) or type(exc).__name__)

    async def _run(self) -> None:
        while True:
            try:
                published = await self.publish_pending()
            except Exception as exc:
                log.warning("outbox relay pass failed", error=str(exc))
                published = 0
            if published >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    async def publish_pending(self) -> int:
        """One pass: publish up to `batch` unpublished rows, all in flight at once, and mark them."""
        if not self.broker.is_connected:
            return 0
        o = self.outbox
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(o.c.id, o.c.exchange, o.c.routing_key, o.c.envelope)
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                OUTBOX_PENDING.set(0)
                return 0
            envelopes = [Envelope.model_validate(r.envelope) for r in rows]
            results = await asyncio.gather(
                *(
                    self.broker.publish_message(build_message(env), exchange=r.exchange, routing_key=r.routing_key)
                    for r, env in zip(rows, envelopes, strict=True)
                ),
                return_exceptions=True,
            )
            done = [r.id for r, res in zip(rows, results, strict=True) if not isinstance(res, BaseException)]
            for r, env, res in zip(rows, envelopes, results, strict=True):
                if isinstance(res, BaseException):
                    log.warning("outbox publish failed; will retry", message_id=str(env.message_id), error=str(res))
                else:
                    MESSAGES_PUBLISHED.labels(exchange=r.exchange, type=env.type).inc()
            if done:
                await session.execute(update(o).where(o.c.id.in_(done)).values(published_at=datetime.now(UTC)))
            OUTBOX_PENDING.set(len(rows) - len(done))
            return len(done)
