"""Escalation lifecycle (PagerDuty-like) for the workers' queue.

States: ``open`` -> ``acknowledged`` (claimed by a worker) -> ``resolved`` (with an
:class:`Outcome`) or ``auto_resolved`` (the person replied after a silence). Transitions are a
table (:data:`TRANSITIONS`); anything else raises :class:`InvalidTransition`.

Priorities (:func:`default_priority`):

* ``distress`` -> P1: a critical signal reaches a human fast, at any hour (safety first).
* ``concern``, ``silence``, ``wants_contact``, ``unreachable`` -> P2: a worker should act
  today, in working hours. ``wants_contact`` is the person's own request (本人主体) and must
  not wait for days, so it is not P3.
* ``reconnect`` -> P3: re-isolation after a hand-off is a slow drift; the person already has
  another tie (つなげる), so the worker picks it up within working days (もどす・つなぎ直す).

One active (open or acknowledged) escalation per person: an *episode*. A new reason (distress,
concern, a wish to talk, silence, unreachable) joins the active episode and raises its
priority when higher, never lowers it (:func:`merge_signal`); resolving the episode resolves
every reason in it. Whether a reply from the person closes the episode depends on all its
reasons (:func:`episode_auto_resolves`): a reply answers a silence, not a crisis.

Step-up ladder (:func:`next_step`): level 0 = assigned worker notified (at creation),
1 = worker re-notified, 2 = backup worker, 3 = all coordinators. A step happens when the
escalation is still ``open`` (nobody acknowledged) and the priority's ack deadline has passed
since the last notification. P1 steps up at any hour; P2/P3 step up only within working hours
on working days, never on a holiday or closed day (otherwise they wait for
:func:`next_working_instant`). Without a backup worker, level 1 goes
straight to coordinators. Escalations are never closed for inactivity (つながり続ける): only
a human resolves them, or the person's own reply auto-resolves silence-type ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum

from domain.schedule import load_zone, local_to_utc

__all__ = [
    "AUTO_RESOLVING_REASONS",
    "TRANSITIONS",
    "EscalationEvent",
    "EscalationReason",
    "EscalationSnapshot",
    "EscalationState",
    "InvalidTransition",
    "MergeAction",
    "MergeDecision",
    "Outcome",
    "Priority",
    "StepLevel",
    "StepTarget",
    "StepUp",
    "WorkingHours",
    "auto_resolves_on_reply",
    "default_priority",
    "episode_auto_resolves",
    "is_active",
    "is_working_time",
    "merge_signal",
    "next_step",
    "next_step_at",
    "next_working_instant",
    "transition",
]


class EscalationState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    AUTO_RESOLVED = "auto_resolved"


class EscalationReason(StrEnum):
    SILENCE = "silence"
    UNREACHABLE = "unreachable"
    DISTRESS = "distress"
    CONCERN = "concern"
    WANTS_CONTACT = "wants_contact"
    RECONNECT = "reconnect"


class Priority(StrEnum):
    """P1 urgent, P2 normal, P3 low. Compare with :attr:`urgency` or :meth:`is_higher_than`
    (plain ``<`` compares strings)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def urgency(self) -> int:
        """3 for P1, 2 for P2, 1 for P3: larger is more urgent."""
        return {"P1": 3, "P2": 2, "P3": 1}[self.value]

    def is_higher_than(self, other: Priority) -> bool:
        return self.urgency > other.urgency

    @staticmethod
    def highest(*priorities: Priority) -> Priority:
        return max(priorities, key=lambda p: p.urgency)


class Outcome(StrEnum):
    CONTACTED = "contacted"
    MET_IN_PERSON = "met_in_person"
    REFERRED = "referred"
    NO_ACTION_NEEDED = "no_action_needed"
    RECONNECTED = "reconnected"  # a `reconnect` episode: connected again, with a new tie
    RETURNED = "returned"  # a `reconnect` episode: back to closer watching by the team
    OTHER = "other"


_DEFAULT_PRIORITY: dict[EscalationReason, Priority] = {
    EscalationReason.DISTRESS: Priority.P1,
    EscalationReason.CONCERN: Priority.P2,
    EscalationReason.SILENCE: Priority.P2,
    EscalationReason.WANTS_CONTACT: Priority.P2,
    EscalationReason.UNREACHABLE: Priority.P2,
    EscalationReason.RECONNECT: Priority.P3,
}


def default_priority(reason: EscalationReason) -> Priority:
    """Priority for a new escalation of this reason (table and reasoning in the docstring)."""
    return _DEFAULT_PRIORITY[reason]


AUTO_RESOLVING_REASONS: frozenset[EscalationReason] = frozenset(
    {EscalationReason.SILENCE, EscalationReason.UNREACHABLE}
)


