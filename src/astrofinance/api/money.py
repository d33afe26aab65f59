"""Money in request bodies: a JSON string ("1200.50") or number (1200.5), parsed to an exact
Decimal; more than 2 decimals, zero, negatives, NaN, infinities and booleans are refused with
a 422 naming the field (body.amount) and the reason."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

MAX_AMOUNT = Decimal("9999999999999999.99")
"""The largest amount NUMERIC(18,2) holds."""


def parse_amount(value: Any) -> Decimal:
    """A positive amount with at most 2 decimals, exactly as written (a JSON number goes
    through its shortest text form, so 1200.5 is 1200.50, never 1200.4999...)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("an amount is a decimal string like \"1200.50\" or a number")
    text = value.strip() if isinstance(value, str) else str(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount (like \"1200.50\")") from None
    if not amount.is_finite():
        raise ValueError("an amount must be a finite number")
    if amount <= 0:
        raise ValueError(f"an amount must be more than 0, got {value}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"{value} is too large (at most {MAX_AMOUNT})")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than 2 decimals")
    return amount.quantize(Decimal("0.01"))


Money = Annotated[Decimal, BeforeValidator(parse_amount),
                  Field(description="a positive amount with at most 2 decimals: a string "
                                    "(\"1200.50\", preferred: exact) or a number",
                        examples=["1200.50"])]
