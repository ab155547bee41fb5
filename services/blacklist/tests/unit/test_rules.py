"""Rule values: what is accepted, in which canonical form, and what the merchant is told otherwise."""

from __future__ import annotations

import pytest

from cartio_blacklist.domain.rules import InvalidRule, normalise


@pytest.mark.parametrize(("kind", "value", "canonical"), [
    ("email", " Fraud@Bad.Example ", "fraud@bad.example"),
    ("email_domain", "@Bad.Example", "bad.example"),
    ("email_domain", "*.bad.example", "bad.example"),
    ("ip", "2001:0DB8:0000::0001", "2001:db8::1"),
    ("ip", "::ffff:81.2.69.160", "81.2.69.160"),
    ("cidr", "10.1.2.3/8", "10.0.0.0/8"),
    ("cidr", "2001:db8::/32", "2001:db8::/32"),
    ("country", "de", "DE"),
])
def test_a_valid_value_is_kept_in_its_canonical_form(kind: str, value: str, canonical: str) -> None:
    assert normalise(kind, value) == canonical


@pytest.mark.parametrize(("kind", "value", "says"), [
    ("email", "fraud-at-bad.example", "not a valid email address"),
    ("email_domain", "bad..example", "not a valid email domain"),
    ("ip", "81.2.69.999", "not an IPv4 or IPv6 address"),
    ("cidr", "10.0.0.0/33", "not an IPv4 or IPv6 range"),
    ("country", "XX", "not an ISO 3166 alpha-2 country code"),
    ("country", "USA", "not an ISO 3166 alpha-2 country code"),
    ("ip", "  ", "needs a value"),
    ("phone", "555", "unknown kind"),
])
def test_an_invalid_value_is_refused_with_a_message_saying_what_is_wrong(kind: str, value: str, says: str) -> None:
    with pytest.raises(InvalidRule, match=says):
        normalise(kind, value)
