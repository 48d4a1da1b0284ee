from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.schedule import (
    DayKind,
    DayRule,
    Schedule,
    format_days,
    format_quiet_hours,
    format_times,
    in_quiet_hours,
    is_stale,
    jitter_offset,
    local_to_utc,
    next_checkin,
    parse_days,
    parse_hhmm,
    parse_quiet_hours,
    parse_times,
    validate_own_time,
)

TOKYO = "Asia/Tokyo"
LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def sched(
    times: str,
    days: DayRule | None = None,
    tz: str = TOKYO,
    quiet: str = "",
    jitter: timedelta = timedelta(0),
) -> Schedule:
    q = parse_quiet_hours(quiet)
    return Schedule(
        times=parse_times(times),
        days=days or DayRule.daily(),
        timezone=tz,
        quiet_start=q[0] if q else None,
        quiet_end=q[1] if q else None,
        jitter=jitter,
    )


EVERY3 = DayRule.every_n_days(3, date(2026, 5, 1))

NEXT_CASES = [
    # --- Asia/Tokyo, the common case (UTC+9, no DST)
    ("tokyo at slot is not after it", sched("09:00"), utc(2026, 5, 1), utc(2026, 5, 2)),
    ("tokyo just before slot", sched("09:00"), utc(2026, 4, 30, 23, 59), utc(2026, 5, 1)),
    ("tokyo second slot", sched("09:00,18:30"), utc(2026, 5, 1), utc(2026, 5, 1, 9, 30)),
    ("tokyo after both slots", sched("09:00,18:30"), utc(2026, 5, 1, 9, 30), utc(2026, 5, 2)),
    ("tokyo utc date differs", sched("07:00"), utc(2026, 5, 1, 20), utc(2026, 5, 1, 22)),
    ("tokyo midnight slot", sched("00:00"), utc(2026, 5, 1, 14, 59), utc(2026, 5, 1, 15)),
    # month ends, leap day, year end
    ("jan 31 -> feb 1", sched("09:00"), utc(2026, 1, 31, 10), utc(2026, 2, 1)),
    ("apr 30 -> may 1", sched("09:00"), utc(2026, 4, 30, 10), utc(2026, 5, 1)),
    ("leap day", sched("09:00"), utc(2028, 2, 28, 10), utc(2028, 2, 29)),
    ("after leap day", sched("09:00"), utc(2028, 2, 29, 10), utc(2028, 3, 1)),
    ("non-leap feb 28 -> mar 1", sched("09:00"), utc(2027, 2, 28, 10), utc(2027, 3, 1)),
    ("year end", sched("09:00"), utc(2026, 12, 31, 10), utc(2027, 1, 1)),
    # weekdays and chosen days (2026-05-01 is a Friday)
    ("weekdays fri -> mon", sched("09:00", DayRule.weekdays_only()), utc(2026, 5, 1, 10),
     utc(2026, 5, 4)),
    ("weekdays sat -> mon", sched("09:00", DayRule.weekdays_only()), utc(2026, 5, 2, 3),
     utc(2026, 5, 4)),
    ("weekdays mon -> tue", sched("09:00", DayRule.weekdays_only()), utc(2026, 5, 4, 1),
     utc(2026, 5, 5)),
    ("mon,wed,fri mon -> wed", sched("09:00", parse_days("mon,wed,fri")), utc(2026, 5, 4, 1),
     utc(2026, 5, 6)),
    ("mon,wed,fri fri -> mon", sched("09:00", parse_days("mon,wed,fri")), utc(2026, 5, 1, 1),
     utc(2026, 5, 4)),
    ("sunday only", sched("10:00", parse_days("sun")), utc(2026, 5, 4), utc(2026, 5, 10, 1)),
    ("sunday only from sunday before slot", sched("10:00", parse_days("sun")),
     utc(2026, 5, 10, 0), utc(2026, 5, 10, 1)),
    ("chosen across month end", sched("09:00", parse_days("mon")), utc(2026, 5, 26),
     utc(2026, 6, 1)),
    # every N days with anchors
    ("every3 on anchor", sched("09:00", EVERY3), utc(2026, 4, 30, 10), utc(2026, 5, 1)),
    ("every3 after anchor slot", sched("09:00", EVERY3), utc(2026, 5, 1, 1), utc(2026, 5, 4)),
    ("every3 mid gap", sched("09:00", EVERY3), utc(2026, 5, 2, 1), utc(2026, 5, 4)),
    ("every3 before anchor", sched("09:00", EVERY3), utc(2026, 4, 27, 10), utc(2026, 4, 28)),
    ("every3 across month end", sched("09:00", DayRule.every_n_days(3, date(2026, 1, 30))),
     utc(2026, 1, 30, 1), utc(2026, 2, 2)),
    ("every2 onto leap day", sched("09:00", DayRule.every_n_days(2, date(2028, 2, 27))),
     utc(2028, 2, 27, 1), utc(2028, 2, 29)),
    ("every7 weekly", sched("09:00", DayRule.every_n_days(7, date(2026, 5, 4))),
     utc(2026, 5, 4, 1), utc(2026, 5, 11)),
    ("every1 is daily", sched("09:00", DayRule.every_n_days(1, date(2026, 5, 4))),
     utc(2026, 5, 4, 1), utc(2026, 5, 5)),
    # quiet hours (wrapping midnight, half-open)
    ("quiet skips night slots", sched("06:00,09:00,23:00", quiet="22:00-07:00"),
     utc(2026, 5, 1), utc(2026, 5, 2)),
    ("quiet end is exclusive", sched("07:00,12:00", quiet="22:00-07:00"), utc(2026, 5, 1, 4),
     utc(2026, 5, 1, 22)),
    ("quiet start is inclusive", sched("12:00,22:00", quiet="22:00-07:00"), utc(2026, 5, 1, 4),
     utc(2026, 5, 2, 3)),
    ("quiet just before start", sched("12:00,21:59", quiet="22:00-07:00"), utc(2026, 5, 1, 4),
     utc(2026, 5, 1, 12, 59)),
    ("quiet non-wrapping", sched("12:30,13:00", quiet="12:00-13:00"), utc(2026, 5, 1, 0),
     utc(2026, 5, 1, 4)),
    ("quiet with weekdays", sched("06:00,09:00", DayRule.weekdays_only(), quiet="22:00-07:00"),
     utc(2026, 5, 1, 1), utc(2026, 5, 4)),
    # Europe/London: spring forward 2026-03-29 01:00 UTC, fall back 2026-10-25 01:00 UTC
    ("london gap moves to transition", sched("01:30", tz=LONDON), utc(2026, 3, 28, 12),
     utc(2026, 3, 29, 1)),
    ("london just after gap", sched("02:30", tz=LONDON), utc(2026, 3, 28, 12),
     utc(2026, 3, 29, 1, 30)),
    ("london morning before spring", sched("09:00", tz=LONDON), utc(2026, 3, 27, 12),
     utc(2026, 3, 28, 9)),
    ("london morning after spring", sched("09:00", tz=LONDON), utc(2026, 3, 28, 12),
     utc(2026, 3, 29, 8)),
    ("london gap day after", sched("01:30", tz=LONDON), utc(2026, 3, 29, 1),
     utc(2026, 3, 30, 0, 30)),
    ("london two slots in gap collapse", sched("01:15,01:45", tz=LONDON), utc(2026, 3, 29, 1),
     utc(2026, 3, 30, 0, 15)),
    ("london ambiguous first occurrence", sched("01:30", tz=LONDON), utc(2026, 10, 24, 12),
     utc(2026, 10, 25, 0, 30)),
    ("london ambiguous no second send", sched("01:30", tz=LONDON), utc(2026, 10, 25, 0, 30),
     utc(2026, 10, 26, 1, 30)),
    ("london morning after fall back", sched("09:00", tz=LONDON), utc(2026, 10, 25),
     utc(2026, 10, 25, 9)),
    ("london quiet across spring", sched("06:30,08:00", tz=LONDON, quiet="22:00-07:00"),
     utc(2026, 3, 28, 12), utc(2026, 3, 29, 7)),
    # America/New_York: spring forward 2026-03-08 07:00 UTC, fall back 2026-11-01 06:00 UTC
    ("ny gap", sched("02:30", tz=NEW_YORK), utc(2026, 3, 7, 12), utc(2026, 3, 8, 7)),
    ("ny morning after spring", sched("09:00", tz=NEW_YORK), utc(2026, 3, 7, 15),
     utc(2026, 3, 8, 13)),
    ("ny morning before spring", sched("09:00", tz=NEW_YORK), utc(2026, 3, 7, 0),
     utc(2026, 3, 7, 14)),
    ("ny ambiguous first", sched("01:30", tz=NEW_YORK), utc(2026, 10, 31, 12),
     utc(2026, 11, 1, 5, 30)),
    ("ny ambiguous no second send", sched("01:30", tz=NEW_YORK), utc(2026, 11, 1, 5, 30),
     utc(2026, 11, 2, 6, 30)),
    ("ny morning after fall back", sched("09:00", tz=NEW_YORK), utc(2026, 11, 1),
     utc(2026, 11, 1, 14)),
    ("ny weekdays over dst", sched("09:00", DayRule.weekdays_only(), tz=NEW_YORK),
     utc(2026, 3, 6, 15), utc(2026, 3, 9, 13)),
]


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [pytest.param(s, a, e, id=name) for name, s, a, e in NEXT_CASES],
)
def test_next_checkin(schedule: Schedule, after: datetime, expected: datetime) -> None:
    result = next_checkin(schedule, after)
    assert result == expected
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    assert result > after