def auto_resolves_on_reply(reason: EscalationReason, *, by_silence: bool = False) -> bool:
    """Whether a reply from the person answers a reason of this kind.

    Only silence-type reasons: the reply *is* the answer to them. Distress, concern and
    wants_contact always need a human to resolve them - a later "ok" does not undo a crisis.
    A `reconnect` is answered by a reply only when the person's silence raised it
    (`by_silence`); when they said their tie stopped or their moods turned low, a chat message
    does not reconnect them, and the worker keeps it until they resolve it.
    """
    if reason is EscalationReason.RECONNECT:
        return by_silence
    return reason in AUTO_RESOLVING_REASONS


def episode_auto_resolves(answered: Iterable[bool]) -> bool:
    """A reply closes an episode only when every reason in it is answered by a reply (one
    flag per reason entry, from :func:`auto_resolves_on_reply` when the reason came)."""
    found = list(answered)
    return bool(found) and all(found)


# --------------------------------------------------------------------------- transitions


class EscalationEvent(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # a worker claims it
    RELEASE = "release"  # the claim is given up (e.g. reassigned): back to open
    RESOLVE = "resolve"  # a worker closes it with an outcome
    AUTO_RESOLVE = "auto_resolve"  # the person's reply cleared a silence-type escalation
    REOPEN = "reopen"  # a closed one was closed by mistake


class InvalidTransition(ValueError):
    """An event that is not allowed in the current state (e.g. acknowledging twice)."""

    def __init__(self, state: EscalationState, event: EscalationEvent) -> None:
        super().__init__(f"cannot {event} an escalation that is {state}")
        self.state = state
        self.event = event


_S = EscalationState
_E = EscalationEvent
TRANSITIONS: Mapping[tuple[EscalationState, EscalationEvent], EscalationState] = {
    (_S.OPEN, _E.ACKNOWLEDGE): _S.ACKNOWLEDGED,
    (_S.OPEN, _E.RESOLVE): _S.RESOLVED,
    (_S.OPEN, _E.AUTO_RESOLVE): _S.AUTO_RESOLVED,
    (_S.ACKNOWLEDGED, _E.RELEASE): _S.OPEN,
    (_S.ACKNOWLEDGED, _E.RESOLVE): _S.RESOLVED,
    (_S.ACKNOWLEDGED, _E.AUTO_RESOLVE): _S.AUTO_RESOLVED,
    (_S.RESOLVED, _E.REOPEN): _S.OPEN,
    (_S.AUTO_RESOLVED, _E.REOPEN): _S.OPEN,
}
"""Every legal (state, event) pair. Resolving directly from ``open`` is allowed (a worker may
handle it without claiming first); an acknowledged one can still auto-resolve (the holder is
told "all clear"); re-acknowledging or resolving twice is illegal."""


def transition(state: EscalationState, event: EscalationEvent) -> EscalationState:
    """The state after ``event``; raises :class:`InvalidTransition` for illegal pairs."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(state, event) from None


def is_active(state: EscalationState) -> bool:
    """Open or acknowledged: still someone's work, blocks a duplicate of the same reason."""
    return state in (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True, slots=True)
class EscalationSnapshot:
    """What the pure rules need to know about one escalation.

    ``level`` is the ladder level reached (see :class:`StepLevel`); ``last_notified_at`` is
    when that level's notification went out (level 0: at creation).
    """

    reason: EscalationReason
    priority: Priority
    state: EscalationState
    level: int = 0
    last_notified_at: datetime | None = None


class MergeAction(StrEnum):
    OPEN_NEW = "open_new"  # the person has no active episode
    JOIN = "join"  # attach the reason to the active episode; priority unchanged
    JOIN_RAISE = "join_raise"  # attach and raise the episode's priority


@dataclass(frozen=True, slots=True)
class MergeDecision:
    action: MergeAction
    priority: Priority  # the episode's priority after the merge

    @property
    def raised(self) -> bool:
        return self.action is MergeAction.JOIN_RAISE


def merge_signal(
    existing_open: EscalationSnapshot | None,
    reason: EscalationReason,
    priority: Priority | None = None,
) -> MergeDecision:
    """Decide how a new reason lands given the person's active episode, whatever its reason.

    ``priority`` defaults to :func:`default_priority`. No active episode (``None``, or a
    closed one passed by mistake) -> open a new one. Otherwise join it, raising its priority
    when the new one is higher and never lowering it. When raised, the integrator should
    re-notify; the ladder then uses the new priority's (shorter) deadline.
    """
    wanted = default_priority(reason) if priority is None else priority
    if existing_open is None or not is_active(existing_open.state):
        return MergeDecision(MergeAction.OPEN_NEW, wanted)
    if wanted.is_higher_than(existing_open.priority):
        return MergeDecision(MergeAction.JOIN_RAISE, wanted)
    return MergeDecision(MergeAction.JOIN, existing_open.priority)


# --------------------------------------------------------------------------- working hours


def _never_closed(day: date) -> bool:
    return False


# A working week with every day closed still has a working day within this many days
# unless the closures cover the whole year (the settings refuse that).
_SEARCH_DAYS = 2 * 366 + 7


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The organisation's working hours: ``[start, end)`` local time in ``timezone`` on the
    given weekdays (0 = Monday), except the days ``closed`` says are closed (national
    holidays and the organisation's own closures, as a predicate on the local date: the
    domain holds no calendar). ``start`` must be before ``end`` (no overnight shifts)."""

    start: time
    end: time
    timezone: str = "Asia/Tokyo"
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    closed: Callable[[date], bool] = _never_closed

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("working hours start must be before end")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError("working weekdays must be a non-empty set of 0 (Mon)..6 (Sun)")
        load_zone(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not self.closed(day)


def is_working_time(instant: datetime, hours: WorkingHours) -> bool:
    if instant.tzinfo is None:
        raise ValueError("instant must be an aware datetime (UTC)")
    local = instant.astimezone(load_zone(hours.timezone))
    return hours.is_working_day(local.date()) and hours.start <= local.time() < hours.end


def next_working_instant(now: datetime, hours: WorkingHours) -> datetime:
    """``now`` if within working hours, else the start of the next working period (UTC):
    weekends, holidays and closures are passed over."""
    if is_working_time(now, hours):
        return now
    zone = load_zone(hours.timezone)
    today = now.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if not hours.is_working_day(day):
            continue
        start = local_to_utc(day, hours.start, zone)
        if start > now:
            return start
    raise ValueError("no working day within two years: the closures cover every day")


# --------------------------------------------------------------------------- ladder


class StepLevel(IntEnum):
    WORKER = 0
    WORKER_AGAIN = 1
    BACKUP = 2
    COORDINATORS = 3


class StepTarget(StrEnum):
    WORKER = "worker"
    BACKUP = "backup"
    COORDINATORS = "coordinators"


_TARGETS: dict[StepLevel, StepTarget] = {
    StepLevel.WORKER: StepTarget.WORKER,
    StepLevel.WORKER_AGAIN: StepTarget.WORKER,
    StepLevel.BACKUP: StepTarget.BACKUP,
    StepLevel.COORDINATORS: StepTarget.COORDINATORS,
}


@dataclass(frozen=True, slots=True)
class StepUp:
    """Notify ``target`` now and store ``level`` and ``last_notified_at = now``."""

    level: StepLevel
    target: StepTarget


def _deadline(
    snapshot: EscalationSnapshot, ack_deadline: Mapping[Priority, timedelta]
) -> timedelta:
    try:
        return ack_deadline[snapshot.priority]
    except KeyError:
        raise ValueError(f"no ack deadline configured for {snapshot.priority}") from None


def next_step_at(
    snapshot: EscalationSnapshot,
    ack_deadline: Mapping[Priority, timedelta],
    working_hours: WorkingHours,
) -> datetime | None:
    """When the next step-up becomes due, or ``None`` if none will (not open, or already at
    coordinators). For P2/P3 this is pushed to the next working-hours instant."""
    if snapshot.state is not EscalationState.OPEN or snapshot.level >= StepLevel.COORDINATORS:
        return None
    if snapshot.last_notified_at is None:
        raise ValueError("an open escalation must record when it was last notified")
    due = snapshot.last_notified_at + _deadline(snapshot, ack_deadline)
    if snapshot.priority is Priority.P1:
        return due
    return next_working_instant(due, working_hours)


def next_step(
    snapshot: EscalationSnapshot,
    now: datetime,
    ack_deadline: Mapping[Priority, timedelta],
    working_hours: WorkingHours,
    *,
    has_backup: bool = True,
) -> StepUp | None:
    """The step-up due now, or ``None`` (rules in the module docstring).

    Only while ``open``; once acknowledged the holder owns it and nobody else is paged. The
    ladder moves one level per deadline: the wait restarts at every notification.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    if snapshot.state is not EscalationState.OPEN or snapshot.level >= StepLevel.COORDINATORS:
        return None
    due = next_step_at(snapshot, ack_deadline, working_hours)
    if due is None or now < due:
        return None
    if snapshot.priority is not Priority.P1 and not is_working_time(now, working_hours):
        return None
    level = StepLevel(max(snapshot.level, 0) + 1)
    if level is StepLevel.BACKUP and not has_backup:
        level = StepLevel.COORDINATORS
    return StepUp(level, _TARGETS[level])
