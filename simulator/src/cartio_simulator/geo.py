"""Countries, their names, and real public IPv4 ranges that geolocate to them."""

from __future__ import annotations

import ipaddress
import random

COUNTRY_NAMES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "MX": "Mexico",
    "BR": "Brazil",
    "AR": "Argentina",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "BE": "Belgium",
    "CH": "Switzerland",
    "AT": "Austria",
    "SE": "Sweden",
    "NO": "Norway",
    "DK": "Denmark",
    "PL": "Poland",
    "PT": "Portugal",
    "JP": "Japan",
    "CN": "China",
    "KR": "South Korea",
    "IN": "India",
    "AU": "Australia",
    "NZ": "New Zealand",
    "ZA": "South Africa",
    "RU": "Russian Federation",
    "NG": "Nigeria",
}

# Address blocks of large consumer ISPs (Comcast, Deutsche Telekom, Orange, BT, SoftBank, Brazilian ISPs).
IP_RANGES: dict[str, list[ipaddress.IPv4Network]] = {
    "US": [ipaddress.IPv4Network("73.0.0.0/10"), ipaddress.IPv4Network("98.0.0.0/12")],
    "DE": [ipaddress.IPv4Network("84.128.0.0/10"), ipaddress.IPv4Network("87.128.0.0/10")],
    "FR": [
        ipaddress.IPv4Network("90.0.0.0/13"),
        ipaddress.IPv4Network("90.16.0.0/12"),
        ipaddress.IPv4Network("86.192.0.0/11"),
    ],
    "GB": [ipaddress.IPv4Network("81.144.0.0/12"), ipaddress.IPv4Network("86.128.0.0/11")],
    "JP": [ipaddress.IPv4Network("126.0.0.0/9")],
    "BR": [ipaddress.IPv4Network("177.0.0.0/13"), ipaddress.IPv4Network("201.0.0.0/13")],
}

# How often each country shows up among synthetic shoppers.
COUNTRY_WEIGHTS: dict[str, int] = {"US": 45, "GB": 15, "DE": 14, "FR": 12, "JP": 7, "BR": 7}


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code.upper())


def random_country(rng: random.Random) -> str:
    codes = list(COUNTRY_WEIGHTS)
    return rng.choices(codes, weights=[COUNTRY_WEIGHTS[c] for c in codes])[0]


def random_ip(rng: random.Random, country: str) -> str:
    network = rng.choice(IP_RANGES[country])
    offset = rng.randrange(1, network.num_addresses - 1)
    return str(network.network_address + offset)


def country_for_ip(ip: str | None) -> str | None:
    """The country of an address from the ranges above; None when unknown or not IPv4."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for code, networks in IP_RANGES.items():
        if any(address in network for network in networks):
            return code
    return None
