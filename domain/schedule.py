"""A person's check-in schedule and the pure computation of the next check-in instant.

Rules (and why):

* Check-ins happen at the person's *local* wall-clock times (``zoneinfo``), on the days the
  day rule allows. Instants going in and out are aware UTC datetimes.
* Quiet hours are a half-open local window ``[quiet_start, quiet_end)`` that may wrap midnight
  (``22:00-07:00``). A slot inside quiet hours is **skipped**, not moved: moving it would
  produce surprising double check-ins right after the quiet period, and a person who set quiet
  hours should simply not be written to then. Jitter never pushes a check-in into quiet hours;
  if it would, that slot uses no jitter.
* Jitter (so messages don't arrive at the same second like an alarm) is deterministic: an
  offset in ``[0, jitter)`` derived from a hash of ``(jitter_key, slot date, slot time)``. A
  restart computes exactly the same instant; nothing is random at run time.
* Daylight saving: a local time that does not exist (spring forward) moves to the first valid
  instant after the gap (the transition itself, e.g. 01:30 in London on the spring-forward day
  becomes 02:00 BST). An ambiguous local time (fall back) uses its first occurrence (fold=0).
* ``min_gap`` (adaptive cadence, 緩やかな見守り) keeps a loosened cadence from writing again too
  soon; it is measured in local wall-clock time so that DST does not shift it by an hour, with
  a tolerance of the schedule's jitter (see :func:`next_checkin`).
* After downtime, a check-in that is more than a window late is skipped and recorded rather
  than sent late (:func:`is_stale`) - a message at 3 a.m. is not "gentle".

Templates ("daily morning", "every 3 days", ...) come from the configuration file, built with
:meth:`Schedule.from_strings`; a coordinator's edit is :meth:`Schedule.with_changes`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_ANCHOR",
    "DEFAULT_TIMEZONE",
    "DayKind",
    "DayRule",
    "Schedule",
    "format_days",
    "format_hhmm",
    "format_quiet_hours",
    "format_times",
    "in_quiet_hours",
    "is_stale",
    "jitter_offset",
    "load_zone",
    "local_to_utc",
    "next_checkin",
    "parse_days",
    "parse_hhmm",
    "parse_quiet_hours",
    "parse_times",
    "time_in_window",
    "validate_own_time",
]

DEFAULT_TIMEZONE = "Asia/Tokyo"
DEFAULT_ANCHOR = date(2000, 1, 3)
"""Anchor used for ``every N days`` when none is given (a Monday). Integrators may prefer the
enrolment date: ``DayRule.every_n_days(3, anchor=enrolled_local_date)``."""

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES: dict[str, int] = {}
for _i, (_short, _long, _ja) in enumerate(
    zip(
        WEEKDAY_KEYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        "月火水木金土日",
        strict=True,
    )
):
    for _alias in (_short, _long, _ja, _ja + "曜", _ja + "曜日"):
        _WEEKDAY_ALIASES[_alias] = _i

_MAX_SEARCH_DAYS = 800


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got naive {instant!r}")


def load_zone(name: str) -> ZoneInfo:
    """``ZoneInfo(name)`` raising ``ValueError`` (not ``ZoneInfoNotFoundError``) when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as "
                         f"'Asia/Tokyo')") from None


