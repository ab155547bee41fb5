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


async def record_now(sessionmaker: SessionMaker, **entry: Any) -> None:
    """Write one entry in a transaction of its own; a failure is logged, never raised over the response."""
    try:
        async with sessionmaker() as db, db.begin():
            await record(db, **entry)
    except Exception as exc:
        log.error("audit entry not written", error=str(exc), action=entry.get("action"),
                  store_hash=entry.get("store_hash"), status=entry.get("status"))
