from datetime import UTC, datetime, time, timedelta

import pytest

from domain.escalation import (
    EscalationEvent,
    EscalationReason,
    EscalationSnapshot,
    EscalationState,
    InvalidTransition,
    MergeAction,
    MergeDecision,
    Outcome,
    Priority,
    StepLevel,
    StepTarget,
    StepUp,
    WorkingHours,
    auto_resolves_on_reply,
    default_priority,
    episode_auto_resolves,
    is_active,
    is_working_time,
    merge_signal,
    next_step,
    next_step_at,
    next_working_instant,
    transition,
)

S = EscalationState
E = EscalationEvent
R = EscalationReason
P = Priority


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def jst(d: int, h: int, mi: int = 0) -> datetime:
    """A May 2026 instant given in Tokyo time (2026-05-04 is a Monday)."""
    return utc(2026, 5, d, h, mi) - timedelta(hours=9)


HOURS = WorkingHours(time(9), time(18), "Asia/Tokyo", frozenset({0, 1, 2, 3, 4}))
DEADLINES = {P.P1: timedelta(minutes=15), P.P2: timedelta(hours=2), P.P3: timedelta(days=1)}

TRANSITION_TABLE = [
    (S.OPEN, E.ACKNOWLEDGE, S.ACKNOWLEDGED),
    (S.OPEN, E.RESOLVE, S.RESOLVED),
    (S.OPEN, E.AUTO_RESOLVE, S.AUTO_RESOLVED),
    (S.OPEN, E.RELEASE, None),
    (S.OPEN, E.REOPEN, None),
    (S.ACKNOWLEDGED, E.ACKNOWLEDGE, None),
    (S.ACKNOWLEDGED, E.RELEASE, S.OPEN),
    (S.ACKNOWLEDGED, E.RESOLVE, S.RESOLVED),
    (S.ACKNOWLEDGED, E.AUTO_RESOLVE, S.AUTO_RESOLVED),
    (S.ACKNOWLEDGED, E.REOPEN, None),
    (S.RESOLVED, E.ACKNOWLEDGE, None),
    (S.RESOLVED, E.RELEASE, None),
    (S.RESOLVED, E.RESOLVE, None),
    (S.RESOLVED, E.AUTO_RESOLVE, None),
    (S.RESOLVED, E.REOPEN, S.OPEN),
    (S.AUTO_RESOLVED, E.ACKNOWLEDGE, None),
    (S.AUTO_RESOLVED, E.RELEASE, None),
    (S.AUTO_RESOLVED, E.RESOLVE, None),
    (S.AUTO_RESOLVED, E.AUTO_RESOLVE, None),
    (S.AUTO_RESOLVED, E.REOPEN, S.OPEN),
]


def test_transition_table_is_complete() -> None:
    assert {(s, e) for s, e, _ in TRANSITION_TABLE} == {(s, e) for s in S for e in E}


@pytest.mark.parametrize(("state", "event", "expected"), TRANSITION_TABLE)
def test_transition(
    state: EscalationState, event: EscalationEvent, expected: EscalationState | None
) -> None:
    if expected is None:
        with pytest.raises(InvalidTransition) as info:
            transition(state, event)
        assert info.value.state is state and info.value.event is event
        assert isinstance(info.value, ValueError)
    else:
        assert transition(state, event) is expected


@pytest.mark.parametrize(
    ("state", "active"),
    [(S.OPEN, True), (S.ACKNOWLEDGED, True), (S.RESOLVED, False), (S.AUTO_RESOLVED, False)],
)
def test_is_active(state: EscalationState, active: bool) -> None:
    assert is_active(state) is active


@pytest.mark.parametrize(
    ("reason", "priority", "auto"),
    [
        (R.DISTRESS, P.P1, False),
        (R.CONCERN, P.P2, False),
        (R.SILENCE, P.P2, True),
        (R.WANTS_CONTACT, P.P2, False),
        (R.UNREACHABLE, P.P2, True),
        (R.RECONNECT, P.P3, False),
    ],
)
def test_reason_defaults(reason: EscalationReason, priority: Priority, auto: bool) -> None:
    assert default_priority(reason) is priority
    assert auto_resolves_on_reply(reason) is auto


def test_words_match_the_contract() -> None:
    assert [r.value for r in R] == [
        "silence", "unreachable", "distress", "concern", "wants_contact", "reconnect"
    ]
    assert [p.value for p in P] == ["P1", "P2", "P3"]
    assert [s.value for s in S] == ["open", "acknowledged", "resolved", "auto_resolved"]
    # `reconnected` and `returned`: how a `reconnect` episode ends (issue 13).
    assert [o.value for o in Outcome] == [
        "contacted", "met_in_person", "referred", "no_action_needed", "reconnected", "returned",
        "other",
    ]


