"""signed_payload_jwt verification: HS256 only, audience = client id, required claims."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest

from cartio_bigcommerce import InvalidSignedPayload, verify_signed_payload_jwt

SECRET = "test-client-secret-" + "0123456789abcdef" * 4
CLIENT_ID = "test-client-id"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": CLIENT_ID,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86400,
        "jti": str(uuid.uuid4()),
        "sub": "stores/ab12cd",
        "user": {"id": 501, "email": "ops@shop.example", "locale": "en-US"},
        "owner": {"id": 500, "email": "boss@shop.example"},
        "url": "/",
        "channel_id": None,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not ...}


def _sign(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _verify(token: str) -> Any:
    return verify_signed_payload_jwt(token, client_secret=SECRET, client_id=CLIENT_ID)


def test_valid_token() -> None:
    claims = _claims()
    payload = _verify(_sign(claims))
    assert payload.store_hash == "ab12cd"
    assert payload.jti == claims["jti"]
    assert payload.user.id == 501
    assert payload.owner is not None
    assert payload.owner.email == "boss@shop.example"
    assert payload.channel_id is None


def test_leeway_tolerates_small_skew() -> None:
    now = int(time.time())
    payload = _verify(_sign(_claims(iat=now + 5, nbf=now + 5)))
    assert payload.nbf == now + 5


@pytest.mark.parametrize(
    ("token_factory", "reason"),
    [
        (lambda: _sign(_claims(exp=int(time.time()) - 60)), "expired"),
        (lambda: _sign(_claims(nbf=int(time.time()) + 600, iat=int(time.time()) + 600)), "not_yet_valid"),
        (lambda: _sign(_claims(aud="someone-else")), "wrong_audience"),
        (lambda: _sign(_claims(aud=[CLIENT_ID, "other"])), "wrong_audience"),
        (lambda: _sign(_claims(), secret="another-secret-" + "0123456789abcdef" * 4), "bad_signature"),
        (lambda: _sign(_claims(), algorithm="HS512"), "bad_algorithm"),
        (lambda: _sign(_claims(jti=...)), "missing_claim"),
        (lambda: _sign(_claims(sub=...)), "missing_claim"),
        (lambda: _sign(_claims(exp=...)), "missing_claim"),
        (lambda: _sign(_claims(nbf=...)), "missing_claim"),
        (lambda: _sign(_claims(iat=...)), "missing_claim"),
        (lambda: _sign(_claims(sub="not-a-store")), "bad_claims"),
        (lambda: _sign(_claims(user=...)), "bad_claims"),
        (lambda: "not.a.jwt", "malformed"),
        (lambda: "garbage", "malformed"),
        (lambda: "", "malformed"),
    ],
)
def test_rejected(token_factory: Any, reason: str) -> None:
    with pytest.raises(InvalidSignedPayload) as info:
        _verify(token_factory())
    assert info.value.reason == reason


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_none_algorithm_refused() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    with pytest.raises(InvalidSignedPayload) as info:
        _verify(token)
    assert info.value.reason == "bad_algorithm"


def test_header_claiming_hs256_with_tampered_claims_refused() -> None:
    header, _claims_part, signature = _sign(_claims()).split(".")
    forged = f"{header}.{_b64(_claims(sub='stores/evil'))}.{signature}"
    with pytest.raises(InvalidSignedPayload) as info:
        _verify(forged)
    assert info.value.reason == "bad_signature"


def test_missing_configuration_refused() -> None:
    with pytest.raises(InvalidSignedPayload) as info:
        verify_signed_payload_jwt(_sign(_claims()), client_secret="", client_id=CLIENT_ID)
    assert info.value.reason == "misconfigured"
