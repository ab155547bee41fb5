"""Signed recovery links: the token in `{public ingest}/r/{token}` of a sent cart email.

The token is `base64url(json).base64url(hmac_sha256(key, json))`: it carries the store, the notification, the
cart and the checkout URL, so ingest verifies it without a database; at each click ingest asks carts for a fresh
checkout URL (BigCommerce's work once) and falls back to the token's when carts cannot answer. Signed, not
encrypted: it holds nothing the shopper may not see (their own checkout link).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_LINK_KEY = "dev-link-key"


@dataclass(frozen=True)
class RecoveryLink:
    store_hash: str
    notification_id: uuid.UUID
    cart_id: uuid.UUID
    checkout_url: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), payload, hashlib.sha256).digest()


def sign_link(key: str, link: RecoveryLink) -> str:
    payload = json.dumps(
        {"s": link.store_hash, "n": str(link.notification_id), "c": str(link.cart_id), "u": link.checkout_url},
        separators=(",", ":"),
    ).encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify_link(key: str, token: str) -> RecoveryLink | None:
    """The link the token carries, or None when it is malformed or not signed with `key`."""
    try:
        body, signature = token.split(".", 1)
        payload = _unb64(body)
        if not hmac.compare_digest(_mac(key, payload), _unb64(signature)):
            return None
        data = json.loads(payload)
        url = str(data["u"])
        if not url.startswith(("https://", "http://")):
            return None
        return RecoveryLink(str(data["s"]), uuid.UUID(data["n"]), uuid.UUID(data["c"]), url)
    except (ValueError, KeyError, TypeError):
        return None


class LinkSettings(BaseSettings):
    """`CARTIO_LINK_KEY`: the key both the notifier (signing) and ingest (verifying) read."""

    model_config = SettingsConfigDict(env_prefix="CARTIO_", extra="ignore")

    link_key: SecretStr = SecretStr(DEV_LINK_KEY)
