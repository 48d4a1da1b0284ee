"""Working days as the organisation keeps them: weekly days, less national holidays and
its own closures.

Japan's national holidays come from `jpholiday`: a small, dependency-free package that
follows the Cabinet Office's list and the holiday law's rules (振替休日, 国民の休日, the
equinoxes), kept up to date by its maintainer. The domain stays pure: it receives the
predicate built here (`domain.escalation.WorkingHours.closed`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

import jpholiday

from domain.calendar import closed_by
from domain.escalation import WorkingHours
from infra.settings import EscalationSettings, HolidayCalendar

__all__ = ["closed_days", "japanese_holiday", "working_hours"]


@lru_cache(maxsize=4096)
def japanese_holiday(day: date) -> bool:
    """Whether `day` is a national holiday in Japan (祝日, 振替休日 or 国民の休日)."""
    return bool(jpholiday.is_holiday(day))


_CALENDARS: dict[HolidayCalendar, Callable[[date], bool] | None] = {
    HolidayCalendar.JAPAN: japanese_holiday,
    HolidayCalendar.NONE: None,
}


def closed_days(settings: EscalationSettings) -> Callable[[date], bool]:
    """Is the organisation closed on this local date (a holiday or its own closure)?"""
    return closed_by(settings.closed_days, _CALENDARS[settings.national_holidays])


def working_hours(settings: EscalationSettings) -> WorkingHours:
    """The configured working hours, days, holidays and closures, for the domain's ladder."""
    return WorkingHours(
        start=settings.working_hours[0],
        end=settings.working_hours[1],
        timezone=settings.timezone,
        weekdays=frozenset(settings.working_days),
        closed=closed_days(settings),
    )
