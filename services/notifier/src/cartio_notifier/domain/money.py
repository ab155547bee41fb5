"""Money in the currency's own precision (pycountry has no exponents; ISO 4217 minor units are these)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(amount: Decimal, currency: str) -> str:
    """`$1,234.50`, `¥1,235`, `12.500 KWD`: rounded to the currency's exponent."""
    places = exponent(currency)
    quantum = Decimal(1).scaleb(-places)
    value = Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}"
    symbol = _SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{text} {currency.upper()}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
