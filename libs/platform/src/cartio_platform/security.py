"""Secrets shared by services: the per-store webhook secret and encryption of store tokens at rest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request

from cartio_platform.errors import ApiError

WEBHOOK_SECRET_HEADER = "X-Cartio-Secret"
# For local runs and tests only; a deployment sets CARTIO_ENCRYPTION_KEY (see docs/deploy-bigcommerce.md).
DEV_ENCRYPTION_KEY = "Y2FydGlvLWRldi1lbmNyeXB0aW9uLWtleS0wMDAwMDA="


def new_install_nonce() -> str:
    """A fresh random value for one install: the store's webhook secret changes with it (issue 13.3)."""
    return secrets.token_hex(16)


def webhook_secret(key: str, store_hash: str, nonce: str | None = None) -> str:
    """The secret header value BigCommerce echoes on every webhook of a store, for one install.

    HMAC of the store hash and the install's random nonce, so a leaked secret dies with the next install and
    the nonce alone (carried by `store.installed`) gives nothing without the key. `nonce=None` is the secret
    of an install made before nonces existed (HMAC of the store hash alone), until its next install.
    """
    message = store_hash if nonce is None else f"{store_hash}:{nonce}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def webhook_secret_matches(key: str, store_hash: str, presented: str | None, nonce: str | None = None) -> bool:
    if not presented:
        return False
    # As bytes: compare_digest raises TypeError on a str with non-ASCII characters, which anyone can send.
    expected = webhook_secret(key, store_hash, nonce).encode()
    return hmac.compare_digest(expected, presented.encode("utf-8", "replace"))


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC) around store access tokens."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("token cannot be decrypted with this key") from exc


async def require_service_token(request: Request) -> None:
    """FastAPI dependency of every internal API: `Authorization: Bearer <CARTIO_SERVICE_TOKEN>` (the app's
    `state.settings`). `async def`, though it awaits nothing: FastAPI runs a plain `def` dependency in a worker
    thread, a thread hop on every internal call."""
    _check_bearer(request, request.app.state.settings.service_token.get_secret_value())


def service_token_of(expected: str) -> Callable[[Request], Awaitable[None]]:
    """The same check as a dependency that is given the token (the platform's /readyz and /metrics)."""

    async def check(request: Request) -> None:
        _check_bearer(request, expected)

    return check


def _check_bearer(request: Request, expected: str) -> None:
    # Compared as bytes, so a non-ASCII header is a plain 401, not a TypeError.
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "A valid service token is required (Authorization: Bearer ...)")