GAP_CASES = [
    # (schedule, after, last_checkin, min_gap, expected)
    pytest.param(sched("09:00"), utc(2026, 5, 4), None, timedelta(days=3), utc(2026, 5, 7),
                 id="gap from after"),
    pytest.param(sched("09:00"), utc(2026, 5, 5, 3), utc(2026, 5, 4), timedelta(days=3),
                 utc(2026, 5, 7), id="gap from last check-in, not from now"),
    pytest.param(sched("09:00"), utc(2026, 5, 9), utc(2026, 5, 4), timedelta(days=3),
                 utc(2026, 5, 10), id="gap long passed"),
    pytest.param(sched("09:00"), utc(2026, 5, 4), None, timedelta(0), utc(2026, 5, 5),
                 id="zero gap"),
    pytest.param(sched("09:00"), utc(2026, 5, 4), None, None, utc(2026, 5, 5), id="no gap"),
    pytest.param(sched("09:00,18:00"), utc(2026, 5, 4), None, timedelta(hours=12),
                 utc(2026, 5, 5), id="sub-day gap skips the evening slot"),
    pytest.param(sched("09:00", tz=LONDON), utc(2026, 3, 27, 9), None, timedelta(days=3),
                 utc(2026, 3, 30, 8), id="gap is wall-clock across spring forward"),
    pytest.param(sched("09:00", tz=LONDON), utc(2026, 10, 23, 8), None, timedelta(days=3),
                 utc(2026, 10, 26, 9), id="gap is wall-clock across fall back"),
    pytest.param(sched("09:00", DayRule.weekdays_only()), utc(2026, 5, 1), None,
                 timedelta(days=3), utc(2026, 5, 4), id="gap with weekdays"),
    pytest.param(sched("09:00", EVERY3), utc(2026, 5, 1), None, timedelta(days=4),
                 utc(2026, 5, 7), id="gap with every3"),
]


