"""OAuth authorization-code exchange for the single-click app install (``GET /auth`` callback)."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from .client import USER_AGENT
from .errors import BigCommerceError, Transient, error_from_response
from .models import TokenResponse

__all__ = ["DEFAULT_LOGIN_URL", "exchange_code"]

DEFAULT_LOGIN_URL = "https://login.bigcommerce.com"

# Errors raised before the request left: the (single-use) code was not spent, so one more try is safe.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


async def exchange_code(
    *,
    login_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    context: str,
    scope: str,
    redirect_uri: str,
    http: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
) -> TokenResponse:
    """Exchange the auth callback's ``code`` for the store's access token.

    ``POST {login_url}/oauth2/token`` with a JSON body. Errors: :class:`InvalidRequest` (400/422, e.g. a used or
    expired code, wrong ``redirect_uri``), :class:`Unauthorized` (401/403, e.g. wrong client secret),
    :class:`Transient` (5xx, network), :class:`BigCommerceError` for an unreadable answer.
    """
    url = f"{login_url.rstrip('/')}/oauth2/token"
    body: dict[str, Any] = {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "context": context,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
    }
    headers = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": USER_AGENT}
    owns_http = http is None
    client = http if http is not None else httpx.AsyncClient()
    try:
        response: httpx.Response | None = None
        for attempt in range(2):
            try:
                response = await client.post(url, json=body, headers=headers, timeout=timeout)
                break
            except _NOT_SENT_ERRORS as exc:
                if attempt == 1:
                    raise Transient(None, "token exchange: connection failed", str(exc)) from exc
            except httpx.TransportError as exc:
                raise Transient(None, "token exchange: transport error", str(exc) or type(exc).__name__) from exc
        assert response is not None
    finally:
        if owns_http:
            await client.aclose()

    if response.status_code >= 400:
        raise error_from_response(response.status_code, response.content, response.headers)
    try:
        return TokenResponse.model_validate_json(response.content)
    except ValidationError as exc:
        raise BigCommerceError(
            response.status_code, "Unexpected token response", str(exc), response.text[:500]
        ) from exc
