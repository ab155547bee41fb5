"""Ingest's HTTP face for BigCommerce webhooks: in, confirmed, out (beacons are in beacons.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import Counter
from pydantic import ValidationError

from cartio_contracts.messages import WebhookReceived
from cartio_ingest.domain import SeenDeliveries, scope_wanted, webhook_message_id
from cartio_ingest.recheck import SecretRecheck
from cartio_ingest.settings import Settings
from cartio_ingest.stores import Verdict
from cartio_platform.access import outcome_logged
from cartio_platform.broker import BrokerUnavailable
from cartio_platform.errors import describe_validation, error_response
from cartio_platform.inputs import BadJson, loads_strict
from cartio_platform.logging import get_logger
from cartio_platform.runtime import RuntimeDep
from cartio_platform.security import WEBHOOK_SECRET_HEADER

log = get_logger(__name__)
router = APIRouter()
WEBHOOKS_DROPPED = Counter(
    "cartio_ingest_webhooks_dropped_total",
    "Authentic webhooks answered 2xx and not published, by reason (store_uninstalled, scope_unused, duplicate)",
    ["reason"],
)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


def dropped(request: Request, reason: str, **fields: object) -> Response:
    """An authentic webhook Cartio does not want: 2xx, so BigCommerce counts it delivered (a refusal would count
    against the success ratio of ingest's domain, shared by every store), and nothing published."""
    WEBHOOKS_DROPPED.labels(reason=reason).inc()
    log.info("webhook dropped", reason=reason, **fields)
    outcome_logged(request.scope)
    return JSONResponse({"accepted": False, "dropped": reason})


@router.post("/webhooks/bigcommerce")
async def receive_webhook(request: Request, settings: SettingsDep, runtime: RuntimeDep) -> Response:
    presented = request.headers.get(WEBHOOK_SECRET_HEADER)
    if not presented:
        return error_response(401, "missing_secret", f"the {WEBHOOK_SECRET_HEADER} header is required")
    body = await read_limited(request, settings.max_webhook_bytes)
    if body is None:
        return error_response(413, "too_large", f"webhook bodies are limited to {settings.max_webhook_bytes} bytes")
    try:
        raw: Any = loads_strict(body)
    except BadJson as exc:
        return error_response(422, "invalid_json", str(exc))
    # The secret is checked before the payload is judged, but needs the store hash the payload names.
    producer = raw.get("producer") if isinstance(raw, dict) else None
    store_hash = producer.split("/", 1)[1] if isinstance(producer, str) and "/" in producer else ""
    recheck: SecretRecheck = request.app.state.secret_recheck
    verdict = await recheck.judge(store_hash, presented)
    if verdict is Verdict.NOT_YET:
        return error_response(503, "stores_loading", "ingest is loading the stores' webhook secrets; retry later")
    if verdict is Verdict.UNVERIFIED:
        return error_response(503, "secret_unverified",
                              "ingest cannot confirm this store's current webhook secret now; retry later")
    if verdict is Verdict.WRONG:
        log.warning("webhook refused: wrong secret", store_hash=store_hash[:32])
        return error_response(401, "wrong_secret", f"the {WEBHOOK_SECRET_HEADER} header does not match this store")
    try:
        # Validated once, as the message it becomes (the body's fields are WebhookPayload's).
        received = {**raw, "received_at": datetime.now(UTC)} if isinstance(raw, dict) else raw
        payload = WebhookReceived.model_validate(received)
    except ValidationError as exc:
        return error_response(422, "invalid_webhook", describe_validation(list(exc.errors())))
    if verdict is Verdict.UNINSTALLED:
        return dropped(request, "store_uninstalled", store_hash=payload.store_hash, scope=payload.scope)
    if not scope_wanted(payload.scope, settings.webhook_scopes):
        return dropped(request, "scope_unused", store_hash=payload.store_hash, scope=payload.scope)
    delivery_id = (request.headers.get("webhook-id") or "")[:200] or None
    seen: SeenDeliveries = request.app.state.seen_deliveries
    seen_key = f"{payload.store_hash}|{delivery_id}"
    if delivery_id and (earlier := seen.get(seen_key)) is not None:
        WEBHOOKS_DROPPED.labels(reason="duplicate").inc()
        return JSONResponse({"accepted": True, "message_id": str(earlier), "duplicate": True})
    try:
        # On the webhooks exchange, routed by scope (WebhookReceived says so).
        message_id = webhook_message_id(payload, delivery_id)
        envelope = await runtime.publish(payload, payload.store_hash, message_id=message_id,
                                         timeout=settings.publish_timeout)
    except BrokerUnavailable as exc:
        # BigCommerce retries a non-2xx; nothing is lost as long as we never answer 200 unconfirmed.
        log.error("webhook not accepted: broker unavailable", scope=payload.scope, error=str(exc))
        return error_response(503, "broker_unavailable", "the message broker cannot take the webhook now; retry later")
    if delivery_id:
        seen.add(seen_key, envelope.message_id)
    log.info("webhook accepted", scope=payload.scope, store_hash=payload.store_hash,
             message_id=str(envelope.message_id))
    outcome_logged(request.scope)
    return JSONResponse({"accepted": True, "message_id": str(envelope.message_id)})
