"""The admin UI (services/gateway/ui, built by scripts/build-ui.sh): hashed assets, and index.html for the app's
routes so a reload or a deep link inside the control panel's iframe opens the right page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from cartio_gateway.errors import PageError

DIST = Path(__file__).resolve().parents[2] / "ui" / "dist"
APP_ROUTES = ("/", "/carts/{cart_id}", "/statistics", "/blacklists", "/activity")
# Asset names carry their content hash: they can be cached for good.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}

router = APIRouter(include_in_schema=False)


def _index() -> Response:
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
