"""When workers usually answer, in words, from the configured working hours.

The bot never promises an immediate reply from a person; it says when one usually comes.
"""

from __future__ import annotations

from datetime import time

from infra.i18n import Catalog
from infra.settings import EscalationSettings, HolidayCalendar

__all__ = ["describe_days", "describe_working_hours", "talk_acknowledgement"]

_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: time) -> str:
    # An end of 00:00 is midnight, the end of the working day.
    if value == time(0, 0):
        return "24:00"
    return f"{value.hour}:{value.minute:02d}"


def describe_days(catalog: Catalog, language: str, days: tuple[int, ...]) -> str:
    """Weekdays (0 = Monday) in words: 毎日, 平日, 土日, 月曜・水曜 / "every day", "on Mon, Wed"."""
    chosen = set(days)
    if chosen == set(range(7)):
        return catalog.text(language, "hours.daily")
    if chosen == set(range(5)):
        return catalog.text(language, "hours.weekdays")
    if chosen == {5, 6}:
        return catalog.text(language, "hours.weekends")
    names = [catalog.text(language, f"hours.{_DAY_KEYS[d]}") for d in sorted(chosen)]
    separator = catalog.text(language, "hours.separator")
    return catalog.text(language, "hours.some_days", days=separator.join(names))


def _closed(hours: EscalationSettings) -> str | None:
    """The catalog key saying which days are closed besides the weekly ones, if any."""
    holidays = hours.national_holidays is not HolidayCalendar.NONE
    if holidays and hours.closed_days:
        return "hours.except_holidays_and_closures"
    if holidays:
        return "hours.except_holidays"
    return "hours.except_closures" if hours.closed_days else None


def describe_working_hours(catalog: Catalog, language: str, hours: EscalationSettings) -> str:
    """E.g. "平日（祝日を除く）の9:00〜18:00" / "on weekdays except public holidays, 9:00–18:00"."""
    start, end = hours.working_hours
    days = describe_days(catalog, language, hours.working_days)
    closed = _closed(hours)
    if closed is not None:
        days = catalog.text(language, closed, days=days)
    return catalog.text(language, "hours.range", days=days, start=_clock(start), end=_clock(end))


def talk_acknowledgement(
    catalog: Catalog, language: str, hours: EscalationSettings, worker_name: str | None
) -> str:
    """The answer to /talk: who will hear of it, and when a worker usually replies."""
    who = (
        catalog.text(language, "talk.worker", name=worker_name)
        if worker_name
        else catalog.text(language, "talk.your_worker")
    )
    when = describe_working_hours(catalog, language, hours)
    return catalog.text(language, "talk.ok", worker=who, when=when)
