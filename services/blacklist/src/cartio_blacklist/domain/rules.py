"""What a rule is and how its value is validated and normalised (no I/O: email-validator runs without DNS)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

import pycountry
from email_validator import EmailNotValidError, validate_email

Kind = Literal["email", "email_domain", "ip", "cidr", "country"]
Action = Literal["block", "allow"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ACTIONS: tuple[Action, ...] = get_args(Action)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class InvalidRule(ValueError):
    """A rule that cannot be saved; the message says what is wrong, for the merchant."""


@dataclass(frozen=True)
class Rule:
    """A rule as the matcher needs it; `value` is already normalised (see `normalise`)."""

    id: int
    kind: Kind
    value: str
    action: Action = "block"
    enabled: bool = True
    expires_at: datetime | None = None
    note: str | None = None

    def active(self, now: datetime) -> bool:
        return self.enabled and (self.expires_at is None or self.expires_at > now)


def normalise(kind: str, value: str) -> str:
    """The canonical form of a rule's value (what duplicates are judged by); InvalidRule if it is not one."""
    value = value.strip()
    if not value:
        raise InvalidRule(f"a {kind} rule needs a value")
    if kind == "email":
        return normalise_email(value)
    if kind == "email_domain":
        return _domain(value)
    if kind == "ip":
        try:
            return str(plain_ip(ipaddress.ip_address(value)))
        except ValueError:
            raise InvalidRule(f"{value!r} is not an IPv4 or IPv6 address") from None
    if kind == "cidr":
        try:
            # Host bits are forgiven (10.1.2.3/8 means 10.0.0.0/8): the merchant's intent is clear.
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise InvalidRule(f"{value!r} is not an IPv4 or IPv6 range in CIDR notation (like 10.0.0.0/8)") from None
    if kind == "country":
        return _country(value)
    raise InvalidRule(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")


def normalise_email(value: str) -> str:
    """Lower case whole: shoppers type addresses in any case and no real mailbox tells them apart."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidRule(f"{value!r} is not a valid email address: {exc}") from None


def _domain(value: str) -> str:
    domain = value.removeprefix("@").removeprefix("*.")
    try:
        # The domain part of an address, validated as email-validator validates it.
        return validate_email(f"x@{domain}", check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError as exc:
        raise InvalidRule(f"{value!r} is not a valid email domain: {exc}") from None


def _country(value: str) -> str:
    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidRule(f"{value!r} is not an ISO 3166 alpha-2 country code (like US or DE)")
    return code


def plain_ip(address: IpAddress) -> IpAddress:
    """An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_ip(value: str | None) -> IpAddress | None:
    """A shopper's IP as it came in an event, or None if there is none or it is not an address."""
    if not value:
        return None
    try:
        return plain_ip(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
