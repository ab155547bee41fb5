"""Field types and the base model every BigCommerce model shares.

Response models ignore unknown fields (BigCommerce adds fields over time). Money is ``Decimal`` (v3 sends JSON
numbers, v2 sends strings such as ``"62.6800"``); times are timezone-aware ``datetime`` (v3 ISO 8601, v2 RFC 2822,
hooks unix seconds; naive values are taken as UTC).
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

__all__ = [
    "ApiModel",
    "Money",
    "MoneyIn",
    "OptTimestamp",
    "StrId",
    "Timestamp",
    "empty_to_none",
    "to_str_id",
]


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return Decimal(0)
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    return value


def _to_datetime(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"not an ISO 8601 or RFC 2822 time: {value!r}") from exc
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def to_str_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def empty_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Money = Annotated[Decimal, BeforeValidator(_to_decimal)]
"""An amount read from BigCommerce (JSON number or decimal string)."""

Timestamp = Annotated[datetime, BeforeValidator(_to_datetime)]
"""A timezone-aware time from ISO 8601, RFC 2822 or unix seconds."""

OptTimestamp = Annotated[datetime | None, BeforeValidator(_to_datetime)]
"""Like :data:`Timestamp`; empty strings (v2 ``date_shipped: ""``) and null are ``None``."""

StrId = Annotated[str, BeforeValidator(to_str_id)]
"""An identifier BigCommerce sometimes types as a number, sometimes as a string."""

MoneyIn = Annotated[Decimal, PlainSerializer(float, return_type=float)]
"""An amount sent to BigCommerce (serialised as a JSON number)."""


class ApiModel(BaseModel):
    """Base of every BigCommerce model: unknown fields ignored, fields settable by name or alias."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
