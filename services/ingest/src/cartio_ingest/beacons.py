"""Ingest's storefront face: the storefront script and the beacons it sends, checked then handed to the broker."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from cartio_bigcommerce.store_hash import is_store_hash
from cartio_contracts.messages import StorefrontSession
from cartio_ingest.api import SettingsDep, read_limited
from cartio_ingest.domain import Beacon, RateLimiter, client_ip
from cartio_platform.broker import BrokerUnavailable
from cartio_platform.errors import describe_validation, error_response
from cartio_platform.logging import get_logger
from cartio_platform.runtime import RuntimeDep

log = get_logger(__name__)
router = APIRouter()
SCRIPT = resources.files("cartio_ingest").joinpath("storefront.js").read_text()


CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


@router.options("/storefront/events")
async def beacon_preflight() -> Response:
    return Response(status_code=204, headers=CORS)


@router.post("/storefront/events")
async def receive_beacon(request: Request, settings: SettingsDep, runtime: RuntimeDep) -> Response:
    peer = request.client.host if request.client else None
    # Several X-Forwarded-For headers are one list, in order (RFC 9110 5.3).
    forwarded_for = ", ".join(request.headers.getlist("x-forwarded-for")) or None
    ip = client_ip(peer, forwarded_for, settings.trusted_proxies)
    limiter: RateLimiter = request.app.state.beacon_limiter
    if not limiter.allow(rate_key(ip)):
        return _cors(error_response(429, "rate_limited", "too many beacons from this address; slow down"))
    body = await read_limited(request, settings.max_beacon_bytes)
    if body is None:
        return _cors(error_response(413, "too_large", f"beacons are limited to {settings.max_beacon_bytes} bytes"))
    try:
        beacon = Beacon.model_validate_json(body)
    except ValidationError as exc:
        return _cors(error_response(422, "invalid_beacon", describe_validation(list(exc.errors()))))
    message = StorefrontSession(
        cart_id=beacon.cart_id,
        session_id=beacon.session_id,
        ip=ip,
        user_agent=(request.headers.get("user-agent") or "")[:1024] or None,
        seen_at=datetime.now(UTC),
    )
    try:
        await runtime.publish(message, beacon.store_hash, timeout=settings.publish_timeout)
    except BrokerUnavailable as exc:
        log.error("beacon not accepted: broker unavailable", error=str(exc))
        return _cors(error_response(503, "broker_unavailable", "retry later"))
    return _cors(Response(status_code=202))


def rate_key(ip: str | None) -> str:
    """Whose beacons share a bucket: an IPv4 address, or an IPv6 address's /64 (one subscriber's network gets
    a /64 or more, and any address in it is theirs to use, so a key per address would be a key per beacon)."""
    if ip is None:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response


@router.get("/storefront/cartio.js", response_class=Response, responses={
    200: {"description": "The storefront script for this store",
          "content": {"application/javascript": {"schema": {"type": "string"}}}}})
async def storefront_script(
    settings: SettingsDep, store: Annotated[str, Query(min_length=1, max_length=32)]
) -> Response:
    if not is_store_hash(store):
        return error_response(422, "invalid_store", "store must be a store hash (lowercase letters and digits)")
    script = SCRIPT.replace("__CARTIO_BEACON_URL__", settings.public_ingest_url.rstrip("/") + "/storefront/events")
    script = script.replace("__CARTIO_STORE__", store)
    return Response(script, media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=300"})
