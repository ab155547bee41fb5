"""Webhook subscriptions (v3 ``/hooks``)."""

from __future__ import annotations

from .base import ApiModel, OptTimestamp

__all__ = ["BlockReason", "BlockedDomain", "Hook", "HooksAdmin", "ListedHook"]


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


class ListedHook(Hook):
    status: str | None = None  # inactive, active, deactivated (BigCommerce turned it off after its retries)


class BlockReason(ApiModel):
    failure_description: str | None = None
    count: int | None = None


class BlockedDomain(ApiModel):
    destination: str
    time_left: int | None = None  # seconds until BigCommerce sends to it again
    reasons: list[BlockReason] = []


class HooksAdmin(ApiModel):
    """`GET /v3/hooks/admin`: notification emails, this app's hooks with their status, its blocked domains."""

    emails: list[str] = []
    hooks_list: list[ListedHook] = []
    blocked_domains: list[BlockedDomain] = []
