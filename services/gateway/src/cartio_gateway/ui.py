"""The admin UI (services/gateway/ui, built by scripts/build-ui.sh): hashed assets, and index.html for the app's
routes so a reload or a deep link inside the control panel's iframe opens the right page.

The app's pages need a session: without one the merchant gets the plain "open Cartio from BigCommerce" page
(templates/message.html) instead of an app shell that could only fail."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from cartio_gateway.context import gateway
from cartio_gateway.errors import PageError
from cartio_gateway.sessions import session_from_request

DIST = Path(__file__).resolve().parents[2] / "ui" / "dist"
APP_ROUTES = ("/", "/carts/{cart_id}", "/statistics", "/blacklists", "/activity")
# Asset names carry their content hash: they can be cached for good.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}

router = APIRouter(include_in_schema=False)


async def _index(request: Request) -> Response:
    gw = gateway(request)
    if await session_from_request(request, gw.db, gw.signer) is None:
        raise PageError(401, "Open Cartio from BigCommerce", "Cartio runs inside your BigCommerce control panel.",
                        hint="Sign in to your store's control panel and open Apps > My Apps > Cartio.")
    index = DIST / "index.html"
    if not index.is_file():
        raise PageError(503, "Cartio's screens are not built",
                        "The admin UI has not been built on this server.",
                        hint="Run scripts/build-ui.sh (make run and make test do it), then reload.")
    return HTMLResponse(index.read_text(encoding="utf-8"))


for _route in APP_ROUTES:
    router.add_api_route(_route, _index, methods=["GET"], response_class=HTMLResponse)


@router.get("/assets/{name}")
async def asset(name: str) -> Response:
    path = (DIST / "assets" / name).resolve()
    # Only files directly inside dist/assets; no path escapes it.
    if path.parent != (DIST / "assets").resolve() or not path.is_file():
        return Response("Not found", status_code=404, media_type="text/plain")
    return FileResponse(path, headers=IMMUTABLE)
