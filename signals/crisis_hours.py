"""Opening hours of a crisis line as data: weekly windows, day-of-month windows, closures.

A window is written `"<days> HH:MM-HH:MM"` in the line's own time zone:

- days: `daily`, a weekday (`mon` … `sun`), a range (`mon-fri`), a list (`tue,wed,sat`),
  or a day of the month (`10th`, `1st`, `22nd`);
- the end may be `24:00`; an end at or before the start means the next day, so
  `"10th 08:00-08:00"` is 08:00 on the 10th to 08:00 on the 11th and `"daily 22:00-06:00"`
  runs overnight.

`open` windows are unioned, `closed` windows are taken out of them. Hours that depend on
where the caller is (a number that routes to a regional centre) are `"varies"`: such a line
is never reported open, because nothing here can promise that it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

__all__ = ["HOURS_VARY", "HoursError", "Schedule", "Window", "parse_schedule"]

HOURS_VARY = "varies"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES = 24 * 60
# Far enough ahead that an interval still open at its end is "round the clock" in practice.
_LOOKAHEAD_DAYS = 9
_ROUND_THE_CLOCK = timedelta(days=7)

_WINDOW_RE = re.compile(
    r"^(?P<days>[a-z0-9,\-]+)\s+(?P<start>\d{2}:\d{2})\s*-\s*(?P<end>\d{2}:\d{2})$"
)
_MONTH_DAY_RE = re.compile(r"^(?P<n>\d{1,2})(st|nd|rd|th)$")
_CLOCK_RE = re.compile(r"^(?P<h>\d{2}):(?P<m>\d{2})$")


Span = tuple[datetime, datetime]


class HoursError(ValueError):
    """A window is malformed; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Window:
    weekdays: frozenset[int]  # 0 = Monday; empty when `month_day` is set
    month_day: int | None
    start: int  # minutes after midnight
    end: int  # minutes after the start day's midnight; above 1440 when it runs overnight

    def applies_to(self, day: date) -> bool:
        if self.month_day is not None:
            return day.day == self.month_day
        return day.weekday() in self.weekdays

    def interval(self, day: date) -> Span:
        midnight = datetime(day.year, day.month, day.day)
        return midnight + timedelta(minutes=self.start), midnight + timedelta(minutes=self.end)


def _minutes(text: str, *, allow_24: bool) -> int:
    match = _CLOCK_RE.match(text)
    if match is None:
        raise HoursError(f"a time as HH:MM, got {text!r}")
    hours, minutes = int(match["h"]), int(match["m"])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise HoursError(f"a time from 00:00 to {'24:00' if allow_24 else '23:59'}, got {text!r}")
    return hours * 60 + minutes


def _weekday(name: str) -> int:
    if name not in WEEKDAYS:
        raise HoursError(f"a weekday ({', '.join(WEEKDAYS)}), got {name!r}")
    return WEEKDAYS.index(name)


def _days(spec: str) -> tuple[frozenset[int], int | None]:
    if spec == "daily":
        return frozenset(range(7)), None
    month_day = _MONTH_DAY_RE.match(spec)
    if month_day is not None:
        n = int(month_day["n"])
        if not 1 <= n <= 31:
            raise HoursError(f"a day of the month from 1st to 31st, got {spec!r}")
        return frozenset(), n
    weekdays: set[int] = set()
    for part in spec.split(","):
        first, dash, last = part.partition("-")
        if not dash:
            weekdays.add(_weekday(first))
            continue
        lo, hi = _weekday(first), _weekday(last)
        if hi < lo:
            raise HoursError(f"a weekday range in week order such as 'mon-fri', got {part!r}")
        weekdays.update(range(lo, hi + 1))
    return frozenset(weekdays), None


def parse_window(text: str) -> Window:
    match = _WINDOW_RE.match(text.strip().lower())
    if match is None:
        raise HoursError(
            f"a window such as 'mon-fri 09:00-17:00' or '10th 08:00-08:00', got {text!r}"
        )
    weekdays, month_day = _days(match["days"])
    start = _minutes(match["start"], allow_24=False)
    end = _minutes(match["end"], allow_24=True)
    if end <= start:
        end += _DAY_MINUTES
    return Window(weekdays, month_day, start, end)


def _merge(intervals: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    result: list[Span] = []
    for start, end in spans:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces: list[Span] = []
            for a, b in pieces:
                if hole_end <= a or hole_start >= b:
                    next_pieces.append((a, b))
                    continue
                if a < hole_start:
                    next_pieces.append((a, hole_start))
                if hole_end < b:
                    next_pieces.append((hole_end, b))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _inside(windows: Sequence[Window], local: datetime) -> bool:
    today = local.date()
    # A window that started yesterday may run past midnight into today.
    for day in (today, today - timedelta(days=1)):
        for window in windows:
            if window.applies_to(day):
                start, end = window.interval(day)
                if start <= local < end:
                    return True
    return False


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a line answers, in wall-clock time of the line's own zone (naive datetimes)."""

    open: tuple[Window, ...]
    closed: tuple[Window, ...] = ()
    varies: bool = False
    round_the_clock: bool = field(init=False, default=False)

    def _spans(self, windows: Sequence[Window], around: datetime) -> list[Span]:
        first = around.date() - timedelta(days=1)
        days = [first + timedelta(days=n) for n in range(_LOOKAHEAD_DAYS + 2)]
        return _merge(w.interval(d) for d in days for w in windows if w.applies_to(d))

    def open_span(self, local: datetime) -> Span | None:
        """The open interval around `local` (naive, the line's zone), or None when closed."""
        if not self.is_open(local):
            return None
        spans = _subtract(self._spans(self.open, local), self._spans(self.closed, local))
        for start, end in spans:
            if start <= local < end:
                return start, end
        return None

    def is_open(self, local: datetime) -> bool:
        # Checked directly (no interval arithmetic): the crisis reply asks this per line.
        if self.varies:
            return False
        return _inside(self.open, local) and not _inside(self.closed, local)

    def closes_at(self, local: datetime) -> datetime | None:
        """When the current opening ends; None when closed or open round the clock."""
        if self.always_open:
            return None
        span = self.open_span(local)
        if span is None or span[1] - local >= _ROUND_THE_CLOCK:
            return None
        return span[1]

    @property
    def always_open(self) -> bool:
        """Open every minute of every day (24 hours, all year) by its weekly windows."""
        return self.round_the_clock

    def __post_init__(self) -> None:
        whole_days = {
            day for w in self.open if w.start == 0 and w.end >= _DAY_MINUTES for day in w.weekdays
        }
        always = not self.varies and not self.closed and whole_days == set(range(7))
        object.__setattr__(self, "round_the_clock", always)


def parse_schedule(open_: object, closed: object = None) -> Schedule:
    """`open` is a list of windows or "varies"; `closed` an optional list of windows."""
    if open_ == HOURS_VARY:
        if closed:
            raise HoursError("no 'closed' windows when the hours vary")
        return Schedule(open=(), varies=True)
    if not isinstance(open_, list) or not open_ or not all(isinstance(w, str) for w in open_):
        raise HoursError(
            f'a list of windows such as ["daily 00:00-24:00"] or "{HOURS_VARY}", got {open_!r}'
        )
    if closed is None:
        closed = []
    if not isinstance(closed, list) or not all(isinstance(w, str) for w in closed):
        raise HoursError(f'a list of windows such as ["tue 00:00-06:00"], got {closed!r}')
    return Schedule(
        open=tuple(parse_window(w) for w in open_),
        closed=tuple(parse_window(w) for w in closed),
    )
