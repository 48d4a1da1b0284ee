"""Adaptive cadence: 関わりは濃くなる - contact gets denser when motivation drops.

Levels, loose to tight (:data:`LEVEL_ORDER`):

* ``loose`` - 緩やかな見守り: the base schedule, but at least ``policy.loose_min_gap``
  (default 3 days) between check-ins.
* ``base`` - the schedule the coordinator wrote.
* ``close`` - one step denser than base.
* ``closest`` - two steps denser than base.

"Denser" (see :func:`effective_schedule`): the first step fills in skipped days (the day rule
becomes daily); every further step - or the first, when the base is already daily - adds one
extra daily slot chosen from ``policy.extra_time_candidates`` (outside quiet hours, at least
``policy.extra_slot_separation`` from the other slots). If no candidate fits, the step adds
nothing to the schedule, but the level is still recorded.

Decision rules (:func:`decide_cadence`), evaluated in this order:

1. The current level is outside the coordinator's bounds -> clamp (``bounds_changed``).
2. A concern/distress signal in the last ``signal_lookback`` days (default 7) that arrived
   after the last change -> tighten one step (``concern_signal``).
3. Two of the last three mood answers (within ``mood_lookback``) are low (score 4-5), at least
   one of them after the last change -> tighten one step (``low_moods``). Requiring evidence
   newer than the last change stops the same two answers from tightening twice in a row.
4. A stable good period - the last ``stable_period`` days (default 14) with no low mood, no
   signal, no level change, and at least ``stable_min_replies`` replies - relaxes one step
   toward the loosest bound (``stable_period``); for a person with an active tie to a
   community resource, straight to the loosest bound (``connected``: 緩やかな見守り, never
   nothing - the loosest level still writes, and the tie check and silence still watch).
5. Otherwise unchanged.

Silence never changes anything (つながり続ける): with no replies there is no stable period,
so the cadence cannot loosen, and silence itself is handled by the silence/escalation rules,
not by writing more often to someone who is not answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from domain.mood import LOW_MOOD_SCORE
from domain.schedule import DayRule, Schedule

__all__ = [
    "DEFAULT_BOUNDS",
    "DEFAULT_POLICY",
    "LEVEL_ORDER",
    "CadenceBounds",
    "CadenceDecision",
    "CadenceLevel",
    "CadencePolicy",
    "CadenceReason",
    "CadenceState",
    "EffectiveSchedule",
    "MoodRecord",
    "decide_cadence",
    "effective_schedule",
    "looser",
    "low_mood_count",
    "rank",
    "tighter",
]


class CadenceLevel(StrEnum):
    """Cadence level. Compare with :func:`rank`, not ``<`` (that would compare strings)."""

    LOOSE = "loose"
    BASE = "base"
    CLOSE = "close"
    CLOSEST = "closest"


LEVEL_ORDER: tuple[CadenceLevel, ...] = (
    CadenceLevel.LOOSE,
    CadenceLevel.BASE,
    CadenceLevel.CLOSE,
    CadenceLevel.CLOSEST,
)


def rank(level: CadenceLevel) -> int:
    """0 for ``loose`` .. 3 for ``closest``: higher is tighter (more contact)."""
    return LEVEL_ORDER.index(level)


def tighter(level: CadenceLevel) -> CadenceLevel:
    """One step tighter, or the same level at the top."""
    return LEVEL_ORDER[min(rank(level) + 1, len(LEVEL_ORDER) - 1)]


def looser(level: CadenceLevel) -> CadenceLevel:
    """One step looser, or the same level at the bottom."""
    return LEVEL_ORDER[max(rank(level) - 1, 0)]


class CadenceReason(StrEnum):
    """Why a decision was made; every change is logged with one of these."""

    LOW_MOODS = "low_moods"
    CONCERN_SIGNAL = "concern_signal"
    STABLE_PERIOD = "stable_period"
    BOUNDS_CHANGED = "bounds_changed"
    CONNECTED = "connected"  # stable and tied to the community: 緩やかな見守り at once
    MANUAL = "manual"  # a coordinator set the level by hand (for the integrator's log)
    FOCUS = "focus"  # a worker started a focused-support period (domain/focus.py)
    REVIEW = "review"  # a review took contact back to the base schedule
    AT_BOUND = "at_bound"  # evidence to tighten, but already at the tightest bound
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class CadenceBounds:
    """Per-person bounds set by the coordinator; ``loosest`` must not be tighter than
    ``tightest``."""

    tightest: CadenceLevel = CadenceLevel.CLOSEST
    loosest: CadenceLevel = CadenceLevel.LOOSE

    def __post_init__(self) -> None:
        if rank(self.loosest) > rank(self.tightest):
            raise ValueError(
                f"loosest bound {self.loosest} is tighter than tightest bound {self.tightest}"
            )

    def contains(self, level: CadenceLevel) -> bool:
        return rank(self.loosest) <= rank(level) <= rank(self.tightest)

    def clamp(self, level: CadenceLevel) -> CadenceLevel:
        r = min(max(rank(level), rank(self.loosest)), rank(self.tightest))
        return LEVEL_ORDER[r]


DEFAULT_BOUNDS = CadenceBounds()


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    """Tunable thresholds (defaults documented in the module docstring)."""

    low_mood_score: int = LOW_MOOD_SCORE
    low_mood_needed: int = 2
    low_mood_of_last: int = 3
    mood_lookback: timedelta = timedelta(days=14)
    signal_lookback: timedelta = timedelta(days=7)
    stable_period: timedelta = timedelta(days=14)
    stable_min_replies: int = 3
    loose_min_gap: timedelta = timedelta(days=3)
    extra_time_candidates: tuple[time, ...] = field(
        default=(time(18, 0), time(12, 0), time(9, 0), time(20, 0), time(15, 0))
    )
    extra_slot_separation: timedelta = timedelta(hours=3)

    def __post_init__(self) -> None:
        if not 1 <= self.low_mood_needed <= self.low_mood_of_last:
            raise ValueError("need 1 <= low_mood_needed <= low_mood_of_last")
        if self.stable_min_replies < 0:
            raise ValueError("stable_min_replies must not be negative")


DEFAULT_POLICY = CadencePolicy()


@dataclass(frozen=True, slots=True)
class MoodRecord:
    at: datetime
    score: int  # 1 best .. 5 worst


@dataclass(frozen=True, slots=True)
class CadenceState:
    """What the decision looks at.

    ``changed_at`` is when the level was last set - set it to the enrolment time when a
    person is enrolled, so a new person cannot relax before a full stable period has passed
    (``None`` means "long ago"). ``signals`` are the times
    of concern/critical distress signals. ``replies`` are the times of every sign of life
    (mood answers count as replies too, whether or not they are repeated here).
    """

    level: CadenceLevel
    changed_at: datetime | None = None
    moods: tuple[MoodRecord, ...] = ()
    signals: tuple[datetime, ...] = ()
    replies: tuple[datetime, ...] = ()
    # An active tie to a community resource: others hold the person too (つなげる).
    connected: bool = False


@dataclass(frozen=True, slots=True)
class CadenceDecision:
    level: CadenceLevel
    changed: bool
    reason: CadenceReason
    previous: CadenceLevel


def _after(instant: datetime, changed_at: datetime | None) -> bool:
    return changed_at is None or instant > changed_at


def _decision(state: CadenceState, level: CadenceLevel, reason: CadenceReason
              ) -> CadenceDecision:
    return CadenceDecision(level, level != state.level, reason, state.level)


def decide_cadence(
    state: CadenceState,
    now: datetime,
    bounds: CadenceBounds = DEFAULT_BOUNDS,
    policy: CadencePolicy = DEFAULT_POLICY,
) -> CadenceDecision:
    """Decide the cadence level now (rules in the module docstring). Pure and idempotent:
    feeding the decision back as the new state with ``changed_at=now`` gives ``unchanged``
    until new evidence arrives."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    if not bounds.contains(state.level):
        return _decision(state, bounds.clamp(state.level), CadenceReason.BOUNDS_CHANGED)

    signals = [s for s in state.signals if s <= now]
    moods = sorted((m for m in state.moods if m.at <= now), key=lambda m: m.at)

    fresh_signal = any(
        now - s <= policy.signal_lookback and _after(s, state.changed_at) for s in signals
    )
    recent_moods = [m for m in moods if now - m.at <= policy.mood_lookback]
    last = recent_moods[-policy.low_mood_of_last:]
    low = [m for m in last if m.score >= policy.low_mood_score]
    low_evidence = len(low) >= policy.low_mood_needed and any(
        _after(m.at, state.changed_at) for m in low
    )
    for evidence, reason in (
        (fresh_signal, CadenceReason.CONCERN_SIGNAL),
        (low_evidence, CadenceReason.LOW_MOODS),
    ):
        if evidence:
            if rank(state.level) >= rank(bounds.tightest):
                return _decision(state, state.level, CadenceReason.AT_BOUND)
            return _decision(state, tighter(state.level), reason)

    start = now - policy.stable_period
    settled = state.changed_at is None or state.changed_at <= start
    quiet_signals = not any(s >= start for s in signals)
    no_low = not any(m.at >= start and m.score >= policy.low_mood_score for m in moods)
    reply_times = {r for r in state.replies if start <= r <= now}
    reply_times.update(m.at for m in moods if m.at >= start)
    if (
        settled
        and quiet_signals
        and no_low
        and len(reply_times) >= policy.stable_min_replies
        and rank(state.level) > rank(bounds.loosest)
    ):
        if state.connected:
            return _decision(state, bounds.loosest, CadenceReason.CONNECTED)
        return _decision(state, looser(state.level), CadenceReason.STABLE_PERIOD)
    return _decision(state, state.level, CadenceReason.UNCHANGED)


