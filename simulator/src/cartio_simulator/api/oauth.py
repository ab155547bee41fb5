"""`POST /oauth2/token`: the app exchanges an install's authorization code for the store's access token.

Each exchange issues a fresh token; earlier tokens of the app stay valid until the app is uninstalled."""

from __future__ import annotations

import hmac
import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..errors import SimError
from ..formats import now
from .common import sim_of

router = APIRouter()
log = logging.getLogger("cartio_simulator.oauth")
CODE_TTL = timedelta(minutes=10)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise SimError(400, "The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise SimError(400, "The request body must be a JSON object")
        return {str(k): str(v) for k, v in data.items() if v is not None}
    return {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}


@router.post("/oauth2/token")
async def token(request: Request) -> JSONResponse:
    sim = sim_of(request)
    settings = sim.settings
    form = await _form(request)
    missing = [k for k in ("client_id", "client_secret", "code", "context", "scope", "grant_type", "redirect_uri")
               if not form.get(k)]
    if missing:
        raise SimError(400, f"Missing parameter(s): {', '.join(missing)}")
    if not (hmac.compare_digest(form["client_id"], settings.client_id)
            and hmac.compare_digest(form["client_secret"], settings.client_secret)):
        raise SimError(401, "Invalid client id or secret")
    if form["grant_type"] != "authorization_code":
        raise SimError(400, "grant_type must be authorization_code")
    if form["redirect_uri"] != settings.app_auth_url:
        raise SimError(400, "redirect_uri does not match the app's registered auth callback URL")
    store = sim.world.store_for_code(form["code"])
    code = store.codes.get(form["code"]) if store else None
    if store is None or code is None or code.used or now() - code.created > CODE_TTL:
        raise SimError(400, "Invalid, expired or already used authorization code")
    if form["context"] != f"stores/{store.hash}":
        raise SimError(400, "context does not match the authorization code")
    if set(form["scope"].split()) != set(code.scopes.split()):
        raise SimError(400, "scope does not match the scopes granted with the authorization code")
    code.used = True
    access = sim.issue_token(store, settings.client_id, code.scopes)
    log.info("store %s: authorization code exchanged for an access token", store.hash)
    owner = {"id": store.owner_id, "username": store.owner_email, "email": store.owner_email}
    return JSONResponse({
        "access_token": access.token,
        "scope": code.scopes,
        "user": owner,
        "owner": owner,
        "context": f"stores/{store.hash}",
        "account_uuid": store.account_uuid,
    })