@pytest.mark.parametrize(("schedule", "after", "last", "gap", "expected"), GAP_CASES)
def test_next_checkin_min_gap(
    schedule: Schedule,
    after: datetime,
    last: datetime | None,
    gap: timedelta | None,
    expected: datetime,
) -> None:
    assert next_checkin(schedule, after, min_gap=gap, last_checkin=last) == expected


def test_min_gap_tolerates_jitter() -> None:
    s = sched("09:00", jitter=timedelta(minutes=10))
    last = next_checkin(s, utc(2026, 5, 3, 1), jitter_key=7)  # Monday 09:00 + jitter
    assert utc(2026, 5, 4) <= last < utc(2026, 5, 4, 0, 10)
    result = next_checkin(s, last, jitter_key=7, min_gap=timedelta(days=3))
    assert utc(2026, 5, 7) <= result < utc(2026, 5, 7, 0, 10)


@pytest.mark.parametrize("key", [0, 1, 42, "person-17", "person-18"])
@pytest.mark.parametrize("tz", [TOKYO, LONDON, NEW_YORK])
def test_jitter_deterministic_and_in_range(key: int | str, tz: str) -> None:
    jitter = timedelta(minutes=15)
    plain = sched("09:00,18:00", tz=tz)
    jittered = sched("09:00,18:00", tz=tz, jitter=jitter)
    after = utc(2025, 12, 31, 12)  # not within a jitter of any slot in these zones
    offsets = set()
    for _ in range(120):
        nominal = next_checkin(plain, after)
        result = next_checkin(jittered, after, jitter_key=key)
        assert result == next_checkin(jittered, after, jitter_key=key)  # same on "restart"
        assert nominal <= result < nominal + jitter
        offsets.add(result - nominal)
        after = result
    assert len(offsets) > 10  # actually spread


