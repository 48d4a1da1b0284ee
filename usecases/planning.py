"""Bridges stored people and the pure schedule: build a person, compute their next check-in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Protocol

from domain import schedule as sched
from domain.cadence import CadenceLevel, EffectiveSchedule, effective_schedule
from domain.people import PersonStatus
from domain.rhythm import RhythmBounds, SilenceDelays, silence_delays
from infra.settings import Settings
from storage.people import Person


class Schedulable(Protocol):
    """What scheduling reads of a person: a `Person`, or a row of just these columns."""

    @property
    def id(self) -> int: ...
    @property
    def checkin_times(self) -> str: ...
    @property
    def checkin_days(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def timezone(self) -> str: ...
    @property
    def quiet_hours(self) -> str | None: ...
    @property
    def cadence_level(self) -> CadenceLevel: ...
    @property
    def last_checkin_at(self) -> datetime | None: ...


def person_schedule(person: Schedulable, settings: Settings) -> sched.Schedule:
    return _schedule(
        person.checkin_times,
        person.checkin_days,
        person.created_at.date(),
        person.timezone,
        person.quiet_hours or "",
        settings.checkin.jitter,
    )


# Parsing a stored schedule is pure and most people share a handful of them: dispatching a
# morning's check-ins would otherwise parse the same strings once per person.
@lru_cache(maxsize=4096)
def _schedule(
    times: str, days: str, anchor: date, timezone: str, quiet_hours: str, jitter: timedelta
) -> sched.Schedule:
    quiet = sched.parse_quiet_hours(quiet_hours)
    return sched.Schedule(
        times=sched.parse_times(times),
        days=sched.parse_days(days, anchor=anchor),
        timezone=timezone,
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
        jitter=jitter,
    )


@lru_cache(maxsize=4096)
def _effective(schedule: sched.Schedule, level: CadenceLevel) -> EffectiveSchedule:
    return effective_schedule(schedule, level)


def next_checkin_for(
    person: Schedulable,
    settings: Settings,
    after: datetime,
    *,
    last_checkin: datetime | None = None,
) -> datetime:
    """The person's next check-in strictly after `after`, at their current cadence."""
    effective = _effective(person_schedule(person, settings), CadenceLevel(person.cadence_level))
    return sched.next_checkin(
        effective.schedule,
        after,
        jitter_key=person.id,
        min_gap=effective.min_gap,
        last_checkin=last_checkin or person.last_checkin_at or after,
    )


def new_person(
    settings: Settings,
    *,
    telegram_id: int,
    chat_id: int,
    display_name: str | None,
    language: str,
    worker_id: int,
    invite_id: int | None,
    now: datetime,
) -> Person:
    """A consenting person with the organisation's default schedule (next check-in unset).

    The first check-in time needs the person's id (it seeds the jitter), so the caller
    sets `next_checkin_at` after the row is flushed: see `plan_first_checkin`.
    """
    c = settings.checkin
    return Person(
        telegram_id=telegram_id,
        chat_id=chat_id,
        display_name=(display_name or "")[:200] or None,
        language=language,
        status=PersonStatus.ACTIVE,
        worker_id=worker_id,
        invite_id=invite_id,
        consented_at=now,
        created_at=now,
        checkin_times=sched.format_times(c.times),
        checkin_days=c.days,
        timezone=c.timezone,
        quiet_hours=sched.format_quiet_hours(*c.quiet_hours) if c.quiet_hours else None,
        nudge_after_s=int(c.nudge_after.total_seconds()),
        escalate_after_s=int(c.escalate_after.total_seconds()),
        cadence_level=CadenceLevel.BASE,
        cadence_tightest=CadenceLevel.CLOSEST,
        cadence_loosest=CadenceLevel.LOOSE,
    )


# Someone who just said yes, came back from a pause or was just written to should not get
# a scheduled check-in a few minutes later.
GAP_AFTER_CONTACT = timedelta(hours=3)


def plan_after_contact(person: Person, settings: Settings, now: datetime) -> None:
    """Schedule the next regular check-in, leaving a gap after a contact that just happened."""
    person.next_checkin_at = next_checkin_for(person, settings, now + GAP_AFTER_CONTACT)


def rhythm_bounds(settings: Settings) -> RhythmBounds:
    c = settings.checkin
    return RhythmBounds(
        min_replies=c.rhythm_replies,
        escalate_min=c.rhythm_escalate_min,
        escalate_max=c.rhythm_escalate_max,
    )


def delays_for(
    bounds: RhythmBounds, nudge_after_s: int, escalate_after_s: int, usual_reply_s: int | None
) -> SilenceDelays:
    """When a person's unanswered check-in gets its nudge and its silence escalation: their
    own rhythm once they have one, else their configured delays. `bounds`: from
    `rhythm_bounds`, built once per batch (this runs for every check-in of a morning)."""
    usual = None if usual_reply_s is None else timedelta(seconds=usual_reply_s)
    return silence_delays(
        usual,
        timedelta(seconds=nudge_after_s),
        timedelta(seconds=escalate_after_s),
        bounds,
    )