@pytest.mark.parametrize(
    ("a", "b", "higher"),
    [(P.P1, P.P2, True), (P.P1, P.P3, True), (P.P2, P.P3, True), (P.P2, P.P1, False),
     (P.P3, P.P1, False), (P.P2, P.P2, False)],
)
def test_priority_order(a: Priority, b: Priority, higher: bool) -> None:
    assert a.is_higher_than(b) is higher


def test_priority_highest() -> None:
    assert Priority.highest(P.P3, P.P1, P.P2) is P.P1
    assert sorted([P.P3, P.P1, P.P2], key=lambda p: -p.urgency) == [P.P1, P.P2, P.P3]


def snap(
    reason: EscalationReason = R.CONCERN,
    priority: Priority = P.P2,
    state: EscalationState = S.OPEN,
    level: int = 0,
    last: datetime | None = None,
) -> EscalationSnapshot:
    return EscalationSnapshot(reason, priority, state, level, last or jst(4, 10))


@pytest.mark.parametrize(
    ("existing", "reason", "priority", "expected"),
    [
        (None, R.DISTRESS, None, MergeDecision(MergeAction.OPEN_NEW, P.P1)),
        (None, R.SILENCE, None, MergeDecision(MergeAction.OPEN_NEW, P.P2)),
        (None, R.RECONNECT, None, MergeDecision(MergeAction.OPEN_NEW, P.P3)),
        (None, R.CONCERN, P.P1, MergeDecision(MergeAction.OPEN_NEW, P.P1)),
        (snap(R.CONCERN, P.P2), R.CONCERN, P.P2, MergeDecision(MergeAction.JOIN, P.P2)),
        (snap(R.CONCERN, P.P2), R.CONCERN, P.P1, MergeDecision(MergeAction.JOIN_RAISE, P.P1)),
        (snap(R.CONCERN, P.P2), R.CONCERN, P.P3, MergeDecision(MergeAction.JOIN, P.P2)),
        (snap(R.DISTRESS, P.P1), R.DISTRESS, None, MergeDecision(MergeAction.JOIN, P.P1)),
        (snap(R.RECONNECT, P.P3), R.RECONNECT, P.P2, MergeDecision(MergeAction.JOIN_RAISE, P.P2)),
        (snap(R.SILENCE, P.P3, S.ACKNOWLEDGED), R.SILENCE, None,
         MergeDecision(MergeAction.JOIN_RAISE, P.P2)),
        (snap(R.SILENCE, P.P1, S.ACKNOWLEDGED), R.SILENCE, P.P3,
         MergeDecision(MergeAction.JOIN, P.P1)),
        (snap(R.SILENCE, P.P2, S.RESOLVED), R.SILENCE, None,
         MergeDecision(MergeAction.OPEN_NEW, P.P2)),
        (snap(R.SILENCE, P.P1, S.AUTO_RESOLVED), R.SILENCE, P.P3,
         MergeDecision(MergeAction.OPEN_NEW, P.P3)),
    ],
)
def test_merge_signal(
    existing: EscalationSnapshot | None,
    reason: EscalationReason,
    priority: Priority | None,
    expected: MergeDecision,
) -> None:
    decision = merge_signal(existing, reason, priority)
    assert decision == expected
    assert decision.raised is (expected.action is MergeAction.JOIN_RAISE)
    if existing is not None and is_active(existing.state):
        assert decision.priority.urgency >= existing.priority.urgency  # never lowers


@pytest.mark.parametrize(
    ("existing", "reason", "expected"),
    [
        # One episode per person: another reason joins, raising when more urgent.
        (snap(R.SILENCE), R.DISTRESS, MergeDecision(MergeAction.JOIN_RAISE, P.P1)),
        (snap(R.DISTRESS, P.P1), R.WANTS_CONTACT, MergeDecision(MergeAction.JOIN, P.P1)),
        (snap(R.DISTRESS, P.P1), R.DISTRESS, MergeDecision(MergeAction.JOIN, P.P1)),
        (snap(R.RECONNECT, P.P3), R.CONCERN, MergeDecision(MergeAction.JOIN_RAISE, P.P2)),
        (snap(R.CONCERN, P.P2, S.RESOLVED), R.DISTRESS, MergeDecision(MergeAction.OPEN_NEW, P.P1)),
    ],
)
def test_merge_signal_joins_the_episode_whatever_its_reason(
    existing: EscalationSnapshot, reason: EscalationReason, expected: MergeDecision
) -> None:
    assert merge_signal(existing, reason, None) == expected


