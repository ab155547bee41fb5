"""Shared pieces of the REST API: request context, scopes, JSON bodies, envelopes, pagination."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from ..errors import SimError
from ..runtime import Simulator
from ..state import AccessToken, Json, Store


@dataclass
class Ctx:
    sim: Simulator
    store: Store
    token: AccessToken


def sim_of(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def ctx(request: Request, *scopes: str) -> Ctx:
    """The caller's store and token (checked by the guard middleware); 403 without any of `scopes`."""
    store: Store = request.state.store
    token: AccessToken = request.state.token
    if scopes and not token.scopes.intersection(scopes):
        raise SimError(403, "You don't have a required scope to access the endpoint",
                       {"scope": f"needs one of: {', '.join(scopes)}"})
    return Ctx(sim_of(request), store, token)


async def read_json(request: Request, *, required: bool = True) -> Any:
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if not raw.strip():
        if required:
            raise SimError(400, "The request body is missing")
        return None
    if content_type and "json" not in content_type:
        raise SimError(415, f"Content-Type {content_type} is not supported; send application/json")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise SimError(400, "The request body is not valid JSON") from exc


def json_object(body: Any) -> Json:
    if not isinstance(body, dict):
        raise SimError(422, "JSON data is missing or invalid", {"body": "must be a JSON object"})
    return body


def v3(data: Any, status: int = 200, meta: Json | None = None) -> JSONResponse:
    return JSONResponse({"data": data, "meta": meta or {}}, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


def page_params(page: int | None, limit: int | None, default: int = 50, maximum: int = 250) -> tuple[int, int]:
    page = page or 1
    limit = limit or default
    if page < 1:
        raise SimError(422, "JSON data is missing or invalid", {"page": "must be at least 1"})
    if limit < 1:
        raise SimError(422, "JSON data is missing or invalid", {"limit": "must be at least 1"})
    return page, min(limit, maximum)


def paginate(items: list[Any], page: int, limit: int, query: dict[str, str] | None = None) -> tuple[list[Any], Json]:
    """One page of `items` and its v3 `meta.pagination`."""
    total = len(items)
    total_pages = max(1, math.ceil(total / limit))
    chunk = items[(page - 1) * limit : page * limit]

    def link(number: int) -> str:
        return "?" + urlencode({**(query or {}), "page": number, "limit": limit})

    links: Json = {"current": link(page)}
    if page > 1:
        links["previous"] = link(page - 1)
    if page < total_pages:
        links["next"] = link(page + 1)
    meta = {"pagination": {"total": total, "count": len(chunk), "per_page": limit, "current_page": page,
                           "total_pages": total_pages, "links": links}}
    return chunk, meta


def id_list(raw: str | None, name: str) -> list[int] | None:
    if raw is None:
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise SimError(422, "JSON data is missing or invalid", {name: "must be a comma-separated list of ids"}) \
            from exc
