"""Durations as written in the configuration file: ``90s``, ``10m``, ``6h``, ``2d``, ``1h30m``.

The configuration (``checkin.nudge_after``, ``escalation.ack_p1``, ...) writes every delay in
this one compact form so coordinators see the same words everywhere. Parsing is strict: units
appear largest first (``d``, ``h``, ``m``, ``s``), each at most once, with whole numbers only, so
that a typo is an error at start-up rather than a silently wrong delay.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

__all__ = ["DURATION_FORM", "format_duration", "parse_duration"]

DURATION_FORM = "a number and unit such as '90s', '10m', '6h', '2d' or combined like '1h30m'"

_UNITS: tuple[tuple[str, int], ...] = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_PATTERN = re.compile(
    r"^(?:(?P<d>[0-9]+)d)?\s*(?:(?P<h>[0-9]+)h)?\s*(?:(?P<m>[0-9]+)m)?\s*(?:(?P<s>[0-9]+)s)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"10m"``, ``"6h"``, ``"2d"`` or a combination like ``"1h30m"``.

    Full-width characters are accepted (NFKC), spaces between parts are allowed, and case is
    ignored. Raises ``ValueError`` naming the expected form for anything else, including an
    empty string or a bare number (a bare ``10`` could mean seconds or minutes; we refuse to
    guess a delay that decides when a person's silence reaches a worker).
    """
    normal = unicodedata.normalize("NFKC", text).strip().lower()
    match = _PATTERN.match(normal)
    if not normal or match is None or not any(match.group(u) for u, _ in _UNITS):
        raise ValueError(f"invalid duration {text!r}: expected {DURATION_FORM}")
    seconds = sum(int(match.group(u) or 0) * factor for u, factor in _UNITS)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"invalid duration {text!r}: too long") from None


def format_duration(td: timedelta) -> str:
    """Format a duration in the same form :func:`parse_duration` reads (``1h30m``, ``0s``).

    Only whole, non-negative seconds can be written; anything else raises ``ValueError`` so
    that ``parse_duration(format_duration(td)) == td`` always holds.
    """
    if td < timedelta(0):
        raise ValueError(f"cannot format a negative duration: {td!r}")
    if td.microseconds:
        raise ValueError(f"cannot format a fractional-second duration: {td!r}")
    remaining = int(td.total_seconds())
    if remaining == 0:
        return "0s"
    parts: list[str] = []
    for unit, factor in _UNITS:
        count, remaining = divmod(remaining, factor)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
