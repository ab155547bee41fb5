"""Storefront scripts (v3 ``/content/scripts``)."""

from __future__ import annotations

from pydantic import Field

from .base import ApiModel, OptTimestamp

__all__ = ["Script"]


class Script(ApiModel):
    uuid: str
    name: str
    description: str | None = None
    kind: str | None = None
    src: str | None = None
    html: str | None = None
    load_method: str | None = None
    location: str | None = None
    visibility: str | None = None
    auto_uninstall: bool | None = None
    consent_category: str | None = None
    enabled: bool | None = None
    channel_id: int | None = None
    integrity_hashes: list[str] = Field(default_factory=list)
    date_created: OptTimestamp = None
    date_modified: OptTimestamp = None
    api_client_id: str | None = None
