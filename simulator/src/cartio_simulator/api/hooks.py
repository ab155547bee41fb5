"""Webhooks management (v3 /hooks): one hook per store+client+scope+destination, HTTPS on 443 only
(loopback http allowed so local runs work)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import invalid, not_found
from ..formats import now, unix
from ..state import Hook, Json, Store
from .common import Ctx, ctx, json_object, page_params, paginate, read_json, v3

router = APIRouter(prefix="/stores/{store_hash}/v3/hooks")
SCOPE_RE = re.compile(r"^store/[A-Za-z0-9_*/]+$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_PER_SCOPE = 10


def hook_json(hook: Hook) -> Json:
    return {
        "id": hook.id,
        "client_id": hook.client_id,
        "store_hash": hook.store_hash,
        "scope": hook.scope,
        "destination": hook.destination,
        "headers": dict(hook.headers) or None,
        "is_active": hook.is_active,
        "created_at": unix(hook.created_at),
        "updated_at": unix(hook.updated_at),
    }


def _check_destination(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("JSON data is missing or invalid", {"destination": "is required"})
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise invalid("JSON data is missing or invalid", {"destination": "is not a valid URL"}) from exc
    loopback = (parts.hostname or "") in LOOPBACK
    if parts.scheme == "http" and loopback:
        return value
    if parts.scheme == "https" and parts.hostname and (port in (None, 443) or loopback):
        return value
    raise invalid("JSON data is missing or invalid",
                  {"destination": "must be an HTTPS URL on port 443 (custom ports are not supported)"})


def _check_headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid("JSON data is missing or invalid", {"headers": "must be an object of strings"})
    if len(value) > 64 or any(len(k.encode()) > 64 or len(v.encode()) > 8192 for k, v in value.items()):
        raise invalid("JSON data is missing or invalid", {"headers": "at most 64 headers, names <= 64 bytes, "
                                                                    "values <= 8 KB"})
    return dict(value)


def _check_scope(value: object) -> str:
    if not isinstance(value, str) or not SCOPE_RE.match(value):
        raise invalid("JSON data is missing or invalid", {"scope": "is required and must be a webhook scope"})
    return value


def _check_unique(store: Store, client_id: str, scope: str, destination: str, own_id: int | None) -> None:
    mine = [h for h in store.hooks.values() if h.client_id == client_id and h.id != own_id and h.scope == scope]
    if any(h.destination == destination for h in mine):
        raise invalid(f"A hook for scope {scope} and this destination already exists",
                      {"destination": "duplicate of an existing hook"})
    if len(mine) >= MAX_PER_SCOPE:
        raise invalid(f"At most {MAX_PER_SCOPE} hooks per scope", {"scope": "too many hooks"})


def _own_hook(c: Ctx, hook_id: int) -> Hook:
    hook = c.store.hooks.get(hook_id)
    if hook is None or hook.client_id != c.token.client_id:
        raise not_found("Hook")
    return hook


@router.post("")
async def create(request: Request) -> JSONResponse:
    c = ctx(request)
    body = json_object(await read_json(request))
    scope = _check_scope(body.get("scope"))
    destination = _check_destination(body.get("destination"))
    headers = _check_headers(body.get("headers"))
    is_active = body.get("is_active", True)
    if not isinstance(is_active, bool):
        raise invalid("JSON data is missing or invalid", {"is_active": "must be a boolean"})
    _check_unique(c.store, c.token.client_id, scope, destination, None)
    created = now()
    hook = Hook(id=c.sim.world.new_hook_id(), client_id=c.token.client_id, store_hash=c.store.hash, scope=scope,
                destination=destination, is_active=is_active, headers=headers, created_at=created,
                updated_at=created)
    c.store.hooks[hook.id] = hook
    return v3(hook_json(hook))


@router.get("")
async def list_hooks(request: Request, is_active: bool | None = None, scope: str | None = None,
                     destination: str | None = None, page: int | None = None,
                     limit: int | None = None) -> JSONResponse:
    c = ctx(request)
    hooks = [h for h in c.store.hooks.values() if h.client_id == c.token.client_id]
    if is_active is not None:
        hooks = [h for h in hooks if h.is_active == is_active]
    if scope is not None:
        hooks = [h for h in hooks if h.scope == scope]
    if destination is not None:
        hooks = [h for h in hooks if h.destination == destination]
    number, size = page_params(page, limit)
    query = {k: v for k, v in request.query_params.items() if k not in ("page", "limit")}
    chunk, meta = paginate(hooks, number, size, query)
    return v3([hook_json(h) for h in chunk], meta=meta)


@router.get("/admin")
async def admin(request: Request, is_active: bool | None = None) -> JSONResponse:
    c = ctx(request)
    hooks = [h for h in c.store.hooks.values() if h.client_id == c.token.client_id]
    if is_active is not None:
        hooks = [h for h in hooks if h.is_active == is_active]
    rows = [{**hook_json(h), "status": "active" if h.is_active else "deactivated"} for h in hooks]
    # As BigCommerce names them: `hooks_list`, and the app's blocked domains with the seconds left and why.
    return v3({"emails": c.store.hook_emails.get(c.token.client_id, []), "hooks_list": rows,
               "blocked_domains": c.sim.dispatcher.blocklist.blocked_domains(c.token.client_id)})


@router.put("/admin")
async def admin_emails(request: Request) -> Response:
    c = ctx(request)
    body = json_object(await read_json(request))
    emails = body.get("emails")
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise invalid("JSON data is missing or invalid", {"emails": "must be an array of strings"})
    c.store.hook_emails[c.token.client_id] = list(emails)
    return Response(status_code=204)


@router.get("/{hook_id}")
async def read(request: Request, hook_id: int) -> JSONResponse:
    return v3(hook_json(_own_hook(ctx(request), hook_id)))


@router.put("/{hook_id}")
async def update(request: Request, hook_id: int) -> JSONResponse:
    c = ctx(request)
    hook = _own_hook(c, hook_id)
    body = json_object(await read_json(request))
    scope = _check_scope(body["scope"]) if "scope" in body else hook.scope
    destination = _check_destination(body["destination"]) if "destination" in body else hook.destination
    headers = _check_headers(body["headers"]) if "headers" in body else hook.headers
    is_active = body.get("is_active", hook.is_active)
    if not isinstance(is_active, bool):
        raise invalid("JSON data is missing or invalid", {"is_active": "must be a boolean"})
    _check_unique(c.store, c.token.client_id, scope, destination, hook.id)
    hook.scope, hook.destination, hook.headers, hook.is_active = scope, destination, headers, is_active
    hook.updated_at = now()
    return v3(hook_json(hook))


@router.delete("/{hook_id}")
async def delete(request: Request, hook_id: int) -> JSONResponse:
    c = ctx(request)
    hook = _own_hook(c, hook_id)
    del c.store.hooks[hook.id]
    return v3(hook_json(hook))
