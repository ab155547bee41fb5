"""A removed user stays removed (issue 13, point 2): a load link BigCommerce signed before the removal opens no
session; only a link signed after BigCommerce re-adds the user lets them back in."""

from __future__ import annotations

import time
import uuid
import warnings
from typing import Any

import jwt

CLIENT_ID = "cartio-dev-client"
CLIENT_SECRET = "cartio-dev-secret"  # the gw fixture's (tests/integration/conftest.py)


def old_link(store: str, user_id: int, email: str, *, issued_ago: int) -> str:
    """A load link as BigCommerce signed it `issued_ago` seconds ago, unused since (valid for 24 h)."""
    issued = int(time.time()) - issued_ago
    claims = {"aud": CLIENT_ID, "iss": "bc", "iat": issued, "nbf": issued, "exp": issued + 24 * 3600,
              "jti": str(uuid.uuid4()), "sub": f"stores/{store}", "user": {"id": user_id, "email": email},
              "url": "/"}
    with warnings.catch_warnings():  # the development client secret is short; BigCommerce's are long enough
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256")


async def remove(gw: Any, store: str, user_id: int, email: str) -> None:
    answer = await gw.sim("POST", "/_sim/remove_user", store=store, json={"user_id": user_id, "email": email})
    assert answer.json()["ok"] is True, answer.text


async def test_a_link_signed_before_the_removal_opens_no_session(gw: Any) -> None:
    store = await gw.installed_store()
    staff = await gw.merchant(store, user_id=7301, email="leaver@example.com")
    kept = old_link(store, 7301, "leaver@example.com", issued_ago=600)
    await remove(gw, store, 7301, "leaver@example.com")
    assert (await staff.get("/api/me")).status_code == 401

    client = gw.client()
    answer = await client.get("/bigcommerce/load", params={"signed_payload_jwt": kept})
    assert answer.status_code == 403, answer.text
    assert "removed" in answer.text
    assert "set-cookie" not in answer.headers
    assert (await client.get("/api/me")).status_code == 401
    # and it did not bring the user back for anyone else's benefit either
    [(removed_at,)] = await gw.rows("SELECT removed_at FROM users WHERE store_hash = :s AND user_id = 7301", s=store)
    assert removed_at is not None


async def test_a_user_removed_before_ever_opening_cartio_cannot_use_an_old_link(gw: Any) -> None:
    store = await gw.installed_store()
    kept = old_link(store, 7302, "never@example.com", issued_ago=600)
    await remove(gw, store, 7302, "never@example.com")
    answer = await gw.client().get("/bigcommerce/load", params={"signed_payload_jwt": kept})
    assert answer.status_code == 403, answer.text


async def test_a_removed_user_comes_back_with_a_link_signed_after_being_re_added(gw: Any) -> None:
    store = await gw.installed_store()
    await gw.merchant(store, user_id=7303, email="back@example.com")
    await remove(gw, store, 7303, "back@example.com")
    again = await gw.merchant(store, user_id=7303, email="back@example.com")  # a fresh link: BigCommerce re-added
    assert (await again.get("/api/me")).json()["user"] == {"id": 7303, "email": "back@example.com"}
