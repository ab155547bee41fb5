"""Store information (v2 `GET /store`): the store's name, time zone and currency, as BigCommerce answers it;
and the control call that changes them (`PATCH /_sim/store/information`), as the merchant would in the
control panel's store settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..control.common import sim_of
from ..state import Json, Store
from .common import ctx

router = APIRouter()
# Either of BigCommerce's two scopes for "Information & Settings" reads it.
READ = ("store_v2_information", "store_v2_information_read_only")
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def _offsets(name: str, year: int) -> tuple[int, int]:
    """(standard, daylight) offsets from UTC in seconds, as BigCommerce's raw_offset and dst_offset."""
    tz = ZoneInfo(name)
    offsets = []
    for month in (1, 7):
        offset = datetime(year, month, 1, 12, tzinfo=tz).utcoffset()
        offsets.append(int(offset.total_seconds()) if offset is not None else 0)
    return min(offsets), max(offsets)


def store_information(store: Store, domain: str) -> Json:
    raw, dst = _offsets(store.timezone, store.created.year)
    return {
        "id": store.hash,
        "domain": domain,
        "secure_url": f"https://{domain}",
        "status": "live",
        "name": store.name,
        "first_name": "Store",
        "last_name": "Owner",
        "address": "",
        "country": "United States",
        "country_code": "US",
        "phone": "",
        "admin_email": store.owner_email,
        "order_email": store.owner_email,
        "favicon_url": "",
        "timezone": {
            "name": store.timezone, "raw_offset": raw, "dst_offset": dst, "dst_correction": raw != dst,
            "date_format": {"display": "jS M Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"},
        },
        "language": "en",
        "currency": store.currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(store.currency, store.currency),
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 0 if store.currency == "JPY" else 2,
        "currency_symbol_location": "left",
        "weight_units": "LBS",
        "dimension_units": "Inches",
        "dimension_decimal_places": "2",
        "dimension_decimal_token": ".",
        "dimension_thousands_token": ",",
        "plan_name": "Standard",
        "plan_level": "Standard",
        "plan_is_trial": False,
        "industry": "",
        "logo": [],
        "is_price_entered_with_tax": False,
        "store_id": int(store.id),
        "default_site_id": 1000,
        "default_channel_id": 1,
        "active_comparison_modules": [],
        "features": {"stencil_enabled": True, "sitewidehttps_enabled": True, "facebook_catalog_id": "",
                     "checkout_type": "optimized", "wishlists_enabled": True, "graphql_storefront_api_enabled": True,
                     "shopper_consent_tracking_enabled": False, "multi_storefront_enabled": False},
    }


@router.get("/stores/{store_hash}/v2/store")
async def get_store_information(request: Request) -> Json:
    c = ctx(request, *READ)
    return store_information(c.store, f"{c.store.hash}.mybigcommerce.example")


class InformationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=250)
    timezone: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone name") from None
        return value


@router.patch("/_sim/store/information")
async def set_store_information(request: Request, body: InformationIn, store: str | None = None) -> Json:
    target = sim_of(request).store(store)
    for field, value in body.model_dump(exclude_none=True).items():
        setattr(target, field, value)
    return store_information(target, f"{target.hash}.mybigcommerce.example")
