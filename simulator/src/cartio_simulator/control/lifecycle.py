"""Stores, and the app's life in a store: install, launch, uninstall, remove a user; tokens and JWTs."""

from __future__ import annotations

import logging
import uuid

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ..app_jwt import signed_payload_jwt
from ..formats import now
from ..runtime import APP_SCOPES, Simulator
from ..state import AuthCode, Json, Store, random_token
from .common import sim_of

router = APIRouter(prefix="/_sim")
log = logging.getLogger("cartio_simulator.control")


def store_json(sim: Simulator, store: Store) -> Json:
    return {
        "store_hash": store.hash,
        "store_id": store.id,
        "client_id": sim.settings.client_id,
        "app_installed": store.app_installed,
        "owner": {"id": store.owner_id, "email": store.owner_email},
        "api_url": f"{sim.settings.public_url}/stores/{store.hash}",
        "storefront_url": f"{sim.settings.public_url}/storefront",
        "created_at": store.created.isoformat(),
    }


@router.get("/store")
async def get_store(request: Request, store: str | None = None) -> Json:
    sim = sim_of(request)
    return store_json(sim, sim.store(store))


@router.get("/stores")
async def list_stores(request: Request) -> list[Json]:
    sim = sim_of(request)
    return [store_json(sim, s) for s in sim.world.stores.values()]


@router.post("/stores", status_code=201)
async def open_store(request: Request) -> Json:
    sim = sim_of(request)
    store = sim.world.add_store()
    log.info("store %s opened", store.hash)
    return store_json(sim, store)


async def _call_app(sim: Simulator, url: str, params: dict[str, str], what: str) -> Json:
    """GETs an app callback as the merchant's browser would. A 2xx, or a redirect (the browser would follow it
    into the app), counts as success."""
    try:
        async with httpx.AsyncClient(follow_redirects=False, timeout=sim.settings.app_call_timeout_s) as client:
            response = await client.get(url, params=params)
    except httpx.HTTPError as exc:
        log.error("%s: request to the app at %s failed: %s", what, url, exc)
        return {"ok": False, "status_code": None, "body": "", "location": None,
                "error": f"{type(exc).__name__}: {exc}"}
    ok = response.is_success or response.is_redirect
    if not ok:
        log.error("%s: the app at %s answered HTTP %d: %s", what, url, response.status_code, response.text[:300])
    return {"ok": ok, "status_code": response.status_code, "body": response.text[:2000],
            "location": response.headers.get("location"), "error": None}


@router.post("/install")
async def install(request: Request, store: str | None = None) -> JSONResponse:
    """BigCommerce's install: a fresh authorization code sent to the app's auth callback."""
    sim = sim_of(request)
    target = sim.store(store)
    code = AuthCode(code=random_token(40), client_id=sim.settings.client_id, scopes=APP_SCOPES, created=now())
    target.codes[code.code] = code
    target.account_uuid = target.account_uuid or str(uuid.uuid4())
    params = {"code": code.code, "scope": APP_SCOPES, "context": f"stores/{target.hash}",
              "account_uuid": target.account_uuid}
    result = await _call_app(sim, sim.settings.app_auth_url, params, f"install on store {target.hash}")
    if result["ok"]:
        target.app_installed = True
        log.info("app installed on store %s", target.hash)
    body = {**result, "app_installed": target.app_installed, "store_hash": target.hash}
    return JSONResponse(body, status_code=200 if result["ok"] else 502)


@router.get("/jwt")
async def jwt_for(request: Request, store: str | None = None, user_id: int | None = None,
                  email: str | None = None, url: str = "/") -> Json:
    sim = sim_of(request)
    token = signed_payload_jwt(sim.store(store), sim.settings.client_id, sim.settings.client_secret,
                               user_id=user_id, email=email, url=url)
    return {"signed_payload_jwt": token}


@router.get("/launch", response_model=None)
async def launch(request: Request, store: str | None = None, user_id: int | None = None,
                 email: str | None = None) -> Response:
    """The store owner opens the app: 302 to the load callback with a fresh signed_payload_jwt."""
    sim = sim_of(request)
    target = sim.store(store)
    if not target.app_installed:
        return HTMLResponse(
            f"<h1>Cartio is not installed in store {target.hash}</h1>"
            "<p>POST /_sim/install first (the bootstrap does it when everything is up).</p>", status_code=409)
    token = signed_payload_jwt(target, sim.settings.client_id, sim.settings.client_secret, user_id=user_id,
                               email=email)
    return RedirectResponse(f"{sim.settings.app_load_url}?signed_payload_jwt={token}", status_code=302)


@router.post("/uninstall")
async def uninstall(request: Request, store: str | None = None) -> Json:
    """Calls the uninstall callback, then does what BigCommerce does whatever the app answered: deletes the
    app's hooks and auto_uninstall scripts, revokes its tokens."""
    sim = sim_of(request)
    target = sim.store(store)
    client_id = sim.settings.client_id
    token = signed_payload_jwt(target, client_id, sim.settings.client_secret)
    result = await _call_app(sim, sim.settings.app_uninstall_url, {"signed_payload_jwt": token},
                             f"uninstall on store {target.hash}")
    hooks = [h for h in target.hooks.values() if h.client_id == client_id]
    scripts = [s for s in target.scripts.values() if s.client_id == client_id and s.fields["auto_uninstall"]]
    tokens = [t for t in target.tokens.values() if t.client_id == client_id]
    for hook in hooks:
        del target.hooks[hook.id]
    for script in scripts:
        del target.scripts[script.uuid]
    for access in tokens:
        del target.tokens[access.token]
    target.app_installed = False
    log.info("app uninstalled from store %s", target.hash)
    return {**result, "app_installed": False, "hooks_removed": len(hooks), "scripts_removed": len(scripts),
            "tokens_revoked": len(tokens)}


class RemoveUser(BaseModel):
    user_id: int
    email: str


@router.post("/remove_user")
async def remove_user(request: Request, body: RemoveUser, store: str | None = None) -> Json:
    sim = sim_of(request)
    target = sim.store(store)
    token = signed_payload_jwt(target, sim.settings.client_id, sim.settings.client_secret, user_id=body.user_id,
                               email=body.email)
    return await _call_app(sim, sim.settings.app_remove_user_url, {"signed_payload_jwt": token},
                           f"remove_user on store {target.hash}")


class TokenRequest(BaseModel):
    client_id: str | None = None
    scope: str | None = None


@router.post("/api_token", status_code=201)
async def api_token(request: Request, store: str | None = None, body: TokenRequest | None = None) -> Json:
    """A store API account's token (as made in the control panel), for tests and scripts."""
    sim = sim_of(request)
    target = sim.store(store)
    client_id = (body.client_id if body else None) or sim.settings.client_id
    scope = (body.scope if body else None) or APP_SCOPES
    access = sim.issue_token(target, client_id, scope)
    return {"access_token": access.token, "client_id": client_id, "scope": scope, "store_hash": target.hash,
            "api_url": f"{sim.settings.public_url}/stores/{target.hash}"}
