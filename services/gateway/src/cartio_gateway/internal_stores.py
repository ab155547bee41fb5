"""What ingest needs to check webhooks without a database: every store's current install nonce.

`GET /internal/webhook-secrets` (service token): each store the gateway knows, installed or uninstalled and not
yet purged, with the nonce its webhook secret is made from, the nonce of an install under way
(`webhook_nonce_pending`: saved before the hooks' headers are rewritten, so they may carry its secret already;
null once that install is saved, see `callbacks.install`) and since when it is in that state. Ingest loads it at
start-up and now and then; `store.installed` events keep it current in between. With `?store=<hash>` only that
store (an empty list when the gateway does not know it): ingest asks so when a webhook's secret does not match
what it knows, since the gateway rewrites the hooks' headers before the install is saved and long before
`store.installed` reaches ingest.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from cartio_bigcommerce import is_store_hash
from cartio_gateway import tables as t
from cartio_gateway.context import gateway
from cartio_platform.errors import error_response
from cartio_platform.security import require_service_token

router = APIRouter(prefix="/internal", include_in_schema=False, dependencies=[Depends(require_service_token)])


@router.get("/webhook-secrets")
async def webhook_secrets(request: Request, store: str | None = None) -> JSONResponse:
    gw = gateway(request)
    s = t.stores.c
    query = sa.select(s.store_hash, s.webhook_nonce, s.webhook_nonce_pending, s.active, s.installed_at,
                      s.uninstalled_at)
    if store is not None:
        if not is_store_hash(store):
            return error_response(422, "invalid_store", "store must be a BigCommerce store hash")
        query = query.where(s.store_hash == store)
    async with gw.db() as db:
        rows = (await db.execute(query)).all()
    stores = [
        {"store_hash": r.store_hash, "webhook_nonce": r.webhook_nonce,
         "webhook_nonce_pending": r.webhook_nonce_pending, "active": r.active,
         "since": (r.installed_at if r.active or r.uninstalled_at is None else r.uninstalled_at).isoformat()}
        for r in rows
    ]
    return JSONResponse({"stores": stores}, headers={"Cache-Control": "no-store"})
