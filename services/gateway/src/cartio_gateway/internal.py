"""A client of one internal service (carts, blacklist, notifier, reports): the session's store in the path.

`forward` passes the service's status and JSON body through to the browser as they came (its errors are already
the platform's shape); the service being down is 503, the service refusing our token 502, a body that is not
JSON 502 (503 on a 5xx).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from fastapi.responses import JSONResponse, Response

from cartio_gateway.errors import ApiError
from cartio_gateway.sessions import CurrentSession
from cartio_platform.logging import current_correlation_id, get_logger

log = get_logger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


class InternalClient:
    def __init__(self, name: str, base_url: str, service_token: str, *, timeout: float = 10.0) -> None:
        self.name = name  # in error codes and messages: `carts_unavailable`
        self.base_url = base_url
        self._token = service_token
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(self._timeout))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("gateway not started")
        return self._http

    async def call(
        self,
        session: CurrentSession,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """`path` under `/internal/stores/{the session's store}`; ApiError 503 when the service is down."""
        url = f"/internal/stores/{quote(session.store_hash, safe='')}{path}"
        send_headers = {
            "Authorization": f"Bearer {self._token}",
            "X-Cartio-Actor": session.actor,
            "Accept": "application/json",
            **({"X-Correlation-Id": cid} if (cid := current_correlation_id()) else {}),
            **(headers or {}),
        }
        unavailable = f"{self.name}_unavailable"
        try:
            upstream = await self.http.request(method, url, params=params, json=body, headers=send_headers)
        except httpx.TimeoutException:
            log.warning("internal service timed out", service=self.name, method=method, path=path)
            raise ApiError(503, unavailable, f"The {self.name} service did not answer in time; try again shortly.",
                           headers={"Retry-After": "2"}) from None
        except httpx.TransportError as exc:
            log.warning("internal service unreachable", service=self.name, method=method, path=path,
                        error=str(exc))
            raise ApiError(503, unavailable, f"The {self.name} service is not reachable; try again shortly.",
                           headers={"Retry-After": "2"}) from None
        if upstream.status_code == 401:
            # Our service token was refused: the merchant's session is fine, the gateway is misconfigured.
            log.error("internal service refused the service token", service=self.name, path=path)
            raise ApiError(502, "upstream_refused", f"The gateway could not authenticate to the {self.name} service.")
        if upstream.status_code >= 500:
            log.warning("internal service failed", service=self.name, method=method, path=path,
                        status=upstream.status_code)
        return upstream

    async def forward(
        self,
        session: CurrentSession,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Call the service and answer with its status and JSON body."""
        upstream = await self.call(session, method, path, params=params, body=body, headers=headers)
        status = upstream.status_code
        if status == 204 or not upstream.content:
            return Response(status_code=status, headers=NO_STORE)
        if upstream.headers.get("content-type", "").startswith("application/json"):
            # Our services answer JSON in the platform's shapes: passed through as bytes, not decoded and
            # encoded again (issue 16: 50 cart rows parsed and rendered once more on every page of the list).
            return Response(upstream.content, status_code=status, headers=NO_STORE, media_type="application/json")
        try:
            content = upstream.json()
        except ValueError:
            if status >= 500:
                raise ApiError(503, f"{self.name}_unavailable",
                               f"The {self.name} service failed; try again shortly.") from None
            raise ApiError(502, "upstream_error", f"The {self.name} service answered {status} without JSON.") from None
        return JSONResponse(content, status_code=status, headers=NO_STORE)
