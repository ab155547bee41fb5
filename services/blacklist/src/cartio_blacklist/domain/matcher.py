"""The matcher: one store's rules indexed so that judging a cart or order costs the same with 10 or 10,000 rules.

Emails, IPs and countries are hash lookups; an email's domain is looked up label by label from the full domain
to its last label (so `bad.example` catches `shop.bad.example`); CIDR ranges are hash tables per prefix length
(a lookup masks the address once per prefix length in use: at most 33 for IPv4 and 129 for IPv6, whatever the
number of rules). Disabled rules are left out of the index; expiry is judged at match time. An allow rule that
matches wins over every block rule.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from cartio_blacklist.domain.rules import IpAddress, Rule, parse_ip


@dataclass(frozen=True)
class Subject:
    """What a cart or an order shows of its shopper."""

    email: str | None = None
    ips: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    rule: Rule
    matched: str  # what of the subject matched: the address, the IP or the country


@dataclass(frozen=True)
class Verdict:
    matches: tuple[Match, ...] = ()

    @property
    def allowed(self) -> bool:
        return any(m.rule.action == "allow" for m in self.matches)

    @property
    def blocked(self) -> bool:
        return not self.allowed and any(m.rule.action == "block" for m in self.matches)

    @property
    def blocking(self) -> tuple[Match, ...]:
        """The block matches to enforce (none when an allow rule matched)."""
        return () if self.allowed else tuple(m for m in self.matches if m.rule.action == "block")


def email_parts(email: str | None) -> tuple[str, str] | None:
    """The shopper's address and its domain as rules hold them (lower case, ASCII domain), or None."""
    if not email or "@" not in email:
        return None
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
        return valid.normalized.lower(), valid.ascii_domain.lower()
    except EmailNotValidError:
        # Judge it anyway: an address a real store accepted is still its shopper's.
        lowered = email.strip().lower()
        return lowered, lowered.rsplit("@", 1)[1]


def _bits(address: IpAddress) -> int:
    return 32 if address.version == 4 else 128


@dataclass
class StoreIndex:
    """The enabled rules of one store, indexed."""

    emails: dict[str, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    domains: dict[str, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    ips: dict[IpAddress, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    countries: dict[str, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    # version -> prefix length -> network address (as int) -> rules
    networks: dict[int, dict[int, dict[int, list[Rule]]]] = field(default_factory=dict)
    size: int = 0

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> StoreIndex:
        index = cls()
        for rule in rules:
            index.add(rule)
        return index

    def add(self, rule: Rule) -> None:
        if not rule.enabled:
            return
        self.size += 1
        if rule.kind == "email":
            self.emails[rule.value].append(rule)
        elif rule.kind == "email_domain":
            self.domains[rule.value].append(rule)
        elif rule.kind == "ip":
            self.ips[ipaddress.ip_address(rule.value)].append(rule)
        elif rule.kind == "country":
            self.countries[rule.value].append(rule)
        elif rule.kind == "cidr":
            network = ipaddress.ip_network(rule.value)
            by_length = self.networks.setdefault(network.version, {})
            by_length.setdefault(network.prefixlen, defaultdict(list))[int(network.network_address)].append(rule)

    def judge(self, subject: Subject, now: datetime) -> Verdict:
        found: dict[int, Match] = {}

        def take(rules: Iterable[Rule], matched: str) -> None:
            for rule in rules:
                if rule.id not in found and rule.active(now):
                    found[rule.id] = Match(rule, matched)

        parts = email_parts(subject.email)
        if parts is not None:
            address, domain = parts
            take(self.emails.get(address, ()), address)
            labels = domain.split(".")
            for start in range(len(labels)):
                take(self.domains.get(".".join(labels[start:]), ()), address)
        for raw in subject.ips:
            ip = parse_ip(raw)
            if ip is None:
                continue
            take(self.ips.get(ip, ()), str(ip))
            take(self._ranges(ip), str(ip))
        for country in subject.countries:
            code = (country or "").strip().upper()
            if code:
                take(self.countries.get(code, ()), code)
        return Verdict(tuple(sorted(found.values(), key=lambda m: m.rule.id)))

    def _ranges(self, ip: IpAddress) -> Iterable[Rule]:
        by_length = self.networks.get(ip.version)
        if not by_length:
            return
        bits = _bits(ip)
        value = int(ip)
        for length, table in by_length.items():
            shift = bits - length
            yield from table.get((value >> shift) << shift, ())


@dataclass
class Matcher:
    """Every store's index, replaced whole when that store's rules change (readers never see half an update)."""

    stores: dict[str, StoreIndex] = field(default_factory=dict)

    def replace(self, store_hash: str, rules: Iterable[Rule]) -> None:
        self.stores[store_hash] = StoreIndex.build(rules)

    def forget(self, store_hash: str) -> None:
        self.stores.pop(store_hash, None)

    def judge(self, store_hash: str, subject: Subject, now: datetime) -> Verdict:
        index = self.stores.get(store_hash)
        return index.judge(subject, now) if index is not None else Verdict()