def test_jitter_differs_by_key_and_slot() -> None:
    s = sched("09:00", jitter=timedelta(hours=1))
    a = [jitter_offset(s, "a", date(2026, 5, d), time(9)) for d in range(1, 20)]
    b = [jitter_offset(s, "b", date(2026, 5, d), time(9)) for d in range(1, 20)]
    assert a != b
    assert len(set(a)) > 5
    assert all(o.microseconds == 0 for o in a)


def test_zero_jitter_is_zero() -> None:
    s = sched("09:00")
    assert jitter_offset(s, "x", date(2026, 5, 1), time(9)) == timedelta(0)


def test_jitter_never_enters_quiet_hours() -> None:
    s = sched("21:55", quiet="22:00-07:00", jitter=timedelta(minutes=30))
    after = utc(2026, 5, 1)
    for _ in range(60):
        result = next_checkin(s, after, jitter_key="p")
        assert not in_quiet_hours(s, result)
        local = result.astimezone(ZoneInfo(TOKYO))
        assert time(21, 55) <= local.time() < time(22, 0)
        after = result


def test_jitter_across_midnight_still_found() -> None:
    s = sched("23:50", jitter=timedelta(minutes=30))
    for day in range(1, 29):
        nominal = utc(2026, 2, day, 14, 50)
        offset = jitter_offset(s, 3, date(2026, 2, day), time(23, 50))
        if offset > timedelta(minutes=10):  # lands after local midnight
            after = nominal + timedelta(minutes=10)  # 00:00 local, next date
            assert next_checkin(s, after, jitter_key=3) == nominal + offset
            return
    pytest.fail("no slot with a jitter past midnight in February")


def test_next_checkin_rejects_naive() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_checkin(sched("09:00"), datetime(2026, 5, 1))


@pytest.mark.parametrize(
    ("local_date", "local_time", "tz", "expected"),
    [
        (date(2026, 3, 29), time(1, 0), LONDON, utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), time(1, 59), LONDON, utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), time(0, 59), LONDON, utc(2026, 3, 29, 0, 59)),
        (date(2026, 3, 29), time(2, 0), LONDON, utc(2026, 3, 29, 1)),
        (date(2026, 10, 25), time(1, 0), LONDON, utc(2026, 10, 25, 0)),
        (date(2026, 10, 25), time(2, 0), LONDON, utc(2026, 10, 25, 2)),
        (date(2026, 3, 8), time(2, 0), NEW_YORK, utc(2026, 3, 8, 7)),
        (date(2026, 3, 8), time(2, 59), NEW_YORK, utc(2026, 3, 8, 7)),
        (date(2026, 11, 1), time(1, 59), NEW_YORK, utc(2026, 11, 1, 5, 59)),
        (date(2026, 5, 1), time(9, 0), TOKYO, utc(2026, 5, 1, 0)),
    ],
)
def test_local_to_utc(local_date: date, local_time: time, tz: str, expected: datetime) -> None:
    assert local_to_utc(local_date, local_time, ZoneInfo(tz)) == expected


