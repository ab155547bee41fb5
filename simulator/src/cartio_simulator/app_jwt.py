"""The `signed_payload_jwt` BigCommerce sends to the app's load, uninstall and remove_user callbacks."""

from __future__ import annotations

import time
import uuid
import warnings

import jwt

from .state import Store


def signed_payload_jwt(
    store: Store,
    client_id: str,
    client_secret: str,
    *,
    user_id: int | None = None,
    email: str | None = None,
    url: str = "/",
) -> str:
    issued = int(time.time())
    claims = {
        "aud": client_id,
        "iss": "bc",
        "iat": issued,
        "nbf": issued,
        "exp": issued + 24 * 3600,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store.hash}",
        "user": {
            "id": user_id if user_id is not None else store.owner_id,
            "email": email or store.owner_email,
            "locale": "en-US",
        },
        "owner": {"id": store.owner_id, "email": store.owner_email},
        "url": url,
        "channel_id": None,
    }
    with warnings.catch_warnings():  # dev secrets are short; BigCommerce's real ones are long enough
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, client_secret, algorithm="HS256")
