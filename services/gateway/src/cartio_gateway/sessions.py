"""Merchant sessions: a server-side row per session; the cookie holds its id, signed and timestamped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_gateway import tables as t
from cartio_gateway.domain import SessionSigner, new_csrf_token, new_session_id
from cartio_gateway.settings import Settings
from cartio_platform.db import SessionMaker

COOKIE_NAME = "cartio_session"


@dataclass(frozen=True)
class CurrentSession:
    id: str
    store_hash: str
    user_id: int
    email: str | None
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> str:
        """Who acts, as services record it (`X-Cartio-Actor`)."""
        return self.email or f"user:{self.user_id}"


async def start_session(db: AsyncSession, settings: Settings, store_hash: str, user_id: int) -> str:
    """Insert a session row in the caller's transaction; returns its id."""
    session_id = new_session_id()
    await db.execute(
        t.sessions.insert().values(
            id=session_id,
            store_hash=store_hash,
            user_id=user_id,
            csrf_token=new_csrf_token(),
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.session_ttl),
        )
    )
    return session_id


async def find_session(sessionmaker: SessionMaker, session_id: str) -> CurrentSession | None:
    """The live session with this id: not revoked, not expired, its user not removed, its store active."""
    s, u, st = t.sessions, t.users, t.stores
    query = (
        sa.select(s.c.id, s.c.store_hash, s.c.user_id, s.c.csrf_token, s.c.expires_at, u.c.email)
        .join(u, sa.and_(u.c.store_hash == s.c.store_hash, u.c.user_id == s.c.user_id))
        .join(st, st.c.store_hash == s.c.store_hash)
        .where(
            s.c.id == session_id,
            s.c.revoked.is_(False),
            s.c.expires_at > sa.func.now(),
            u.c.removed_at.is_(None),
            st.c.active.is_(True),
        )
    )
    async with sessionmaker() as db:
        # One statement, read alone: no BEGIN and ROLLBACK around it (two round trips of every /api call).
        await db.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        row = (await db.execute(query)).first()
    if row is None:
        return None
    return CurrentSession(row.id, row.store_hash, row.user_id, row.email, row.csrf_token, row.expires_at)


async def session_from_request(
    request: Request, sessionmaker: SessionMaker, signer: SessionSigner
) -> CurrentSession | None:
    session_id = signer.unsign(request.cookies.get(COOKIE_NAME))
    if session_id is None:
        return None
    return await find_session(sessionmaker, session_id)


async def revoke_sessions(db: AsyncSession, store_hash: str, user_id: int | None = None) -> int:
    where = [t.sessions.c.store_hash == store_hash, t.sessions.c.revoked.is_(False)]
    if user_id is not None:
        where.append(t.sessions.c.user_id == user_id)
    result = await db.execute(sa.update(t.sessions).where(*where).values(revoked=True))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_session_cookie(response: Response, settings: Settings, signer: SessionSigner, session_id: str) -> None:
    """HttpOnly; Secure + SameSite=None + Partitioned (CHIPS) for the control panel's iframe, where browsers
    block unpartitioned third-party cookies; SameSite=Lax on plain http (local development only).

    Written by hand: Starlette refuses `partitioned` before Python 3.14.
    """
    parts = [f"{COOKIE_NAME}={signer.sign(session_id)}", f"Max-Age={int(settings.session_ttl)}", "Path=/", "HttpOnly"]
    if settings.cookie_secure:
        parts += ["Secure", "SameSite=None", "Partitioned"]
    else:
        parts.append("SameSite=Lax")
    response.headers.append("set-cookie", "; ".join(parts))
