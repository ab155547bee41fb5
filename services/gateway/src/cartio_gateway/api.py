"""The merchant's JSON API (`/api`): session required, CSRF on state changes, the store from the session only.

This module: who am I, the audit log and the live feed. Each backing service's routes are a module of their own
(`api_carts.py`, `api_<service>.py`) on `deps.py`'s dependencies and `InternalClient.forward`.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from cartio_gateway import tables as t
from cartio_gateway.deps import GatewayDep, SessionDep
from cartio_gateway.domain import parse_last_event_id, parse_seq
from cartio_gateway.errors import ApiError
from cartio_gateway.sessions import find_session
from cartio_platform.errors import error_response
from cartio_platform.logging import get_logger

log = get_logger(__name__)

router = APIRouter(prefix="/api")

NO_STORE = {"Cache-Control": "no-store"}


# --- routes -------------------------------------------------------------------------------------------------


@router.get("/me")
async def me(gw: GatewayDep, session: SessionDep) -> JSONResponse:
    """Who is signed in, and the store's time zone (the app shows exact times in it; null when not known)."""
    async with gw.db() as db:
        timezone = await db.scalar(sa.select(t.stores.c.timezone).where(t.stores.c.store_hash == session.store_hash))
    return JSONResponse(
        {
            "store_hash": session.store_hash,
            "user": {"id": session.user_id, "email": session.email},
            "csrf_token": session.csrf_token,
            "session_expires_at": session.expires_at.isoformat(),
            "store": {"timezone": timezone},
        },
        headers=NO_STORE,
    )


@router.get("/audit")
async def audit_log(
    gw: GatewayDep,
    session: SessionDep,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=20),
    actor: str | None = Query(default=None, max_length=320),
) -> JSONResponse:
    """The store's audit log, newest first; `next_cursor` fetches the next page; `actor` keeps one staff member's
    actions (their email, any case, or their user id)."""
    a = t.audit_log
    query = sa.select(a).where(a.c.store_hash == session.store_hash).order_by(a.c.id.desc()).limit(limit + 1)
    if actor and actor.strip():
        who = actor.strip()
        query = query.where(a.c.actor_id == int(who) if who.isdigit() and len(who) < 19
                            else sa.func.lower(a.c.actor_email) == who.lower())
    if cursor is not None:
        try:
            query = query.where(a.c.id < parse_seq(cursor))
        except ValueError:
            raise ApiError(422, "invalid_request", "cursor: not a cursor from this API") from None
    async with gw.db() as db:
        rows = (await db.execute(query)).all()
    items = [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "actor": {"id": r.actor_id, "email": r.actor_email},
            "action": r.action,
            "target": r.target,
            "request": r.request,
            "status": r.status,
        }
        for r in rows[:limit]
    ]
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return JSONResponse({"items": items, "next_cursor": next_cursor}, headers=NO_STORE)


@router.get("/live")
async def live(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    last_event_id: str | None = Query(default=None, max_length=20),
) -> Response:
    """Server-sent events of the session's store: `id` (resume with `Last-Event-ID`), `event`, `data`."""
    try:
        after = parse_last_event_id(request.headers.get("last-event-id"), last_event_id)
    except ValueError:
        raise ApiError(422, "invalid_request", "Last-Event-ID / last_event_id: not an event id this feed sent; "
                       "leave it out to start from now") from None
    # Each stream holds a task and reads the database on every wake: caps keep one browser or one store from
    # taking a replica's capacity (per replica; the load balancer spreads browsers over replicas).
    of_store, of_session = gw.hub.streams(session.store_hash, session.id)
    limits = gw.settings
    if of_session >= limits.live_max_streams_per_session or of_store >= limits.live_max_streams_per_store:
        which = "this session" if of_session >= limits.live_max_streams_per_session else "this store"
        raise ApiError(429, "too_many_streams", f"Too many live feeds are open for {which}; close a tab "
                       "showing Cartio, then try again.", headers={"Retry-After": "10"})
    if after is None:
        try:
            after = await gw.hub.latest_seq(session.store_hash)
        except Exception as exc:
            log.warning("live feed unavailable", error=str(exc))
            return error_response(503, "unavailable", "The live feed is unavailable; try again shortly.")

    async def still_valid() -> bool:
        return await find_session(gw.db, session.id) is not None

    stream = gw.hub.stream(session.store_hash, after, heartbeat=gw.settings.live_heartbeat, still_valid=still_valid,
                           session_id=session.id)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
