"""Shopper identity: a short browser label (ua-parser) and the country of an IP (offline geoip2fast data,
loaded once on first use)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

_OS_NAMES = {"Mac OS X": "macOS", "Windows": "Windows", "iOS": "iOS", "Android": "Android", "Linux": "Linux",
             "Chrome OS": "ChromeOS", "Ubuntu": "Ubuntu"}


@lru_cache(maxsize=4096)
def browser_from_user_agent(user_agent: str | None) -> str | None:
    """A short browser label from a User-Agent header, e.g. "Chrome 131 on Windows" (ua-parser)."""
    if not user_agent or not user_agent.strip():
        return None
    import ua_parser

    result = ua_parser.parse(user_agent[:1024])
    agent = result.user_agent
    if agent is None or not agent.family or agent.family == "Other":
        return None
    label = f"{agent.family} {agent.major}" if agent.major else agent.family
    os_ = result.os
    if os_ is not None and os_.family and os_.family != "Other":
        label += f" on {_OS_NAMES.get(os_.family, os_.family)}"
    return label


@lru_cache(maxsize=1)
def _geoip() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the package's own regex escapes
        from geoip2fast import GeoIP2Fast

        return GeoIP2Fast(verbose=False)


def country_from_ip(ip: str | None) -> str | None:
    """ISO 3166 alpha-2 country of a public IP address from the offline geoip2fast data; None if unknown."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if not address.is_global:
        return None
    try:
        code = _geoip().lookup(str(address)).country_code
    except Exception:
        return None
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code.upper() not in ("ZZ", "XX"):
        return code.upper()
    return None


def normalize_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None
