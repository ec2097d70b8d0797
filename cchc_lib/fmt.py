"""Vietnamese number style (decimal comma, thousands dot: 1,46; 96,5%; 1.234) and small text helpers."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Union

Number = Union[int, float, Fraction, Decimal]


def _exact(x: Number) -> Fraction:
    """The number as written: a float by its shortest repr (1.455 is 1.455,
    not the binary 1.45499…), the others exactly."""
    if isinstance(x, (int, Fraction, Decimal)):
        return Fraction(x)
    if hasattr(x, "__index__"):  # numpy integers
        return Fraction(int(x))
    return Fraction(repr(float(x)))  # floats, numpy's too (their repr is not a literal)


def _round_digits(f: Fraction, places: int) -> tuple[int, Decimal]:
    n, d = f.numerator, f.denominator
    q = (2 * abs(n) * 10 ** places + d) // (2 * d)  # |f| × 10^places, rounded half up
    signed = -q if n < 0 else q
    return signed, Decimal(signed).scaleb(-places)


def number_vi(x: Number | None, places: int = 2) -> str:
    """`1.455` → `1,46`; thousands grouped with dots; None → `–`."""
    if x is None:
        return "–"
    if isinstance(x, int) and places == 0:
        q, frac = abs(x), ""
    else:
        signed, _ = _round_digits(_exact(x), places)
        q = abs(signed)
        if places:
            q, rest = divmod(q, 10 ** places)
            frac = f"{rest:0{places}d}"
        else:
            frac = ""
    sign = "-" if x < 0 and (q or frac.strip("0")) else ""
    return sign + f"{q:,}".replace(",", ".") + ("," + frac if frac else "")


def points_vi(x: Number | None) -> str:
    """Points with two decimals: `1,46`."""
    return number_vi(x, 2)


def percent_vi(rate: Number | None, places: int = 1) -> str:
    """A rate in [0, 1] as a percentage with one decimal: `96,5%`."""
    if rate is None:
        return "–"
    return number_vi(_exact(rate) * 100, places) + "%"


def count_vi(n: int | None) -> str:
    """A whole count with thousands dots: `1.234`."""
    if type(n) is int:
        return f"{n:,}".replace(",", ".")
    return number_vi(n, 0)


def acronyms(titles: Iterable[str]) -> set[str]:
    """Upper-case words of these titles (TTHC, UBND, ISO, …): kept as they are in sentence case."""
    words = (w.strip("().,;:") for t in titles for w in t.split())
    return {w for w in words if len(w) >= 2 and w.isupper()}


def sentence_case(title: str, keep: set[str]) -> str:
    """'CẢI CÁCH THỦ TỤC HÀNH CHÍNH (TTHC)' → 'Cải cách thủ tục hành chính (TTHC)'."""
    if not title.isupper():
        return title
    out = []
    for i, w in enumerate(title.split()):
        core = w.strip("().,;:")
        word = w if core in keep else w.lower()
        out.append(word[:1].upper() + word[1:] if i == 0 else word)
    return " ".join(out)
