"""The cart list's parameters, validated, and its opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import cast

from .cart import USER_TYPES, UserType
from .money import utc
from .status import STATUSES, Status


class BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class ListQuery:
    status: Status | None = None
    user_type: UserType | None = None
    q: str | None = None
    updated_since: datetime | None = None
    min_total: Decimal | None = None
    limit: int = 50
    after: tuple[datetime, uuid.UUID] | None = None
    # The rare part of `q` the trigram index is asked for (domain.search.index_part); None: `q` itself.
    q_index_part: str | None = None


MAX_LIMIT = 200


def parse_list_query(
    *, status: str | None = None, user_type: str | None = None, q: str | None = None,
    updated_since: str | None = None, min_total: str | None = None, limit: str | None = None,
    cursor: str | None = None,
) -> ListQuery:
    """Validate the listing's query parameters (raw strings); BadParameter says which one is wrong."""
    if status is not None and status != "" and status not in STATUSES:
        raise BadParameter("status", f"must be one of {', '.join(STATUSES)}")
    if user_type is not None and user_type != "" and user_type not in USER_TYPES:
        raise BadParameter("user_type", "must be guest or customer")
    text = (q or "").strip()
    if len(text) > 200:
        raise BadParameter("q", "must be at most 200 characters")
    if "\x00" in text:
        raise BadParameter("q", "must not contain the NUL character")
    since: datetime | None = None
    if updated_since:
        try:
            since = datetime.fromisoformat(updated_since.strip().replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise BadParameter("updated_since", "must be an ISO 8601 time, e.g. 2026-03-01T00:00:00Z") from None
        try:
            since = utc(since)
        except OverflowError:  # at the calendar's very edge, e.g. 9999-12-31T23:59:59-01:00
            raise BadParameter("updated_since", "must be a time between the years 1 and 9999 in UTC") from None
    minimum: Decimal | None = None
    if min_total:
        try:
            minimum = Decimal(min_total.strip())
        except InvalidOperation:
            raise BadParameter("min_total", "must be a decimal number, e.g. 25.00") from None
        if not minimum.is_finite() or minimum < 0 or minimum > Decimal("1e12"):
            raise BadParameter("min_total", "must be a number between 0 and 10^12")
        # PostgreSQL's numeric refuses e.g. 1E-20000 (a 500 before); no currency has more than 3 decimals.
        if int(minimum.normalize().as_tuple().exponent) < -3:
            raise BadParameter("min_total", "must have at most 3 decimal places")
    size = 50
    if limit is not None and limit != "":
        if not re.fullmatch(r"\s*\d{1,6}\s*", limit):
            raise BadParameter("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
        size = int(limit)
        if not 1 <= size <= MAX_LIMIT:
            raise BadParameter("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    after = decode_cursor(cursor) if cursor else None
    return ListQuery(
        status=cast(Status, status) if status else None,
        user_type=cast(UserType, user_type) if user_type else None,
        q=text.lower() or None,
        updated_since=since,
        min_total=minimum,
        limit=size,
        after=after,
    )


def encode_cursor(updated_at: datetime, cart_id: uuid.UUID) -> str:
    """An opaque keyset cursor: the last row's (updated_at, cart_id)."""
    raw = f"1|{utc(updated_at).isoformat()}|{cart_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        version, at, cart_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        if version != "1":
            raise ValueError(version)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        return utc(when), uuid.UUID(cart_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("cursor", "is not a cursor this API returned") from None