@pytest.mark.parametrize(
    ("quiet", "instant", "expected"),
    [
        ("22:00-07:00", utc(2026, 5, 1, 13), True),  # 22:00 JST
        ("22:00-07:00", utc(2026, 5, 1, 12, 59), False),  # 21:59
        ("22:00-07:00", utc(2026, 5, 1, 15), True),  # 00:00
        ("22:00-07:00", utc(2026, 5, 1, 21, 59), True),  # 06:59
        ("22:00-07:00", utc(2026, 5, 1, 22), False),  # 07:00
        ("22:00-07:00", utc(2026, 5, 1, 3), False),  # 12:00
        ("12:00-13:00", utc(2026, 5, 1, 3, 30), True),
        ("12:00-13:00", utc(2026, 5, 1, 4), False),
        ("", utc(2026, 5, 1, 15), False),
    ],
)
def test_in_quiet_hours(quiet: str, instant: datetime, expected: bool) -> None:
    assert in_quiet_hours(sched("09:00", quiet=quiet), instant) is expected


def test_in_quiet_hours_uses_local_dst_offset() -> None:
    s = sched("09:00", tz=LONDON, quiet="22:00-07:00")
    assert in_quiet_hours(s, utc(2026, 6, 1, 21, 30))  # 22:30 BST
    assert not in_quiet_hours(s, utc(2026, 12, 1, 21, 30))  # 21:30 GMT


@pytest.mark.parametrize(
    ("due", "now", "window", "expected"),
    [
        (utc(2026, 5, 1), utc(2026, 5, 1), timedelta(hours=2), False),
        (utc(2026, 5, 1), utc(2026, 5, 1, 2), timedelta(hours=2), False),
        (utc(2026, 5, 1), utc(2026, 5, 1, 2, 1), timedelta(hours=2), True),
        (utc(2026, 5, 1), utc(2026, 5, 3), timedelta(hours=2), True),
        (utc(2026, 5, 2), utc(2026, 5, 1), timedelta(hours=2), False),  # not yet due
        (utc(2026, 5, 1), utc(2026, 5, 1, 0, 1), timedelta(0), True),
    ],
)
def test_is_stale(due: datetime, now: datetime, window: timedelta, expected: bool) -> None:
    assert is_stale(due, now, window) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("０９：０５", time(9, 5)),
        ("９:０５", time(9, 5)),
        (" 18:30 ", time(18, 30)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:00", "24:00", "9時", "9:60", "9:5", "905", "", "09:05:00", "-1:00", "ab:cd", "٩:٠٥"],
)
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("requested", "window", "expected"),
    [
        (time(9), (time(8), time(21)), True),
        (time(8), (time(8), time(21)), True),
        (time(21), (time(8), time(21)), True),
        (time(21, 1), (time(8), time(21)), False),
        (time(7, 59), (time(8), time(21)), False),
        (time(23), (time(20), time(2)), True),
        (time(1), (time(20), time(2)), True),
        (time(2), (time(20), time(2)), True),
        (time(12), (time(20), time(2)), False),
        (time(9), (time(9), time(9)), True),
        (time(10), (time(9), time(9)), False),
    ],
)
def test_validate_own_time(requested: time, window: tuple[time, time], expected: bool) -> None:
    assert validate_own_time(requested, window) is expected


