"""Vietnamese number style: decimal comma, thousands dot (1,46; 96,5%; 1.234)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Union

Number = Union[int, float, Fraction, Decimal]


def _round(x: Number, places: int) -> Decimal:
    d = Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(repr(x) if isinstance(x, float) else x)
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number_vi(x: Number | None, places: int = 2) -> str:
    """`1.455` → `1,46`; thousands grouped with dots; None → `–`."""
    if x is None:
        return "–"
    d = _round(x, places)
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")


def points_vi(x: Number | None) -> str:
    """Points with two decimals: `1,46`."""
    return number_vi(x, 2)


def percent_vi(rate: Number | None, places: int = 1) -> str:
    """A rate in [0, 1] as a percentage with one decimal: `96,5%`."""
    if rate is None:
        return "–"
    return number_vi(Fraction(rate) * 100 if not isinstance(rate, Decimal) else rate * 100, places) + "%"


def count_vi(n: int | None) -> str:
    """A whole count with thousands dots: `1.234`."""
    return number_vi(n, 0)
