"""`/api/blacklist`: rules, hits, check and preview, forwarded to the blacklist's internal API.

The session's store goes in the path and the staff member in `X-Cartio-Actor` (the rule's "created by"); the
blacklist's own answers, 422s with their messages included, pass through as they are. Every rule change is
audited; check and preview change nothing, so they are reads (no CSRF token, no audit entry).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cartio_gateway.deps import AuditedRoute, ChangingSessionDep, GatewayDep, SessionDep, json_body
from cartio_gateway.errors import ApiError

router = APIRouter(prefix="/api/blacklist", route_class=AuditedRoute)

RULE_LIST_PARAMS = ("kind", "limit")
HIT_LIST_PARAMS = ("rule_id", "cursor", "limit")
_MAX_ID = 2**63 - 1


def _rule_id(rule_id: str) -> int:
    """A rule id is a positive integer; anything else is no rule of this store (and is never forwarded)."""
    if not (rule_id.isascii() and rule_id.isdigit() and 0 < int(rule_id) <= _MAX_ID):
        raise ApiError(404, "rule_not_found", "No such blacklist rule in this store.")
    return int(rule_id)


def _params(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.query_params[name] for name in names if name in request.query_params}


@router.get("/rules")
async def list_rules(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.blacklist.forward(session, "GET", "/blacklist/rules", params=_params(request, RULE_LIST_PARAMS))


@router.post("/rules")
async def create_rule(request: Request, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    return await gw.blacklist.forward(session, "POST", "/blacklist/rules", body=await json_body(request))


@router.post("/rules/preview")
async def preview_rule(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The active carts and last 30 days' orders a rule not yet saved would hit."""
    return await gw.blacklist.forward(session, "POST", "/blacklist/rules/preview", body=await json_body(request))


@router.get("/rules/{rule_id}")
async def get_rule(rule_id: str, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.blacklist.forward(session, "GET", f"/blacklist/rules/{_rule_id(rule_id)}")


@router.patch("/rules/{rule_id}")
async def update_rule(request: Request, rule_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    path = f"/blacklist/rules/{_rule_id(rule_id)}"
    return await gw.blacklist.forward(session, "PATCH", path, body=await json_body(request))


@router.delete("/rules/{rule_id}")
async def delete_rule(rule_id: str, gw: GatewayDep, session: ChangingSessionDep) -> Response:
    return await gw.blacklist.forward(session, "DELETE", f"/blacklist/rules/{_rule_id(rule_id)}")


@router.get("/hits")
async def list_hits(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.blacklist.forward(session, "GET", "/blacklist/hits", params=_params(request, HIT_LIST_PARAMS))


@router.post("/check")
async def check(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Which rules would block this email, IP or country (an allow rule wins)."""
    return await gw.blacklist.forward(session, "POST", "/blacklist/check", body=await json_body(request))
