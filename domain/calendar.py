"""Days an organisation is closed, beyond its weekly working days: pure values.

Japan's national holidays (祝日) come from a calendar package outside the domain (the
infrastructure passes a predicate in); an organisation adds its own closures in the
configuration, written one per string:

* ``"12-29..01-03"`` — every year, here across the new year (年末年始);
* ``"08-13"`` or ``"08-13..08-16"`` — every year, one day or a span (お盆);
* ``"2027-05-06"`` or ``"2027-12-28..2028-01-05"`` — dated, once.

A span includes both ends. Parsing raises `ValueError` with what is wrong; the settings
loader turns it into the one line naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

__all__ = [
    "Closure",
    "DatedClosure",
    "YearlyClosure",
    "closed_by",
    "format_closure",
    "parse_closure",
]

_LEAP_YEAR = 2024
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class YearlyClosure:
    """Closed every year from ``first`` to ``last`` (month, day), across 31 Dec if needed."""

    first: tuple[int, int]
    last: tuple[int, int]

    def covers(self, day: date) -> bool:
        month_day = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= month_day <= self.last
        return month_day >= self.first or month_day <= self.last


@dataclass(frozen=True, slots=True)
class DatedClosure:
    """Closed from ``first`` to ``last``, once."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


Closure = YearlyClosure | DatedClosure


def _month_day(text: str) -> tuple[int, int] | None:
    found = _MONTH_DAY.fullmatch(text)
    if found is None:
        return None
    month, day = int(found[1]), int(found[2])
    date(_LEAP_YEAR, month, day)  # 02-29 is allowed; 13-40 raises ValueError
    return month, day


def parse_closure(text: str) -> Closure:
    """One closure as the configuration writes it (see the module docstring)."""
    first_text, span, last_text = text.strip().partition("..")
    if not span:
        last_text = first_text
    first_md, last_md = _month_day(first_text), _month_day(last_text)
    if first_md is not None and last_md is not None:
        return YearlyClosure(first_md, last_md)
    if _DATE.fullmatch(first_text) and _DATE.fullmatch(last_text):
        first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
        if last < first:
            raise ValueError("a dated span must not end before it starts")
        return DatedClosure(first, last)
    raise ValueError(f"not a closed day: {text!r}")


def format_closure(closure: Closure) -> str:
    if isinstance(closure, DatedClosure):
        first, last = closure.first.isoformat(), closure.last.isoformat()
    else:
        first, last = (f"{m:02d}-{d:02d}" for m, d in (closure.first, closure.last))
    return first if first == last else f"{first}..{last}"


def closed_by(
    closures: Iterable[Closure], holiday: Callable[[date], bool] | None = None
) -> Callable[[date], bool]:
    """A predicate: is `day` a holiday (when a calendar is given) or in a closure?"""
    spans = tuple(closures)

    def closed(day: date) -> bool:
        return (holiday is not None and holiday(day)) or any(c.covers(day) for c in spans)

    return closed
