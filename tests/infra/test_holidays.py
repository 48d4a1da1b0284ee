"""Working days follow Japan's national holidays (祝日) and the organisation's closures:
P2 and P3 escalations neither count a holiday as a working day nor step up on one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.escalation import (
    EscalationReason,
    EscalationSnapshot,
    EscalationState,
    Priority,
    is_working_time,
    next_step,
    next_step_at,
    next_working_instant,
)
from infra.holidays import japanese_holiday, working_hours
from infra.settings import EscalationSettings
from tests.conftest import make_settings

TOKYO = ZoneInfo("Asia/Tokyo")
DEADLINES = {Priority.P1: timedelta(minutes=15), Priority.P2: timedelta(hours=4),
             Priority.P3: timedelta(days=1)}  # fmt: skip


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


def escalation(**tables: object) -> EscalationSettings:
    chosen = {"national_holidays": "jp", **tables}
    return make_settings(**{f"escalation__{k}": v for k, v in chosen.items()}).escalation


YEAR_END = escalation(closed_days=["12-29..01-03", "08-13..08-16", "2027-06-01"])


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 1, 1), True),  # 元日
        (date(2026, 5, 6), True),  # 振替休日 for 憲法記念日 on a Sunday
        (date(2026, 9, 22), True),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2026, 11, 23), True),  # 勤労感謝の日
        (date(2026, 11, 24), False),
        (date(2027, 1, 1), True),
        (date(2027, 1, 11), True),  # 成人の日, second Monday of January
        (date(2027, 3, 22), True),  # 振替休日 for 春分の日 on a Sunday
        (date(2027, 5, 3), True),
        (date(2027, 5, 4), True),
        (date(2027, 5, 5), True),
        (date(2027, 5, 6), False),
        (date(2027, 12, 28), False),
    ],
)
def test_japanese_national_holidays_2026_2027(day: date, holiday: bool) -> None:
    assert japanese_holiday(day) is holiday


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # 元日 (a Friday)
        (date(2027, 5, 3), False),  # Golden Week, Monday to Wednesday
        (date(2027, 5, 4), False),
        (date(2027, 5, 5), False),
        (date(2027, 5, 6), True),
        (date(2026, 12, 28), True),
        (date(2026, 12, 29), False),  # the organisation's year-end
        (date(2027, 1, 4), True),
        (date(2027, 8, 13), False),  # Obon, a Friday
        (date(2027, 6, 1), False),  # a dated closed day
        (date(2027, 6, 2), True),
        (date(2027, 5, 8), False),  # a Saturday stays a weekend
    ],
)
def test_working_days_less_holidays_and_closures(day: date, working: bool) -> None:
    assert working_hours(YEAR_END).is_working_day(day) is working


def test_holidays_can_be_left_out() -> None:
    hours = working_hours(escalation(national_holidays="none"))
    assert hours.is_working_day(date(2027, 1, 1))
    assert not hours.is_working_day(date(2027, 1, 2))  # Saturday


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Friday 30 April after hours: Golden Week and the weekend pass, Thursday 6 May.
        (jst(2027, 4, 30, 19), jst(2027, 5, 6, 9)),
        (jst(2027, 5, 4, 10), jst(2027, 5, 6, 9)),  # the middle of a holiday
        (jst(2026, 12, 28, 20), jst(2027, 1, 4, 9)),  # year-end closure and 元日
        (jst(2027, 1, 8, 18, 30), jst(2027, 1, 12, 9)),  # weekend then 成人の日
        (jst(2026, 11, 23, 10), jst(2026, 11, 24, 9)),  # 勤労感謝の日, a Monday
        (jst(2027, 5, 6, 10), jst(2027, 5, 6, 10)),  # an ordinary Thursday: now
    ],
)
def test_next_working_instant_passes_over_holidays(now: datetime, expected: datetime) -> None:
    hours = working_hours(YEAR_END)
    assert next_working_instant(now, hours) == expected
    assert is_working_time(expected, hours)


def _p2(notified: datetime) -> EscalationSnapshot:
    return EscalationSnapshot(
        EscalationReason.SILENCE, Priority.P2, EscalationState.OPEN, 0, notified
    )


@pytest.mark.parametrize(
    ("notified", "due"),
    [
        (jst(2027, 4, 30, 15), jst(2027, 5, 6, 9)),  # 4 h later is Friday night
        (jst(2027, 4, 28, 16), jst(2027, 4, 30, 9)),  # 29 April is 昭和の日
        (jst(2026, 12, 28, 16), jst(2027, 1, 4, 9)),  # the year-end closure
        (jst(2027, 5, 6, 10), jst(2027, 5, 6, 14)),  # a working day: the plain deadline
    ],
)
def test_p2_waits_through_holidays_not_as_workdays(notified: datetime, due: datetime) -> None:
    hours = working_hours(YEAR_END)
    assert next_step_at(_p2(notified), DEADLINES, hours) == due
    assert next_step(_p2(notified), due - timedelta(minutes=1), DEADLINES, hours) is None
    assert next_step(_p2(notified), due, DEADLINES, hours) is not None


def test_p2_never_steps_up_on_a_holiday_but_p1_does() -> None:
    hours = working_hours(YEAR_END)
    holiday_noon = jst(2027, 5, 4, 12)
    notified = holiday_noon - timedelta(days=3)
    assert next_step(_p2(notified), holiday_noon, DEADLINES, hours) is None
    p1 = EscalationSnapshot(
        EscalationReason.DISTRESS, Priority.P1, EscalationState.OPEN, 0, notified
    )
    assert next_step(p1, holiday_noon, DEADLINES, hours) is not None