@dataclass(frozen=True, slots=True)
class EffectiveSchedule:
    """What the scheduler uses: pass ``schedule`` and ``min_gap`` to
    :func:`domain.schedule.next_checkin` (with ``last_checkin`` = the last sent check-in)."""

    level: CadenceLevel
    schedule: Schedule
    min_gap: timedelta | None


def _circular_gap(a: time, b: time) -> timedelta:
    minutes_a = a.hour * 60 + a.minute
    minutes_b = b.hour * 60 + b.minute
    diff = abs(minutes_a - minutes_b)
    return timedelta(minutes=min(diff, 24 * 60 - diff))


def _extra_times(base: Schedule, count: int, policy: CadencePolicy) -> tuple[time, ...]:
    times = list(base.times)
    for candidate in policy.extra_time_candidates:
        if count <= 0:
            break
        if base.quiet_local(candidate):
            continue
        if all(_circular_gap(candidate, t) >= policy.extra_slot_separation for t in times):
            times.append(candidate)
            count -= 1
    return tuple(times)


def effective_schedule(
    base: Schedule, level: CadenceLevel, policy: CadencePolicy = DEFAULT_POLICY
) -> EffectiveSchedule:
    """Map a level onto the base schedule (mapping in the module docstring).

    ``loose``: base schedule, ``min_gap = policy.loose_min_gap``. ``base``: unchanged.
    ``close``/``closest``: one/two steps denser - days first, then extra daily slots.
    """
    if level is CadenceLevel.LOOSE:
        return EffectiveSchedule(level, base, policy.loose_min_gap)
    steps = rank(level) - rank(CadenceLevel.BASE)
    schedule = base
    if steps > 0 and not base.days.is_daily:
        schedule = schedule.with_changes(days=DayRule.daily())
        steps -= 1
    if steps > 0:
        schedule = schedule.with_changes(times=_extra_times(schedule, steps, policy))
    return EffectiveSchedule(level, schedule, None)


def low_mood_count(moods: Sequence[MoodRecord], policy: CadencePolicy = DEFAULT_POLICY) -> int:
    """How many of the last ``low_mood_of_last`` moods are low (for display/logging)."""
    last = sorted(moods, key=lambda m: m.at)[-policy.low_mood_of_last:]
    return sum(1 for m in last if m.score >= policy.low_mood_score)
