"""The timeline's order: by time, and same-instant events in the order a life runs in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.timeline import TimelineEvent, TimelineKind, in_order

T = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_events_are_ordered_by_time_then_by_kind() -> None:
    events = [
        TimelineEvent(T + timedelta(hours=2), TimelineKind.MOOD, {"checkin_id": 1}),
        TimelineEvent(T, TimelineKind.TIE_ACTIVE, {"tie_id": 1}),
        TimelineEvent(T, TimelineKind.TIE_PROPOSED, {"tie_id": 1}),
        TimelineEvent(T - timedelta(days=1), TimelineKind.PAUSED),
        TimelineEvent(T, TimelineKind.CHECKIN, {"checkin_id": 1}),
    ]
    assert [e.kind for e in in_order(events)] == [
        TimelineKind.PAUSED,
        TimelineKind.CHECKIN,
        TimelineKind.TIE_PROPOSED,
        TimelineKind.TIE_ACTIVE,
        TimelineKind.MOOD,
    ]


def test_same_kind_at_the_same_instant_keeps_its_order() -> None:
    first = TimelineEvent(T, TimelineKind.MESSAGE, {"message_id": 1})
    second = TimelineEvent(T, TimelineKind.MESSAGE, {"message_id": 2})
    assert in_order([first, second]) == [first, second]
