"""Money in the currency's own precision: the one table of ISO 4217 minor units every service rounds with.

ISO 4217 gives each currency an exponent (digits after the point): most have 2, JPY and KRW 0, KWD and BHD 3.
No well-kept library on PyPI carries it without a locale database (pycountry has no exponents; babel's CLDR
digits are display digits, which differ from ISO's for a few currencies), so it is written here, once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not 2 (the List One of the ISO 4217 maintenance agency).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}


def exponent(currency: str | None) -> int:
    """Digits after the point in `currency` (an ISO 4217 code); 2 for a code not known or missing."""
    return _EXPONENTS.get((currency or "").upper(), 2)


def round_money(amount: Decimal, currency: str | None) -> Decimal:
    """`amount` rounded half up to the currency's exponent: 1234.5 JPY is 1235, 1.2345 KWD is 1.235."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def money_text(amount: Decimal, currency: str | None) -> str:
    """The decimal string an API answers with: "12.50" USD, "1235" JPY, "1.235" KWD."""
    return f"{round_money(amount, currency):f}"
