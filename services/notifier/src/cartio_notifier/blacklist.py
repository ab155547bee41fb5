"""Asking the blacklist service whether an email is blocked; unreachable means `Temporary`, never unchecked."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from cartio_notifier.domain.delivery import Refused, Temporary


async def check_recipient(
    http: httpx.AsyncClient, base_url: str, token: str, store_hash: str, email: str
) -> Temporary | Refused | None:
    url = f"{base_url}/internal/stores/{quote(store_hash, safe='')}/blacklist/check"
    try:
        answer = await http.post(url, json={"email": email}, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return Temporary(f"blacklist unreachable: {type(exc).__name__}")
    if answer.status_code != 200:
        return Temporary(f"blacklist answered {answer.status_code}")
    body = answer.json()
    if body.get("blocked"):
        rules = ", ".join(f"{r.get('kind')} {r.get('value')}" for r in body.get("rules", []) if isinstance(r, dict))
        return Refused(f"blocked by a blacklist rule ({rules or 'rule'})")
    return None