@pytest.mark.parametrize(
    ("reason", "by_silence", "answered"),
    [
        (R.SILENCE, False, True),
        (R.UNREACHABLE, False, True),
        (R.RECONNECT, True, True),  # a tied person fell silent: the reply answers it
        (R.RECONNECT, False, False),  # "I stopped going", low moods: the worker decides
        (R.DISTRESS, False, False),
        (R.CONCERN, True, False),  # `by_silence` only ever frees a reconnect
    ],
)
def test_what_a_reply_answers(reason: EscalationReason, by_silence: bool, answered: bool) -> None:
    assert auto_resolves_on_reply(reason, by_silence=by_silence) is answered


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([(R.SILENCE, False)], True),
        ([(R.SILENCE, False), (R.UNREACHABLE, False)], True),
        ([(R.RECONNECT, True)], True),
        ([(R.RECONNECT, False)], False),
        ([(R.RECONNECT, True), (R.RECONNECT, False)], False),
        ([(R.SILENCE, False), (R.DISTRESS, False)], False),
        ([(R.WANTS_CONTACT, False)], False),
        ([(R.CONCERN, False), (R.SILENCE, False)], False),
        ([], False),
    ],
)
def test_a_reply_closes_an_episode_only_when_it_answers_every_reason(
    reasons: list[tuple[EscalationReason, bool]], expected: bool
) -> None:
    answered = [auto_resolves_on_reply(r, by_silence=s) for r, s in reasons]
    assert episode_auto_resolves(answered) is expected


WORKER_AGAIN = StepUp(StepLevel.WORKER_AGAIN, StepTarget.WORKER)
BACKUP = StepUp(StepLevel.BACKUP, StepTarget.BACKUP)
COORDS = StepUp(StepLevel.COORDINATORS, StepTarget.COORDINATORS)

STEP_CASES = [
    # P2 in working hours: notified Mon 10:00 JST, deadline 2h
    ("p2 before deadline", snap(), jst(4, 11, 59), True, None),
    ("p2 at deadline re-notifies worker", snap(), jst(4, 12), True, WORKER_AGAIN),
    ("p2 long after deadline still one step", snap(), jst(4, 17), True, WORKER_AGAIN),
    ("level 1 -> backup", snap(level=1), jst(4, 12), True, BACKUP),
    ("level 1 without backup -> coordinators", snap(level=1), jst(4, 12), False, COORDS),
    ("level 2 -> coordinators", snap(level=2), jst(4, 12), True, COORDS),
    ("top of ladder", snap(level=3), jst(4, 17), True, None),
    ("acknowledged never steps", snap(state=S.ACKNOWLEDGED), jst(4, 17), True, None),
    ("resolved never steps", snap(state=S.RESOLVED), jst(4, 17), True, None),
    ("auto-resolved never steps", snap(state=S.AUTO_RESOLVED), jst(4, 17), True, None),
    # P2 outside working hours waits
    ("p2 due in the evening waits", snap(last=jst(4, 17)), jst(4, 19), True, None),
    ("p2 at night waits", snap(last=jst(4, 17)), jst(5, 3), True, None),
    ("p2 steps at next opening", snap(last=jst(4, 17)), jst(5, 9), True, WORKER_AGAIN),
    ("p2 friday evening waits over weekend", snap(last=jst(8, 17)), jst(9, 12), True, None),
    ("p2 sunday still waits", snap(last=jst(8, 17)), jst(10, 23, 59), True, None),
    ("p2 monday morning steps", snap(last=jst(8, 17)), jst(11, 9), True, WORKER_AGAIN),
    ("p2 exactly at end of day waits", snap(last=jst(4, 16)), jst(4, 18), True, None),
    ("p2 due at 17:59 steps", snap(last=jst(4, 15, 59)), jst(4, 17, 59), True, WORKER_AGAIN),
    # P3 the same rule, longer deadline
    ("p3 before a day", snap(priority=P.P3), jst(5, 9, 59), True, None),
    ("p3 after a day", snap(priority=P.P3), jst(5, 10), True, WORKER_AGAIN),
    ("p3 on saturday waits", snap(priority=P.P3, last=jst(8, 10)), jst(9, 11), True, None),
    # P1 steps at any hour
    ("p1 before deadline", snap(R.DISTRESS, P.P1, last=jst(9, 2)), jst(9, 2, 14), True, None),
    ("p1 saturday night", snap(R.DISTRESS, P.P1, last=jst(9, 2)), jst(9, 2, 15), True,
     WORKER_AGAIN),
    ("p1 night backup", snap(R.DISTRESS, P.P1, level=1, last=jst(9, 2, 15)), jst(9, 2, 30),
     True, BACKUP),
    ("p1 night no backup", snap(R.DISTRESS, P.P1, level=1, last=jst(9, 2, 15)), jst(9, 2, 30),
     False, COORDS),
    ("p1 night coordinators", snap(R.DISTRESS, P.P1, level=2, last=jst(9, 2, 30)),
     jst(9, 2, 45), True, COORDS),
    ("p1 acknowledged stops", snap(R.DISTRESS, P.P1, S.ACKNOWLEDGED, 1, jst(9, 2)),
     jst(9, 5), True, None),
]


