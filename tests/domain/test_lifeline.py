"""The life timeline picture's layout (figure 3-1): table-driven cases of what widens or
narrows the life line and the worker's band, spans, ties, gaps, ticks, and its cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.cadence import CadenceLevel
from domain.lifeline import (
    AXIS_Y,
    MAX_BUCKETS,
    MAX_TICKS,
    Lifeline,
    SpanKind,
    TieShape,
    bucket_days,
    lay_out,
)
from domain.timeline import TimelineEvent, TimelineKind, in_order

T0 = datetime(2026, 9, 7, 0, 0, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=28)
K = TimelineKind


def at(day: float, hours: float = 1) -> datetime:
    return T0 + timedelta(days=day, hours=hours)


def daily(days: range, mood: int | None = 2, *, first_id: int = 0) -> list[TimelineEvent]:
    """A check-in each day, answered with `mood` (None: not answered)."""
    events: list[TimelineEvent] = []
    for day in days:
        cid = first_id + day
        events.append(TimelineEvent(at(day), K.CHECKIN, {"checkin_id": cid}))
        if mood is not None:
            events.append(TimelineEvent(at(day, 2), K.MOOD, {"checkin_id": cid, "score": mood}))
    return events


def picture(events: list[TimelineEvent], **options: Any) -> Lifeline:
    return lay_out(in_order(events), NOW, **options)


def week(line: Lifeline, day: float) -> Any:
    return next(b for b in line.buckets if b.start <= at(day) < b.end)


def motivation_in_week_4(events: list[TimelineEvent]) -> float:
    return float(week(picture(events), 24).motivation)


# Each case: the fourth week's events, and whether the life line ends narrower (<) or
# wider (>) than after three good weeks followed by a fourth good week.
GOOD = daily(range(0, 21))
NARROWING: list[tuple[str, list[TimelineEvent]]] = [
    ("low moods", daily(range(21, 28), mood=5)),
    ("silence: check-ins unanswered", daily(range(21, 28), mood=None)),
    (
        "a distress signal",
        [
            *daily(range(21, 28)),
            TimelineEvent(at(23), K.ESCALATION_OPENED, {"escalation_id": 1, "reason": "distress"}),
        ],
    ),
    (
        "a concern signal",
        [
            *daily(range(21, 28)),
            TimelineEvent(at(23), K.ESCALATION_OPENED, {"escalation_id": 1, "reason": "concern"}),
        ],
    ),
]


@pytest.mark.parametrize(("name", "fourth_week"), NARROWING, ids=[n for n, _ in NARROWING])
def test_what_narrows_the_life_line(name: str, fourth_week: list[TimelineEvent]) -> None:
    steady = motivation_in_week_4(GOOD + daily(range(21, 28)))
    assert motivation_in_week_4(GOOD + fourth_week) < steady, name


def test_no_news_is_not_bad_news() -> None:
    """A week with nothing sent keeps the last width: a quiet stretch narrows nothing."""
    line = picture(GOOD)
    assert week(line, 24).motivation == week(line, 20).motivation
    assert week(line, 24).sent == 0 and not week(line, 24).silent


def test_a_silent_week_is_marked() -> None:
    line = picture(GOOD + daily(range(21, 28), mood=None))
    assert week(line, 24).silent
    assert [round(x * 28, 1) for x in line.silences] == [21.5 + d for d in range(7)]


CLOSER: list[tuple[str, list[TimelineEvent], Callable[[Lifeline], float]]] = [
    (
        "the cadence tightened",
        [TimelineEvent(at(21), K.CADENCE_CHANGED, {"from": "base", "to": "close"})],
        lambda line: week(line, 24).closeness,
    ),
    (
        "a focused-support period",
        [TimelineEvent(at(21), K.FOCUS_STARTED, {"focus_id": 1})],
        lambda line: week(line, 24).closeness,
    ),
    (
        "an open episode",
        [TimelineEvent(at(21), K.ESCALATION_OPENED, {"escalation_id": 1, "reason": "silence"})],
        lambda line: week(line, 24).closeness,
    ),
    ("motivation dropped", daily(range(21, 28), mood=5), lambda line: week(line, 24).closeness),
]


@pytest.mark.parametrize(("name", "extra", "read"), CLOSER, ids=[n for n, _, _ in CLOSER])
def test_what_widens_the_workers_band(
    name: str, extra: list[TimelineEvent], read: Callable[[Lifeline], float]
) -> None:
    steady = read(picture(GOOD + daily(range(21, 28))))
    assert read(picture(GOOD + daily(range(21, 28)) + extra)) > steady, name


def test_the_band_surrounds_the_life_line_and_both_are_closed_outlines() -> None:
    line = picture(GOOD + daily(range(21, 28), mood=5))
    [life], [band] = line.life, line.band
    assert len(life) == len(band) == 2 * (len(line.buckets) + 2)
    for (x, y_life), (x_band, y_band) in zip(life, band, strict=True):
        assert x == x_band
        assert (y_band < y_life < AXIS_Y) or (AXIS_Y < y_life < y_band)
    assert life[0][0] == 0.0 and max(x for x, _ in life) == 1.0


def test_a_pause_is_a_gap_in_the_line_and_the_band() -> None:
    events = daily(range(0, 7)) + daily(range(17, 28), first_id=100)
    events += [TimelineEvent(at(7), K.PAUSED), TimelineEvent(at(16, 23), K.RESUMED)]
    line = lay_out(in_order(events), NOW)
    assert line.days_per_bucket == 1
    assert len(line.life) == len(line.band) == 2
    [pause] = [s for s in line.spans if s.kind is SpanKind.PAUSE]
    assert not pause.running and pause.x0 == pytest.approx(7 / 28, abs=0.01)
    assert not week(line, 10).present and week(line, 20).present


def test_a_stop_ends_the_line_until_now() -> None:
    line = picture([*daily(range(0, 10)), TimelineEvent(at(10), K.STOPPED)])
    [stop] = [s for s in line.spans if s.kind is SpanKind.PAUSE]
    assert stop.running and stop.x1 == 1.0
    assert len(line.life) == 1 and max(x for x, _ in line.life[0]) < 0.5


SPANS: list[tuple[str, list[TimelineEvent], SpanKind, bool, str | None]] = [
    (
        "a resolved episode",
        [
            TimelineEvent(
                at(3),
                K.ESCALATION_OPENED,
                {"escalation_id": 7, "reason": "distress", "priority": "P1"},
            ),
            TimelineEvent(at(5), K.ESCALATION_RESOLVED, {"escalation_id": 7, "state": "resolved"}),
        ],
        SpanKind.ESCALATION,
        False,
        "P1",
    ),
    (
        "an episode still open",
        [
            TimelineEvent(
                at(20),
                K.ESCALATION_OPENED,
                {"escalation_id": 8, "reason": "silence", "priority": "P3"},
            )
        ],
        SpanKind.ESCALATION,
        True,
        "P3",
    ),
    (
        "a focus period that ended",
        [
            TimelineEvent(at(7), K.FOCUS_STARTED, {"focus_id": 1}),
            TimelineEvent(at(21), K.FOCUS_ENDED, {"focus_id": 1}),
        ],
        SpanKind.FOCUS,
        False,
        None,
    ),
    (
        "a focus period going on",
        [TimelineEvent(at(14), K.FOCUS_STARTED, {"focus_id": 2})],
        SpanKind.FOCUS,
        True,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "events", "kind", "running", "priority"), SPANS, ids=[s[0] for s in SPANS]
)
def test_spans(
    name: str, events: list[TimelineEvent], kind: SpanKind, running: bool, priority: str | None
) -> None:
    [span] = picture(GOOD + events).spans
    assert (span.kind, span.running, span.priority) == (kind, running, priority)
    assert span.x0 == pytest.approx(picture(GOOD).x(events[0].at))
    assert (span.x1 == 1.0) is running and span.x0 < span.x1


def tie(tie_id: int, *steps: tuple[float, TimelineKind]) -> list[TimelineEvent]:
    about = {"tie_id": tie_id, "resource_id": 30 + tie_id}
    return [
        TimelineEvent(
            at(day), kind, {**about, "answer": "going"} if kind is K.TIE_CHECKED else about
        )
        for day, kind in steps
    ]


TIES: list[tuple[str, list[TimelineEvent], TieShape, bool]] = [
    ("joined and going", tie(1, (2, K.TIE_PROPOSED), (3, K.TIE_ACTIVE)), TieShape.ACTIVE, False),
    (
        "joined, then left",
        tie(1, (2, K.TIE_PROPOSED), (3, K.TIE_ACTIVE), (12, K.TIE_CHECKED), (20, K.TIE_ENDED)),
        TieShape.ENDED,
        True,
    ),
    ("declined", tie(1, (2, K.TIE_PROPOSED), (3, K.TIE_DECLINED)), TieShape.DECLINED, False),
    ("not answered yet", tie(1, (2, K.TIE_PROPOSED)), TieShape.PROPOSED, False),
]


@pytest.mark.parametrize(("name", "events", "shape", "left"), TIES, ids=[t[0] for t in TIES])
def test_ties_join_and_leave(
    name: str, events: list[TimelineEvent], shape: TieShape, left: bool
) -> None:
    [mark] = picture(GOOD + events).ties
    assert mark.shape is shape and mark.resource_id == 31
    assert (mark.x_leave is not None) is left
    if shape is TieShape.ACTIVE:
        assert mark.x_join == pytest.approx(3 / 28, abs=0.01)
    if left:
        assert mark.checks and mark.x_join < mark.checks[0] < (mark.x_leave or 0)


def test_ties_at_the_same_time_take_different_lanes() -> None:
    events = tie(1, (2, K.TIE_PROPOSED), (3, K.TIE_ACTIVE)) + tie(
        2, (2, K.TIE_PROPOSED), (3, K.TIE_ACTIVE)
    )
    first, second = picture(GOOD + events).ties
    assert first.y != second.y


@pytest.mark.parametrize(
    ("days", "bucket"), [(7, 1), (120, 1), (121, 7), (730, 7), (840, 7), (841, 14), (3000, 28)]
)
def test_buckets_stay_few(days: int, bucket: int) -> None:
    assert bucket_days(timedelta(days=days)) == bucket
    assert days / bucket <= MAX_BUCKETS


TICKS: list[tuple[int, str, str]] = [
    (10, "09-08", "09-16"),  # every other day (in Tokyo)
    (40, "09-14", "10-12"),  # Mondays
    (200, "2026-10", "2027-03"),  # months
    (800, "2026-10", "2028-10"),  # quarters
]


@pytest.mark.parametrize(("days", "first", "last"), TICKS)
def test_ticks_are_dates_in_digits(days: int, first: str, last: str) -> None:
    first_checkin = [TimelineEvent(at(0), K.CHECKIN, {"checkin_id": 1})]
    line = lay_out(first_checkin, T0 + timedelta(days=days), tz=ZoneInfo("Asia/Tokyo"))
    labels = [t.label for t in line.ticks]
    assert (labels[0], labels[-1]) == (first, last)
    assert all(set(label) <= set("0123456789-") for label in labels)
    assert [t.x for t in line.ticks] == sorted(t.x for t in line.ticks)
    assert 0 < len(line.ticks) <= MAX_TICKS and line.ticks[0].x >= 0


def test_nothing_yet_is_an_empty_week() -> None:
    line = lay_out([], NOW)
    assert line.end == NOW and line.start == NOW - timedelta(days=7)
    assert line.spans == () and line.ties == () and len(line.life) == 1


def test_the_first_level_is_the_first_changes_from() -> None:
    events = [*GOOD, TimelineEvent(at(14), K.CADENCE_CHANGED, {"from": "loose", "to": "base"})]
    line = picture(events, level=CadenceLevel.BASE)
    assert week(line, 3).closeness < week(line, 24).closeness


def two_years() -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for day in range(730):
        events.append(TimelineEvent(at(day), K.CHECKIN, {"checkin_id": day}))
        if day % 9 != 4:
            mood = 1 + (day // 30) % 5
            events.append(TimelineEvent(at(day, 2), K.MOOD, {"checkin_id": day, "score": mood}))
        if day % 90 == 45:
            events.append(
                TimelineEvent(
                    at(day, 3), K.ESCALATION_OPENED, {"escalation_id": day, "reason": "concern"}
                )
            )
            events.append(TimelineEvent(at(day + 3), K.ESCALATION_RESOLVED, {"escalation_id": day}))
    return in_order(events)


def test_two_years_of_daily_check_ins_lay_out_quickly() -> None:
    events = two_years()
    now = at(730)
    lay_out(events, now)
    started = time.perf_counter()
    line = lay_out(events, now)
    took = time.perf_counter() - started
    assert line.days_per_bucket == 7 and len(line.buckets) == 105
    assert len([s for s in line.spans if s.kind is SpanKind.ESCALATION]) == 8
    assert took < 0.05, f"{took * 1000:.1f} ms"
