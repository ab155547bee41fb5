"""The recipient's address, checked for form only (no DNS: the send path must not hang on the network)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class BadRecipient(ValueError):
    pass


def normalized_recipient(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadRecipient(f"{address!r} is not a valid email address: {exc}") from None
