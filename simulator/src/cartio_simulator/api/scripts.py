"""Scripts API (v3 /content/scripts): storefront scripts owned by the API account that created them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import SimError, invalid, not_found
from ..formats import now, script_time
from ..state import Json, Script
from .common import Ctx, ctx, json_object, page_params, paginate, read_json, v3

router = APIRouter(prefix="/stores/{store_hash}/v3/content/scripts")
READ = ("store_v2_content", "store_v2_content_read_only", "store_content_checkout")
WRITE = ("store_v2_content", "store_content_checkout")
CHOICES = {
    "kind": ("src", "script_tag"),
    "load_method": ("default", "async", "defer"),
    "location": ("head", "footer"),
    "visibility": ("storefront", "checkout", "all_pages", "order_confirmation"),
    "consent_category": ("essential", "functional", "analytics", "targeting", "unknown"),
}
DEFAULTS: Json = {
    "name": "", "description": "", "html": "", "src": "", "auto_uninstall": False, "load_method": "default",
    "location": "head", "visibility": "storefront", "kind": "src", "consent_category": "unknown",
    "enabled": True, "channel_id": 1, "integrity_hashes": [],
}
MAX_PER_APP = 10


def script_json(script: Script) -> Json:
    return {
        "uuid": script.uuid,
        **script.fields,
        "api_client_id": script.client_id,
        "date_created": script_time(script.date_created),
        "date_modified": script_time(script.date_modified),
    }


def _validate(fields: Json, body: Json, c: Ctx) -> Json:
    merged = {**fields, **{k: v for k, v in body.items() if k in DEFAULTS}}
    errors: dict[str, str] = {}
    name = merged["name"]
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        errors["name"] = "is required (1 to 255 characters)"
    for key in ("description", "html", "src"):
        if merged[key] is None:
            merged[key] = ""
        if not isinstance(merged[key], str):
            errors[key] = "must be a string"
    for key, allowed in CHOICES.items():
        if merged[key] not in allowed:
            errors[key] = f"must be one of {', '.join(allowed)}"
    for key in ("auto_uninstall", "enabled"):
        if not isinstance(merged[key], bool):
            errors[key] = "must be a boolean"
    channel = merged["channel_id"]
    if not isinstance(channel, int) or isinstance(channel, bool) or channel < 1:
        errors["channel_id"] = "must be an integer >= 1"
    hashes: Any = merged["integrity_hashes"]
    if not isinstance(hashes, list) or len(hashes) > 5 or not all(isinstance(h, str) for h in hashes):
        errors["integrity_hashes"] = "at most 5 strings"
    if not errors:
        if merged["kind"] == "src":
            if not merged["src"]:
                errors["src"] = "is required when kind is src"
            elif merged["html"]:
                errors["html"] = "must be empty when kind is src"
        else:
            tags = merged["html"].lower().count("<script")
            if not 1 <= tags <= 5:
                errors["html"] = "must contain between 1 and 5 <script> tags when kind is script_tag"
            elif merged["src"]:
                errors["src"] = "must be empty when kind is script_tag"
    if errors:
        raise invalid("JSON data is missing or invalid", errors)
    if merged["visibility"] in ("checkout", "all_pages") and "store_content_checkout" not in c.token.scopes:
        raise SimError(403, "Scripts on checkout pages need the store_content_checkout scope")
    return merged


def _own(c: Ctx, script_uuid: str) -> Script:
    script = c.store.scripts.get(script_uuid)
    if script is None or script.client_id != c.token.client_id:
        raise not_found("Script")
    return script


@router.post("")
async def create(request: Request) -> JSONResponse:
    c = ctx(request, *WRITE)
    body = json_object(await read_json(request))
    if "name" not in body:
        raise invalid("JSON data is missing or invalid", {"name": "is required"})
    fields = _validate(dict(DEFAULTS), body, c)
    if sum(1 for s in c.store.scripts.values() if s.client_id == c.token.client_id) >= MAX_PER_APP:
        raise invalid(f"An app can create at most {MAX_PER_APP} scripts", {"uuid": "limit reached"})
    created = now()
    script = Script(uuid=str(uuid.uuid4()), client_id=c.token.client_id, fields=fields, date_created=created,
                    date_modified=created)
    c.store.scripts[script.uuid] = script
    return v3(script_json(script))


@router.get("")
async def list_scripts(request: Request, page: int | None = None, limit: int | None = None) -> JSONResponse:
    c = ctx(request, *READ)
    scripts = [s for s in c.store.scripts.values() if s.client_id == c.token.client_id]
    channels = request.query_params.get("channel_id:in")
    if channels:
        wanted = {int(x) for x in channels.split(",") if x.strip().isdigit()}
        scripts = [s for s in scripts if s.fields["channel_id"] in wanted]
    number, size = page_params(page, limit)
    chunk, meta = paginate(scripts, number, size)
    return v3([script_json(s) for s in chunk], meta=meta)


@router.get("/{script_uuid}")
async def read(request: Request, script_uuid: str) -> JSONResponse:
    return v3(script_json(_own(ctx(request, *READ), script_uuid)))


@router.put("/{script_uuid}")
async def update(request: Request, script_uuid: str) -> JSONResponse:
    c = ctx(request, *WRITE)
    script = _own(c, script_uuid)
    body = json_object(await read_json(request))
    script.fields = _validate(script.fields, body, c)
    script.date_modified = now()
    return v3(script_json(script))


@router.delete("/{script_uuid}")
async def delete(request: Request, script_uuid: str) -> Response:
    c = ctx(request, *WRITE)
    script = _own(c, script_uuid)
    del c.store.scripts[script.uuid]
    return Response(status_code=204)
