"""OAuth token exchange and the signed payload of the load / uninstall / remove_user callbacks."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..store_hash import store_hash_from_context
from .base import ApiModel

__all__ = ["PayloadOwner", "PayloadUser", "SignedPayload", "TokenResponse", "TokenUser"]


class TokenUser(ApiModel):
    id: int
    username: str | None = None
    email: str | None = None


class TokenResponse(ApiModel):
    access_token: str = Field(min_length=1)
    scope: str = ""
    user: TokenUser
    owner: TokenUser | None = None
    context: str
    account_uuid: str | None = None

    @property
    def store_hash(self) -> str:
        return store_hash_from_context(self.context)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())


class PayloadUser(ApiModel):
    id: int
    email: str | None = None
    locale: str | None = None


class PayloadOwner(ApiModel):
    id: int
    email: str | None = None


class SignedPayload(ApiModel):
    """Claims of a verified ``signed_payload_jwt`` (load / uninstall / remove_user callbacks)."""

    aud: str
    iss: str | None = None
    iat: int
    nbf: int
    exp: int
    jti: str = Field(min_length=1)
    """Unique token id: the caller keeps the ones it has seen (replay protection)."""
    sub: str
    user: PayloadUser
    owner: PayloadOwner | None = None
    url: str | None = None
    channel_id: int | None = None

    @field_validator("sub")
    @classmethod
    def _sub_is_store(cls, value: str) -> str:
        store_hash_from_context(value)
        return value

    @property
    def store_hash(self) -> str:
        return store_hash_from_context(self.sub)
