"""What ingest needs to check webhooks without a database: every store's current install nonce.

`GET /internal/webhook-secrets` (service token): each store the gateway knows, installed or uninstalled and not
yet purged, with the nonce its webhook secret is made from and since when it is in that state. Ingest loads it at
start-up and now and then; `store.installed` events keep it current in between.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from cartio_gateway import tables as t
from cartio_gateway.context import gateway
from cartio_platform.security import require_service_token

router = APIRouter(prefix="/internal", include_in_schema=False, dependencies=[Depends(require_service_token)])


@router.get("/webhook-secrets")
async def webhook_secrets(request: Request) -> JSONResponse:
    gw = gateway(request)
    s = t.stores.c
    async with gw.db() as db:
        rows = (await db.execute(sa.select(s.store_hash, s.webhook_nonce, s.active, s.installed_at,
                                           s.uninstalled_at))).all()
    stores = [
        {"store_hash": r.store_hash, "webhook_nonce": r.webhook_nonce, "active": r.active,
         "since": (r.installed_at if r.active or r.uninstalled_at is None else r.uninstalled_at).isoformat()}
        for r in rows
    ]
    return JSONResponse({"stores": stores}, headers={"Cache-Control": "no-store"})
