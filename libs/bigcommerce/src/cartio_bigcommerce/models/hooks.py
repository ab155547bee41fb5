"""Webhook subscriptions (v3 ``/hooks``)."""

from __future__ import annotations

from .base import ApiModel, OptTimestamp

__all__ = ["Hook"]


class Hook(ApiModel):
    id: int
    client_id: str | None = None
    store_hash: str | None = None
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None
    created_at: OptTimestamp = None
    updated_at: OptTimestamp = None
