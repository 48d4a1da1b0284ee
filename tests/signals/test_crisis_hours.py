"""Opening hours as data: windows, overnight and day-of-month windows, closures."""

from __future__ import annotations

from datetime import datetime

import pytest

from signals.crisis_hours import HoursError, parse_schedule, parse_window


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("window", "weekdays", "month_day", "start", "end"),
    [
        ("daily 00:00-24:00", set(range(7)), None, 0, 1440),
        ("mon-fri 09:00-17:00", {0, 1, 2, 3, 4}, None, 540, 1020),
        ("tue,wed,sat,sun 00:00-06:00", {1, 2, 5, 6}, None, 0, 360),
        ("sat-sun 22:00-06:00", {5, 6}, None, 1320, 1800),
        ("10th 08:00-08:00", set(), 10, 480, 1920),
        ("1st 10:00-11:30", set(), 1, 600, 690),
        ("Mon 10:00 - 12:00", {0}, None, 600, 720),
    ],
)
def test_windows_parse(
    window: str, weekdays: set[int], month_day: int | None, start: int, end: int
) -> None:
    parsed = parse_window(window)
    assert (set(parsed.weekdays), parsed.month_day, parsed.start, parsed.end) == (
        weekdays,
        month_day,
        start,
        end,
    )


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("daily", "a window such as"),
        ("weekday 09:00-17:00", "a weekday"),
        ("fri-mon 09:00-17:00", "week order"),
        ("mon 9:00-17:00", "a window such as"),
        ("mon 09:60-17:00", "00:00 to 23:59"),
        ("mon 24:00-06:00", "00:00 to 23:59"),
        ("mon 09:00-24:30", "00:00 to 24:00"),
        ("0th 09:00-10:00", "1st to 31st"),
        ("32nd 09:00-10:00", "1st to 31st"),
    ],
)
def test_bad_windows_say_what_was_expected(window: str, message: str) -> None:
    with pytest.raises(HoursError, match=message):
        parse_window(window)


def test_a_closure_is_taken_out_of_the_opening() -> None:
    # #いのちSOS: open round the clock except 00:00-06:00 on Tue, Wed, Sat and Sun.
    sos = parse_schedule(["daily 00:00-24:00"], ["tue,wed,sat,sun 00:00-06:00"])
    assert not sos.always_open
    assert not sos.is_open(at("2026-12-01 03:00"))  # Tuesday
    assert sos.is_open(at("2026-12-01 06:00"))
    assert sos.closes_at(at("2026-12-01 23:30")) == at("2026-12-02 00:00")  # Wednesday shut
    assert sos.is_open(at("2026-12-03 03:00"))  # Thursday night: open
    assert sos.closes_at(at("2026-12-03 03:00")) == at("2026-12-05 00:00")  # until Saturday
    assert sos.is_open(at("2026-11-30 03:00"))  # Monday


def test_a_day_of_the_month_window_runs_to_the_next_morning() -> None:
    # いのちの電話: 16:00-21:00 daily, and the 10th 08:00 to the 11th 08:00.
    lifeline = parse_schedule(["daily 16:00-21:00", "10th 08:00-08:00"])
    assert not lifeline.is_open(at("2026-12-09 03:00"))
    assert not lifeline.is_open(at("2026-12-10 07:59"))
    assert lifeline.closes_at(at("2026-12-10 08:00")) == at("2026-12-11 08:00")
    assert lifeline.is_open(at("2026-12-11 03:00"))  # the night after the 10th
    assert not lifeline.is_open(at("2026-12-11 08:00"))
    assert lifeline.closes_at(at("2026-12-11 20:30")) == at("2026-12-11 21:00")
    assert not lifeline.is_open(at("2026-12-11 21:00"))
    # February has no 30th; a 31st window only applies in long months.
    short = parse_schedule(["31st 10:00-11:00"])
    assert not short.is_open(at("2026-02-28 10:30"))
    assert short.is_open(at("2026-03-31 10:30"))


def test_overnight_windows_and_round_the_clock() -> None:
    nights = parse_schedule(["fri 22:00-06:00"])
    assert nights.is_open(at("2026-12-05 05:00"))  # Saturday morning, from Friday's window
    assert not nights.is_open(at("2026-12-06 05:00"))
    always = parse_schedule(["mon-sun 00:00-24:00"])
    assert always.always_open and always.closes_at(at("2026-12-01 03:00")) is None
    assert parse_schedule(["mon-fri 00:00-24:00", "sat,sun 00:00-24:00"]).always_open
    assert not parse_schedule(["mon-sat 00:00-24:00"]).always_open


def test_hours_that_vary_are_never_reported_open() -> None:
    varies = parse_schedule("varies")
    assert varies.varies and not varies.always_open
    assert not varies.is_open(at("2026-12-01 12:00"))
    with pytest.raises(HoursError, match="no 'closed'"):
        parse_schedule("varies", ["mon 00:00-01:00"])
    with pytest.raises(HoursError, match="varies"):
        parse_schedule([])
