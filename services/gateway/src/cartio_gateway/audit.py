"""The audit log: every state-changing action of a staff member, with who, when, what and the result."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cartio_gateway import tables as t
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)


async def record(
    db: AsyncSession,
    *,
    store_hash: str,
    actor_id: int | None,
    actor_email: str | None,
    action: str,
    target: str | None,
    status: int,
    request: dict[str, Any] | None = None,
) -> None:
    """Write one entry in the caller's transaction."""
    await db.execute(
        t.audit_log.insert().values(
            store_hash=store_hash,
            actor_id=actor_id,
            actor_email=actor_email,
            action=action,
            target=target,
            request=request or {},
            status=status,
        )
    )


class AuditUnavailable(Exception):
    """The entry could not be written: the action must not be carried out."""


# An entry is written before its action with this status, then given the action's outcome (the HTTP status).
# One left at 0 means the outcome could not be written (logged): the action may have happened.
PENDING = 0


async def begin(sessionmaker: SessionMaker, **entry: Any) -> int:
    """Write the entry of an action about to run, in a transaction of its own; its id, to finish it with."""
    try:
        async with sessionmaker() as db, db.begin():
            return int((await db.execute(
                t.audit_log.insert().values(request=entry.pop("request", None) or {}, status=PENDING, **entry)
                .returning(t.audit_log.c.id)
            )).scalar_one())
    except Exception as exc:
        log.error("audit entry not written: the action is refused", error=str(exc), action=entry.get("action"),
                  store_hash=entry.get("store_hash"))
        raise AuditUnavailable(str(exc)) from exc


async def finish(sessionmaker: SessionMaker, entry_id: int, status: int) -> None:
    """Give a begun entry its outcome; a failure is logged (the entry stays PENDING), never raised."""
    try:
        async with sessionmaker() as db, db.begin():
            await db.execute(t.audit_log.update().where(t.audit_log.c.id == entry_id).values(status=status))
    except Exception as exc:
        log.error("audit outcome not written", error=str(exc), entry_id=entry_id, status=status)


async def record_now(sessionmaker: SessionMaker, **entry: Any) -> None:
    """Write the entry of a call refused before its action (so nothing happened); a failure is logged."""
    try:
        async with sessionmaker() as db, db.begin():
            await record(db, **entry)
    except Exception as exc:
        log.error("audit entry not written", error=str(exc), action=entry.get("action"),
                  store_hash=entry.get("store_hash"), status=entry.get("status"))