@pytest.mark.parametrize(
    ("text", "rule", "formatted"),
    [
        ("daily", DayRule.daily(), "daily"),
        ("毎日", DayRule.daily(), "daily"),
        ("Every day", DayRule.daily(), "daily"),
        ("weekdays", DayRule.weekdays_only(), "weekdays"),
        ("平日", DayRule.weekdays_only(), "weekdays"),
        ("mon,wed,fri", DayRule.on({0, 2, 4}), "mon,wed,fri"),
        ("Fri, Mon ,wed", DayRule.on({0, 2, 4}), "mon,wed,fri"),
        ("月,水,金", DayRule.on({0, 2, 4}), "mon,wed,fri"),
        ("土曜日 日曜日", DayRule.on({5, 6}), "sat,sun"),
        ("sunday", DayRule.on({6}), "sun"),
        ("every 3 days", DayRule.every_n_days(3), "every 3 days"),
        ("every 1 day", DayRule.every_n_days(1), "every 1 day"),
        ("every 3 days from 2026-05-01", EVERY3, "every 3 days from 2026-05-01"),
    ],
)
def test_parse_and_format_days(text: str, rule: DayRule, formatted: str) -> None:
    assert parse_days(text) == rule
    assert format_days(rule) == formatted
    assert parse_days(formatted) == rule


def test_parse_days_anchor_argument() -> None:
    assert parse_days("every 3 days", anchor=date(2026, 5, 1)) == EVERY3


@pytest.mark.parametrize(
    "text", ["", "sometimes", "every days", "every 0 days", "mon,xyz", "every 3 weeks", "mon;tue"]
)
def test_parse_days_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_days(text)


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"kind": DayKind.CHOSEN},
        {"kind": DayKind.CHOSEN, "weekdays": frozenset({7})},
        {"kind": DayKind.DAILY, "weekdays": frozenset({1})},
        {"kind": DayKind.EVERY_N, "every": 0},
        {"kind": DayKind.WEEKDAYS, "every": 2},
    ],
)
def test_day_rule_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DayRule(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", (time(9),)),
        ("18:30,09:00", (time(9), time(18, 30))),
        ("09:00, 09:00 ,12:00", (time(9), time(12))),
        ("０９：００、１８：００", (time(9), time(18))),
    ],
)
def test_parse_times(text: str, expected: tuple[time, ...]) -> None:
    assert parse_times(text) == expected
    assert parse_times(format_times(expected)) == expected


@pytest.mark.parametrize("text", ["", ",", "9", "09:00,25:00"])
def test_parse_times_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_times(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00-07:00", (time(22), time(7))),
        ("22:00 - 07:00", (time(22), time(7))),
        ("２２：００〜７：００", (time(22), time(7))),
        ("12:00~13:00", (time(12), time(13))),
        ("", None),
        ("none", None),
        ("off", None),
    ],
)
def test_parse_quiet_hours(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize("text", ["22:00", "22:00-22:00", "22:00-25:00", "a-b", "1-2-3"])
def test_parse_quiet_hours_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quiet_hours(text)


def test_format_quiet_hours() -> None:
    assert format_quiet_hours(time(22), time(7)) == "22:00-07:00"
    assert format_quiet_hours(None, None) == "none"


def test_schedule_from_and_to_strings() -> None:
    s = Schedule.from_strings(
        times="18:30,09:00", days="every 3 days", timezone=LONDON, quiet_hours="22:00-07:00"
    )
    assert s.times == (time(9), time(18, 30))
    assert s.to_strings() == {
        "times": "09:00,18:30",
        "days": "every 3 days",
        "timezone": LONDON,
        "quiet_hours": "22:00-07:00",
    }


def test_with_changes_revalidates() -> None:
    s = sched("09:00")
    assert s.with_changes(times=(time(10),)).times == (time(10),)
    assert s.with_changes(timezone=LONDON).zone == ZoneInfo(LONDON)
    with pytest.raises(ValueError):
        s.with_changes(timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        s.with_changes(quiet_start=time(22))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"times": ()},
        {"times": (time(9),), "timezone": "Nowhere/City"},
        {"times": (time(9),), "quiet_start": time(22)},
        {"times": (time(9),), "quiet_start": time(22), "quiet_end": time(22)},
        {"times": (time(23),), "quiet_start": time(22), "quiet_end": time(7)},
        {"times": (time(9),), "jitter": timedelta(-1)},
        {"times": (time(9),), "jitter": timedelta(days=1)},
        {"times": (time(9, tzinfo=UTC),)},
    ],
)
def test_schedule_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Schedule(**kwargs)  # type: ignore[arg-type]
