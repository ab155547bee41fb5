"""Verification of the ``signed_payload_jwt`` sent to the load / uninstall / remove_user callbacks."""

from __future__ import annotations

from typing import Any

import jwt
from pydantic import ValidationError

from .errors import InvalidSignedPayload
from .models import SignedPayload

__all__ = ["verify_signed_payload_jwt"]

_REQUIRED_CLAIMS = ["aud", "exp", "nbf", "iat", "jti", "sub"]


def verify_signed_payload_jwt(token: str, *, client_secret: str, client_id: str, leeway_s: int = 10) -> SignedPayload:
    """Verify a ``signed_payload_jwt`` and return its claims.

    HS256 only, keyed by the app's client secret; ``aud`` must equal ``client_id``; ``exp``, ``nbf``, ``iat``,
    ``jti`` and ``sub`` (``stores/{hash}``) are required; ``leeway_s`` tolerates clock skew. Any failure raises
    :class:`InvalidSignedPayload` with ``reason`` one of ``malformed``, ``bad_algorithm``, ``bad_signature``,
    ``expired``, ``not_yet_valid``, ``wrong_audience``, ``missing_claim``, ``bad_claims``, ``misconfigured``.
    Replay protection (rejecting a ``jti`` seen before) is the caller's job.
    """
    if not client_secret or not client_id:
        raise InvalidSignedPayload("misconfigured", "client_secret and client_id are required")
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidSignedPayload("malformed", "not a JWS compact token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidSignedPayload("malformed", str(exc)) from exc
    if header.get("alg") != "HS256":
        raise InvalidSignedPayload("bad_algorithm", f"algorithm {header.get('alg')!r} is not accepted")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            client_secret,
            algorithms=["HS256"],
            audience=client_id,
            leeway=leeway_s,
            options={
                "require": _REQUIRED_CLAIMS,
                "verify_signature": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_aud": True,
            },
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidSignedPayload("expired", str(exc)) from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidSignedPayload("not_yet_valid", str(exc)) from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidSignedPayload("wrong_audience", str(exc)) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidSignedPayload("missing_claim", str(exc)) from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidSignedPayload("bad_signature", str(exc)) from exc
    except jwt.InvalidAlgorithmError as exc:
        raise InvalidSignedPayload("bad_algorithm", str(exc)) from exc
    except jwt.DecodeError as exc:
        raise InvalidSignedPayload("malformed", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise InvalidSignedPayload("bad_claims", str(exc)) from exc
    if claims.get("aud") != client_id:
        # PyJWT also accepts a list containing the audience; BigCommerce sends a single string.
        raise InvalidSignedPayload("wrong_audience", "aud must be exactly the client id")
    try:
        return SignedPayload.model_validate(claims)
    except ValidationError as exc:
        raise InvalidSignedPayload("bad_claims", str(exc)) from exc
