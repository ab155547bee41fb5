"""The webhook blocklist's state and rules: which (app, domain) is blocked, for how long, and the windows."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..blocklist import BlocklistRules
from ..state import Json
from .common import sim_of

router = APIRouter(prefix="/_sim/webhooks/blocklist")


@router.get("")
async def blocklist(request: Request) -> Json:
    dispatcher = sim_of(request).dispatcher
    return {"rules": dispatcher.blocklist.rules.model_dump(), "domains": dispatcher.blocklist.status()}


@router.put("")
async def set_rules(request: Request, body: BlocklistRules) -> Json:
    """Replaces the rules (e.g. a window of seconds for a test) and forgets every domain's record."""
    dispatcher = sim_of(request).dispatcher
    dispatcher.blocklist.rules = body
    dispatcher.blocklist.clear()
    return body.model_dump()
