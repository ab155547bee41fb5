"""Money in every currency (issue 13, point 9): amounts round to the currency's own ISO 4217 exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cartio_platform.money import exponent, money_text, round_money


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("1234.5", "JPY", "1235"), ("1234.4", "jpy", "1234"), ("0.5", "KRW", "1"),
    ("1.2345", "KWD", "1.235"), ("12", "BHD", "12.000"),
    ("12.345", "USD", "12.35"), ("12.5", "EUR", "12.50"), ("7.125", None, "7.13"), ("7", "XYZ", "7.00"),
])
def test_an_amount_is_shown_in_its_currency_s_own_precision(amount: str, currency: str | None, shown: str) -> None:
    assert money_text(Decimal(amount), currency) == shown


def test_rounding_is_half_up_at_the_currency_s_exponent_and_exponents_follow_iso_4217() -> None:
    assert round_money(Decimal("-1234.5"), "JPY") == Decimal("-1235")
    assert [exponent(c) for c in ("JPY", "KWD", "USD", "CLF")] == [0, 3, 2, 4]