def local_to_utc(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, resolving DST the documented way.

    Ambiguous times (fall back) resolve to the first occurrence (fold=0). Nonexistent times
    (spring forward) resolve to the first valid instant after the gap, i.e. the transition.
    """
    naive = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=0 and fold=1 use the offsets before/after the transition; the transition
    # lies between them. Binary-search the first second whose local wall time reaches `naive`.
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo = int(min(first, other).timestamp())
    hi = int(max(first, other).timestamp()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def time_in_window(t: time, start: time, end: time) -> bool:
    """``t`` in the half-open local window ``[start, end)``, which wraps midnight if
    ``start > end``. An empty window (``start == end``) contains nothing."""
    t = t.replace(tzinfo=None, fold=0)
    if start <= end:
        return start <= t < end
    return t >= start or t < end


# --------------------------------------------------------------------------- day rules


class DayKind(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    CHOSEN = "chosen"
    EVERY_N = "every_n"


@dataclass(frozen=True, slots=True)
class DayRule:
    """Which local dates have check-ins.

    * ``daily``: every day.
    * ``weekdays``: Monday to Friday.
    * ``chosen``: the given weekdays (0 = Monday .. 6 = Sunday).
    * ``every_n``: every ``every`` days counted from the local date ``anchor`` (dates before
      the anchor follow the same rhythm). ``every == 1`` behaves like daily.

    Use the constructors :meth:`daily`, :meth:`weekdays_only`, :meth:`on`, :meth:`every_n_days`.
    """

    kind: DayKind
    weekdays: frozenset[int] = frozenset()
    every: int = 1
    anchor: date = DEFAULT_ANCHOR

    def __post_init__(self) -> None:
        if self.kind is DayKind.CHOSEN:
            if not self.weekdays or not self.weekdays <= frozenset(range(7)):
                raise ValueError("chosen weekdays must be a non-empty set of 0 (Mon)..6 (Sun)")
        elif self.weekdays:
            raise ValueError(f"weekdays only apply to 'chosen' rules, not {self.kind}")
        if self.kind is DayKind.EVERY_N:
            if isinstance(self.every, bool) or not 1 <= self.every <= 366:
                raise ValueError("every N days needs 1 <= N <= 366")
        elif self.every != 1:
            raise ValueError(f"'every' only applies to 'every_n' rules, not {self.kind}")

    @classmethod
    def daily(cls) -> DayRule:
        return cls(DayKind.DAILY)

    @classmethod
    def weekdays_only(cls) -> DayRule:
        return cls(DayKind.WEEKDAYS)

    @classmethod
    def on(cls, weekdays: Iterable[int]) -> DayRule:
        return cls(DayKind.CHOSEN, weekdays=frozenset(weekdays))

    @classmethod
    def every_n_days(cls, n: int, anchor: date = DEFAULT_ANCHOR) -> DayRule:
        return cls(DayKind.EVERY_N, every=n, anchor=anchor)

    @property
    def is_daily(self) -> bool:
        """True when no day is ever skipped."""
        return (
            self.kind is DayKind.DAILY
            or (self.kind is DayKind.EVERY_N and self.every == 1)
            or (self.kind is DayKind.CHOSEN and len(self.weekdays) == 7)
        )

    def allows(self, local_date: date) -> bool:
        if self.kind is DayKind.DAILY:
            return True
        if self.kind is DayKind.WEEKDAYS:
            return local_date.weekday() < 5
        if self.kind is DayKind.CHOSEN:
            return local_date.weekday() in self.weekdays
        return (local_date - self.anchor).days % self.every == 0


_EVERY_RE = re.compile(r"^every\s+([0-9]+)\s+days?(?:\s+from\s+([0-9]{4}-[0-9]{2}-[0-9]{2}))?$")
_DAYS_FORM = "'daily', 'weekdays', weekday names like 'mon,wed,fri', or 'every N days'"


def parse_days(text: str, *, anchor: date = DEFAULT_ANCHOR) -> DayRule:
    """Parse a days string: ``daily`` (毎日), ``weekdays`` (平日), ``mon,wed,fri`` (also full
    English names or 月,水,金), ``every 3 days`` or ``every 3 days from 2026-01-05``.

    ``anchor`` is used for ``every N days`` when the text does not name one.
    """
    normal = " ".join(unicodedata.normalize("NFKC", text).strip().lower().split())
    if normal in {"daily", "every day", "毎日"}:
        return DayRule.daily()
    if normal in {"weekdays", "平日"}:
        return DayRule.weekdays_only()
    match = _EVERY_RE.match(normal)
    if match:
        start = date.fromisoformat(match.group(2)) if match.group(2) else anchor
        return DayRule.every_n_days(int(match.group(1)), start)
    tokens = [tok for tok in re.split(r"[,、\s]+", normal) if tok]
    if tokens and all(tok in _WEEKDAY_ALIASES for tok in tokens):
        return DayRule.on(_WEEKDAY_ALIASES[tok] for tok in tokens)
    raise ValueError(f"invalid days {text!r}: expected {_DAYS_FORM}")


def format_days(rule: DayRule) -> str:
    """Inverse of :func:`parse_days` (the anchor is written only when not the default)."""
    if rule.kind is DayKind.DAILY:
        return "daily"
    if rule.kind is DayKind.WEEKDAYS:
        return "weekdays"
    if rule.kind is DayKind.CHOSEN:
        return ",".join(WEEKDAY_KEYS[d] for d in sorted(rule.weekdays))
    text = f"every {rule.every} day" + ("" if rule.every == 1 else "s")
    if rule.anchor != DEFAULT_ANCHOR:
        text += f" from {rule.anchor.isoformat()}"
    return text


# --------------------------------------------------------------------------- times


_HHMM_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


def parse_hhmm(text: str) -> time:
    """Parse ``9:05``, ``09:05`` or full-width ``０９：０５`` into a ``time``.

    Raises ``ValueError`` for anything else (``25:00``, ``9時``, ``24:00``, ``9:5``).
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    match = _HHMM_RE.match(normal)
    if match is None:
        raise ValueError(f"invalid time {text!r}: expected HH:MM such as 09:05")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"invalid time {text!r}: hours 0-23 and minutes 0-59")
    return time(hour, minute)


