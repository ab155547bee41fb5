"""The security headers of every gateway answer, as a plain ASGI middleware.

Not Starlette's `@app.middleware("http")`: that one runs the app in a task of its own and streams every answer
through memory channels, a millisecond of each `/api` call (issue 16; see cartio_platform.access).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    """`nosniff` and `same-origin` on every answer; on HTML pages also the CSP `frame-ancestors` (shown inside
    the BigCommerce control panel's iframe, and nowhere else) and `no-store`. A header the route set is kept."""

    def __init__(self, app: ASGIApp, *, frame_ancestors: str) -> None:
        self.app = app
        self.frame_ancestors = frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", f"frame-ancestors {self.frame_ancestors}")
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, sending)
