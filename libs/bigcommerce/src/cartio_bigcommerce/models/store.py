"""Store information (v2 ``/store``): what Cartio needs of the store's settings (name, time zone, currency)."""

from __future__ import annotations

from .base import ApiModel

__all__ = ["StoreInformation", "StoreTimezone"]


class StoreTimezone(ApiModel):
    name: str | None = None  # IANA name, e.g. "America/Chicago"
    raw_offset: int | None = None  # seconds from UTC in standard time
    dst_offset: int | None = None  # seconds from UTC in daylight saving time
    dst_correction: bool | None = None


class StoreInformation(ApiModel):
    id: str | None = None
    name: str | None = None
    domain: str | None = None
    secure_url: str | None = None
    admin_email: str | None = None
    timezone: StoreTimezone | None = None
    language: str | None = None
    currency: str | None = None
    currency_symbol: str | None = None
    decimal_places: int | None = None
    store_id: int | None = None