def format_hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_times(text: str) -> tuple[time, ...]:
    """Parse ``"09:00,18:30"`` into sorted, de-duplicated times (at least one)."""
    normal = unicodedata.normalize("NFKC", text)
    parts = [p for p in re.split(r"[,、\s]+", normal.strip()) if p]
    if not parts:
        raise ValueError(f"invalid times {text!r}: expected HH:MM[,HH:MM...] such as 09:00,18:30")
    return tuple(sorted({parse_hhmm(p) for p in parts}))


def format_times(times: Iterable[time]) -> str:
    return ",".join(format_hhmm(t) for t in sorted(times))


_OFF_WORDS = {"", "none", "off", "no", "なし"}


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """Parse ``"22:00-07:00"`` (may wrap midnight; ``~``, ``〜``, ``–`` also accepted).

    ``""``, ``"none"`` or ``"off"`` mean no quiet hours (``None``). Start equal to end is
    rejected: it is unclear whether it means "never" or "always".
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    if normal.lower() in _OFF_WORDS:
        return None
    parts = re.split(r"\s*[-~〜–—]\s*", normal)
    if len(parts) != 2:
        raise ValueError(f"invalid quiet hours {text!r}: expected HH:MM-HH:MM such as 22:00-07:00")
    start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if start == end:
        raise ValueError(f"invalid quiet hours {text!r}: start and end are the same")
    return start, end


def format_quiet_hours(start: time | None, end: time | None) -> str:
    if start is None or end is None:
        return "none"
    return f"{format_hhmm(start)}-{format_hhmm(end)}"


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class Schedule:
    """A person's check-in schedule.

    ``times`` are local wall-clock times (naive ``time``), stored sorted and de-duplicated.
    ``quiet_start``/``quiet_end`` are both set or both ``None``. ``jitter`` is in
    ``[0, 1 day)``. At least one time must lie outside quiet hours, otherwise no check-in
    could ever be sent - and a person is never silently dropped (つながり続ける).
    """

    times: tuple[time, ...]
    days: DayRule = DayRule(DayKind.DAILY)
    timezone: str = DEFAULT_TIMEZONE
    quiet_start: time | None = None
    quiet_end: time | None = None
    jitter: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if not self.times:
            raise ValueError("a schedule needs at least one check-in time")
        if any(t.tzinfo is not None for t in self.times):
            raise ValueError("check-in times are local wall-clock times; pass naive times")
        object.__setattr__(
            self, "times", tuple(sorted({t.replace(fold=0) for t in self.times}))
        )
        load_zone(self.timezone)
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both a start and an end")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet hours start and end must differ")
        if not timedelta(0) <= self.jitter < timedelta(days=1):
            raise ValueError("jitter must be at least 0 and less than a day")
        if all(self.quiet_local(t) for t in self.times):
            raise ValueError("every check-in time falls in quiet hours; no check-in could be sent")

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)

    def quiet_local(self, local_time: time) -> bool:
        """True when a local wall-clock time falls inside quiet hours."""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        return time_in_window(local_time, self.quiet_start, self.quiet_end)

    def with_changes(self, **changes: Any) -> Schedule:
        """A copy with some fields replaced (``dataclasses.replace``), re-validated."""
        return replace(self, **changes)

    @classmethod
    def from_strings(
        cls,
        *,
        times: str,
        days: str = "daily",
        timezone: str = DEFAULT_TIMEZONE,
        quiet_hours: str = "",
        jitter: timedelta = timedelta(0),
        anchor: date = DEFAULT_ANCHOR,
    ) -> Schedule:
        """Build from configuration strings (``checkin.times``, ``checkin.days``, ...)."""
        quiet = parse_quiet_hours(quiet_hours)
        return cls(
            times=parse_times(times),
            days=parse_days(days, anchor=anchor),
            timezone=timezone,
            quiet_start=quiet[0] if quiet else None,
            quiet_end=quiet[1] if quiet else None,
            jitter=jitter,
        )

    def to_strings(self) -> dict[str, str]:
        """The configuration-string form (``times``, ``days``, ``timezone``, ``quiet_hours``)."""
        return {
            "times": format_times(self.times),
            "days": format_days(self.days),
            "timezone": self.timezone,
            "quiet_hours": format_quiet_hours(self.quiet_start, self.quiet_end),
        }


def in_quiet_hours(schedule: Schedule, instant: datetime) -> bool:
    """True when ``instant`` falls inside the schedule's quiet hours, in its local time."""
    _require_aware(instant, "instant")
    return schedule.quiet_local(instant.astimezone(schedule.zone).time())


