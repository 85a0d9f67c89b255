"""Exact money arithmetic: Decimal only, amounts rounded to cents half-up, never a float."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from loop.core.errors import BadRequest

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)
# Columns are NUMERIC(20, 6): 14 digits before the point, 6 after.
MAX_ABS = Decimal("1e12")
MAX_PLACES = 6

CURRENCY_SYMBOLS = {
    "EUR": "€",
    "GBP": "£",
    "USD": "$",
    "ZAR": "R",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "JPY": "¥",
    "INR": "₹",
    "NGN": "₦",
    "KES": "KSh",
    "BRL": "R$",
}


def to_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, rate: Decimal) -> Decimal:
    return to_money(quantity * rate)


def totals(amounts: Iterable[Decimal], tax_percent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total): tax is the rounded percentage of the subtotal; total adds the two."""
    subtotal = to_money(sum(amounts, Decimal(0)))
    tax = to_money(subtotal * tax_percent / HUNDRED)
    return subtotal, tax, subtotal + tax


def hours(seconds: int) -> Decimal:
    """Logged seconds as hours, to the hundredth (how time is billed)."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


def checked(
    value: Decimal | int | str, field: str, *, places: int = MAX_PLACES, minimum: Decimal | None = None
) -> Decimal:
    """A finite decimal within the column's range, with at most ``places`` decimals (400 otherwise)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadRequest(f"{field} must be a decimal number", code="validation_error", field=field) from None
    if not number.is_finite():
        raise BadRequest(f"{field} must be a finite number", code="validation_error", field=field)
    if abs(number) >= MAX_ABS:
        raise BadRequest(f"{field} is too large", code="validation_error", field=field)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise BadRequest(
            f"{field} has more than {places} decimal places", code="validation_error", field=field
        )
    if minimum is not None and number < minimum:
        raise BadRequest(f"{field} must be at least {minimum}", code="validation_error", field=field)
    return number + Decimal(0)  # drops a negative zero


# -- wire formats -------------------------------------------------------------------------------------------
def money_str(value: Decimal) -> str:
    return format(to_money(value), "f")


def plain_str(value: Decimal) -> str:
    """Without trailing zeros or an exponent: 2.5, 1.333, 40."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def rate_str(value: Decimal) -> str:
    """At least two decimals (97.50), more when the rate has them (97.125)."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return format(normalized, "f")
    return money_str(value)


def percent_value(value: Decimal) -> int | float:
    """Percentages travel as JSON numbers (15, 15.5), as the invoice examples show them."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return float(normalized)


def display(value: Decimal, currency: str, *, keep_places: bool = False) -> str:
    """For people: €1,140.00, £12.50, R1,150.00, CHF 99.00 (a rate like 97.125 keeps its places when
    ``keep_places``)."""
    places = 2
    if keep_places:
        exponent = value.normalize().as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
    amount = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{sign}{currency.upper()} {digits}"
    return f"{sign}{symbol}{digits}"