@pytest.mark.parametrize(
    ("snapshot", "now", "has_backup", "expected"),
    [pytest.param(s, n, b, e, id=name) for name, s, n, b, e in STEP_CASES],
)
def test_next_step(
    snapshot: EscalationSnapshot, now: datetime, has_backup: bool, expected: StepUp | None
) -> None:
    assert next_step(snapshot, now, DEADLINES, HOURS, has_backup=has_backup) == expected


def test_full_ladder_walk() -> None:
    s = snap(last=jst(4, 10))
    now = jst(4, 10)
    targets = []
    while (step := next_step(s, now, DEADLINES, HOURS, has_backup=False)) is None:
        now += timedelta(minutes=5)
        if now > jst(4, 18):
            break
    while step is not None:
        targets.append(step.target)
        s = EscalationSnapshot(s.reason, s.priority, s.state, step.level, now)
        now += DEADLINES[s.priority]
        step = next_step(s, now, DEADLINES, HOURS, has_backup=False)
    assert targets == [StepTarget.WORKER, StepTarget.COORDINATORS]


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        (snap(), jst(4, 12)),
        (snap(last=jst(4, 17)), jst(5, 9)),
        (snap(last=jst(8, 17)), jst(11, 9)),
        (snap(R.DISTRESS, P.P1, last=jst(9, 2)), jst(9, 2, 15)),
        (snap(level=3), None),
        (snap(state=S.ACKNOWLEDGED), None),
    ],
)
def test_next_step_at(snapshot: EscalationSnapshot, expected: datetime | None) -> None:
    assert next_step_at(snapshot, DEADLINES, HOURS) == expected


def test_next_step_needs_deadline_and_notification_time() -> None:
    with pytest.raises(ValueError):
        next_step(snap(), jst(4, 12), {P.P1: timedelta(minutes=15)}, HOURS)
    bare = EscalationSnapshot(R.SILENCE, P.P2, S.OPEN, 0, None)
    with pytest.raises(ValueError):
        next_step(bare, jst(4, 12), DEADLINES, HOURS)


LONDON_HOURS = WorkingHours(time(9), time(17), "Europe/London", frozenset({0, 1, 2, 3, 4}))


@pytest.mark.parametrize(
    ("now", "hours", "expected"),
    [
        (jst(4, 10), HOURS, jst(4, 10)),  # within hours: now
        (jst(4, 9), HOURS, jst(4, 9)),  # start is inclusive
        (jst(4, 8, 59), HOURS, jst(4, 9)),
        (jst(4, 18), HOURS, jst(5, 9)),  # end is exclusive
        (jst(4, 23), HOURS, jst(5, 9)),
        (jst(8, 18, 30), HOURS, jst(11, 9)),  # Friday evening -> Monday
        (jst(9, 12), HOURS, jst(11, 9)),  # Saturday
        (jst(10, 23, 59), HOURS, jst(11, 9)),  # Sunday night
        (jst(4, 0, 30), HOURS, jst(4, 9)),  # early Monday, UTC date is still Sunday
        (utc(2026, 3, 28, 12), LONDON_HOURS, utc(2026, 3, 30, 8)),  # BST begins on the Sunday
        (utc(2026, 10, 24, 12), LONDON_HOURS, utc(2026, 10, 26, 9)),  # GMT again
        (utc(2026, 3, 27, 17), LONDON_HOURS, utc(2026, 3, 30, 8)),  # Fri 17:00 GMT: closed
        (jst(9, 12), WorkingHours(time(10), time(16), "Asia/Tokyo", frozenset({5})), jst(9, 12)),
    ],
)
def test_next_working_instant(now: datetime, hours: WorkingHours, expected: datetime) -> None:
    assert next_working_instant(now, hours) == expected
    assert is_working_time(expected, hours)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": time(18), "end": time(9)},
        {"start": time(9), "end": time(9)},
        {"start": time(9), "end": time(18), "weekdays": frozenset()},
        {"start": time(9), "end": time(18), "weekdays": frozenset({7})},
        {"start": time(9), "end": time(18), "timezone": "Not/AZone"},
    ],
)
def test_working_hours_validate(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WorkingHours(**kwargs)  # type: ignore[arg-type]
