"""Money in an email: rounded to the currency's exponent (cartio_platform.money), with its symbol."""

from __future__ import annotations

from decimal import Decimal

from cartio_platform.money import exponent, round_money

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def format_money(amount: Decimal, currency: str) -> str:
    """`$1,234.50`, `¥1,235`, `12.500 KWD`: rounded to the currency's exponent."""
    places = exponent(currency)
    value = round_money(amount, currency)
    text = f"{value:,.{places}f}"
    symbol = _SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{text} {currency.upper()}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
