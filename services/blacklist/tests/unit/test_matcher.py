"""The matcher against a brute-force reference (every rule tried one by one), and its rules by example."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cartio_blacklist.domain.matcher import StoreIndex, Subject, Verdict, email_parts
from cartio_blacklist.domain.rules import Rule, normalise, parse_ip

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def rule_matches(rule: Rule, subject: Subject) -> bool:
    """One rule judged alone with the standard library."""
    parts = email_parts(subject.email)
    ips = [ip for ip in (parse_ip(raw) for raw in subject.ips) if ip is not None]
    if rule.kind == "email":
        return parts is not None and parts[0] == rule.value
    if rule.kind == "email_domain":
        return parts is not None and (parts[1] == rule.value or parts[1].endswith("." + rule.value))
    if rule.kind == "ip":
        return ipaddress.ip_address(rule.value) in ips
    if rule.kind == "cidr":
        network = ipaddress.ip_network(rule.value)
        return any(ip.version == network.version and ip in network for ip in ips)
    return rule.value in {c.strip().upper() for c in subject.countries if c}


def reference(rules: list[Rule], subject: Subject, now: datetime) -> set[int]:
    """The ids of every active rule that matches, trying the rules one by one."""
    return {rule.id for rule in rules if rule.active(now) and rule_matches(rule, subject)}


def reference_blocked(rules: list[Rule], subject: Subject, now: datetime) -> bool:
    hit = reference(rules, subject, now)
    actions = {r.action for r in rules if r.id in hit}
    return "block" in actions and "allow" not in actions


# Small alphabets so that rules and subjects collide often.
labels = st.sampled_from(["bad", "shop", "mail", "example", "ok", "co"])
domains = st.lists(labels, min_size=2, max_size=4).map(".".join)
emails = st.builds(lambda local, domain: f"{local}@{domain}", st.sampled_from(["ana", "Bo", "FRAUD", "x.y"]),
                   domains)
# Addresses near a few bases (low bits vary), so that ranges of most prefix lengths contain some of them.
ipv4 = st.builds(lambda base, low: ipaddress.IPv4Address(base | low),
                 st.sampled_from([0x51024500, 0x0A000000, 0xC0A80000]), st.integers(0, 0xFFF))
ipv6 = st.builds(lambda base, low: ipaddress.IPv6Address(base | low),
                 st.sampled_from([0x20010DB8 << 96, 0xFE80 << 112]), st.integers(0, 0xFFF))
addresses = st.one_of(ipv4, ipv6)
countries = st.sampled_from(["US", "DE", "fr", "GB", "jp", "BR"])
expiries = st.one_of(st.none(), st.sampled_from([NOW - timedelta(minutes=1), NOW, NOW + timedelta(days=1)]))


@st.composite
def rule_specs(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["email", "email_domain", "ip", "cidr", "country"]))
    if kind == "email":
        value = draw(emails)
    elif kind == "email_domain":
        value = draw(st.one_of(domains, labels.map(lambda tld: f"bad.{tld}")))
    elif kind == "ip":
        value = str(draw(addresses))
    elif kind == "cidr":
        address = draw(addresses)
        bits = address.max_prefixlen
        value = f"{address}/{draw(st.one_of(st.integers(bits - 14, bits), st.integers(0, bits)))}"
    else:
        value = draw(countries)
    return kind, value


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    specs = draw(st.lists(rule_specs(), max_size=25))
    return [
        Rule(id=i + 1, kind=kind, value=normalise(kind, value),  # type: ignore[arg-type]
             action=draw(st.sampled_from(["block", "block", "allow"])), enabled=draw(st.booleans()),
             expires_at=draw(expiries))
        for i, (kind, value) in enumerate(specs)
    ]


subjects = st.builds(
    Subject,
    email=st.one_of(st.none(), emails),
    ips=st.lists(addresses.map(str), max_size=3).map(tuple),
    countries=st.lists(countries, max_size=2).map(tuple),
)


@settings(max_examples=400, deadline=None)
@given(rule_sets(), subjects)
def test_the_index_finds_exactly_the_rules_the_brute_force_reference_finds(rules: list[Rule],
                                                                           subject: Subject) -> None:
    verdict = StoreIndex.build(rules).judge(subject, NOW)
    assert {m.rule.id for m in verdict.matches} == reference(rules, subject, NOW)
    assert verdict.blocked == reference_blocked(rules, subject, NOW)


@settings(max_examples=200, deadline=None)
@given(rule_sets(), subjects)
def test_an_allow_rule_that_matches_means_nothing_is_enforced(rules: list[Rule], subject: Subject) -> None:
    verdict = StoreIndex.build(rules).judge(subject, NOW)
    if verdict.allowed:
        assert not verdict.blocked
        assert verdict.blocking == ()


def judge(rules: list[tuple[str, str]], subject: Subject, **extra: object) -> Verdict:
    index = StoreIndex.build(
        Rule(id=i + 1, kind=kind, value=normalise(kind, value), **extra)  # type: ignore[arg-type]
        for i, (kind, value) in enumerate(rules)
    )
    return index.judge(subject, NOW)


def test_an_email_rule_matches_whatever_the_case() -> None:
    assert judge([("email", "Fraud@Bad.Example")], Subject(email="fraud@BAD.example")).blocked
    assert not judge([("email", "fraud@bad.example")], Subject(email="fraudster@bad.example")).blocked


def test_a_domain_rule_matches_the_domain_and_its_subdomains_but_not_lookalikes() -> None:
    rules = [("email_domain", "bad.example")]
    assert judge(rules, Subject(email="a@bad.example")).blocked
    assert judge(rules, Subject(email="a@mail.shop.BAD.example")).blocked
    assert not judge(rules, Subject(email="a@notbad.example")).blocked
    assert not judge(rules, Subject(email="a@bad.example.com")).blocked


def test_ip_rules_match_v4_v6_and_v4_mapped_addresses() -> None:
    assert judge([("ip", "81.2.69.160")], Subject(ips=("::ffff:81.2.69.160",))).blocked
    assert judge([("ip", "2001:DB8::1")], Subject(ips=("2001:db8:0:0::1",))).blocked
    assert not judge([("ip", "81.2.69.160")], Subject(ips=("81.2.69.161",))).blocked


def test_cidr_rules_match_addresses_inside_the_range_only() -> None:
    rules = [("cidr", "81.144.0.0/12"), ("cidr", "2001:db8::/32")]
    assert judge(rules, Subject(ips=("81.159.255.255",))).blocked
    assert not judge(rules, Subject(ips=("81.160.0.0",))).blocked
    assert judge(rules, Subject(ips=("2001:db8:ffff::1",))).blocked
    assert not judge(rules, Subject(ips=("2001:db9::1",))).blocked
    assert judge([("cidr", "0.0.0.0/0")], Subject(ips=("8.8.8.8",))).blocked


def test_a_country_rule_matches_any_of_the_subject_s_countries() -> None:
    verdict = judge([("country", "de")], Subject(countries=("US", "DE")))
    assert verdict.blocked
    assert verdict.matches[0].matched == "DE"


def test_an_allow_rule_beats_a_block_rule_of_another_kind() -> None:
    index = StoreIndex.build([
        Rule(id=1, kind="country", value="GB"),
        Rule(id=2, kind="ip", value="81.2.69.160", action="allow"),
    ])
    office = index.judge(Subject(ips=("81.2.69.160",), countries=("GB",)), NOW)
    assert not office.blocked
    assert {m.rule.id for m in office.matches} == {1, 2}
    assert index.judge(Subject(ips=("81.2.69.161",), countries=("GB",)), NOW).blocked


def test_expired_and_disabled_rules_do_not_match() -> None:
    index = StoreIndex.build([
        Rule(id=1, kind="email", value="a@b.example", expires_at=NOW),
        Rule(id=2, kind="email", value="c@b.example", enabled=False),
        Rule(id=3, kind="email", value="d@b.example", expires_at=NOW + timedelta(seconds=1)),
    ])
    assert not index.judge(Subject(email="a@b.example"), NOW).matches
    assert not index.judge(Subject(email="c@b.example"), NOW).matches
    assert index.judge(Subject(email="d@b.example"), NOW).blocked


def test_garbage_in_a_subject_matches_nothing_and_raises_nothing() -> None:
    index = StoreIndex.build([Rule(id=1, kind="cidr", value="0.0.0.0/0")])
    assert not index.judge(Subject(email="not an email", ips=("999.1.1.1", ""), countries=("",)), NOW).matches