def jitter_offset(schedule: Schedule, jitter_key: int | str, slot_date: date, slot_time: time
                  ) -> timedelta:
    """Deterministic offset in ``[0, schedule.jitter)`` for one slot.

    Derived from SHA-256 of ``(jitter_key, slot date, slot time)``; whole seconds when the
    jitter is at least a second. Same inputs give the same offset across restarts and hosts.
    """
    jitter_us = schedule.jitter // timedelta(microseconds=1)
    if jitter_us <= 0:
        return timedelta(0)
    seed = f"{jitter_key!r}|{slot_date.isoformat()}|{slot_time.isoformat()}".encode()
    number = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big")
    if jitter_us >= 1_000_000:
        return timedelta(seconds=number % (jitter_us // 1_000_000))
    return timedelta(microseconds=number % jitter_us)


def next_checkin(
    schedule: Schedule,
    after: datetime,
    *,
    jitter_key: int | str = 0,
    min_gap: timedelta | None = None,
    last_checkin: datetime | None = None,
) -> datetime:
    """The first check-in instant (UTC) strictly after ``after``.

    A slot is a (local date, local time) with the date allowed by the day rule. Its nominal
    instant is :func:`local_to_utc` (DST rules in the module docstring); slots whose nominal
    local time is in quiet hours are skipped; the result is the nominal instant plus
    :func:`jitter_offset` (dropped if it would land in quiet hours). Use a stable
    ``jitter_key`` per person (their id) so restarts agree.

    ``min_gap`` (from adaptive cadence, e.g. 3 days when loosened to 緩やかな見守り): the slot's
    nominal local wall-clock time must be at least ``min_gap`` after the local wall-clock time
    of ``last_checkin`` (default: ``after``), less the schedule's jitter - so a check-in sent at
    Monday 09:07 (09:00 + jitter) with a 3-day gap allows Thursday 09:00. Wall-clock
    comparison keeps DST from shifting the gap by an hour.

    Raises ``ValueError`` if ``after`` is naive or no slot exists in the search horizon.
    """
    _require_aware(after, "after")
    zone = schedule.zone
    earliest_naive: datetime | None = None
    if min_gap is not None:
        if min_gap < timedelta(0):
            raise ValueError("min_gap must not be negative")
        reference = after if last_checkin is None else last_checkin
        _require_aware(reference, "last_checkin")
        earliest_naive = (
            reference.astimezone(zone).replace(tzinfo=None) + min_gap - schedule.jitter
        )
    # Start a day early: jitter can carry a late slot past local midnight.
    first_date = after.astimezone(zone).date() - timedelta(days=1)
    if earliest_naive is not None:
        first_date = max(first_date, earliest_naive.date() - timedelta(days=1))
    best: datetime | None = None
    for offset in range(_MAX_SEARCH_DAYS):
        slot_date = first_date + timedelta(days=offset)
        if not schedule.days.allows(slot_date):
            continue
        for slot_time in schedule.times:
            if earliest_naive is not None and datetime.combine(slot_date, slot_time) < (
                earliest_naive
            ):
                continue
            nominal = local_to_utc(slot_date, slot_time, zone)
            if best is not None and nominal >= best:
                return best  # later slots are nominally later still
            if nominal + schedule.jitter <= after:
                continue  # even the latest jitter lands at or before `after`
            if in_quiet_hours(schedule, nominal):
                continue
            actual = nominal + jitter_offset(schedule, jitter_key, slot_date, slot_time)
            if in_quiet_hours(schedule, actual):
                actual = nominal
            if actual > after and (best is None or actual < best):
                best = actual
    if best is not None:
        return best
    raise ValueError("no check-in slot found; check the schedule's days, times and quiet hours")


def is_stale(due_at: datetime, now: datetime, window: timedelta) -> bool:
    """True when a due check-in is more than ``window`` in the past.

    After downtime the scheduler records such a check-in as skipped instead of sending it
    late (perhaps at night); the next regular slot follows as usual. Exactly ``window`` late
    is still sent.
    """
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    return now - due_at > window


def validate_own_time(requested: time, window: tuple[time, time]) -> bool:
    """True when the person's ``/time HH:MM`` lies within the organisation's allowed window.

    Both ends are inclusive (``/time 21:00`` with a window ending 21:00 is fine); the window
    may wrap midnight (``20:00-02:00``); a window with equal ends allows only that time.
    本人主体: the person picks their own time, within the bounds the organisation can staff.
    """
    start, end = window
    t = requested.replace(tzinfo=None, fold=0)
    if start <= end:
        return start <= t <= end
    return t >= start or t <= end
