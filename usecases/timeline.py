"""A person's timeline as data (`tsunagari people show`): their record, their ties and
every event in order, read from the tables that hold them. Never message text; the
reading is audited.

Pauses, resumptions and stops have no table of their own: they are audit entries
(`person.paused`, `person.resumed`, `person.stopped`), written by `record_life_event`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.mood import Mood
from domain.ties import TieState
from domain.timeline import TimelineEvent, TimelineKind, in_order
from storage.audit import AuditRepository
from storage.checkins import CheckinRepository
from storage.escalations import EscalationRepository
from storage.focus import FocusPeriod, FocusRepository
from storage.inbound import MessageKind, PersonMessageRepository
from storage.people import Person, PersonRepository
from storage.resources import Resource
from storage.ties import Tie, TieRepository

__all__ = ["LIFE_EVENTS", "PersonShown", "person_events", "record_life_event", "show_person"]

LIFE_EVENTS = (TimelineKind.PAUSED, TimelineKind.RESUMED, TimelineKind.STOPPED)
_ACTIONS = {f"person.{kind.value}": kind for kind in LIFE_EVENTS}


def record_life_event(
    session: AsyncSession,
    person: Person,
    kind: TimelineKind,
    now: datetime,
    *,
    actor: str = "person",
    days: int | None = None,
) -> None:
    """A pause, resumption or stop, kept for the timeline (who: the person or the bot)."""
    if kind not in LIFE_EVENTS:
        raise ValueError(f"{kind} is not a life event")
    AuditRepository(session).record(
        action=f"person.{kind.value}",
        actor=actor,
        person_id=person.id,
        now=now,
        detail={"days": days} if days is not None else None,
    )


async def _checkin_events(session: AsyncSession, person_id: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for c in await CheckinRepository(session).history(person_id):
        if c.sent_at is not None:
            events.append(
                TimelineEvent(
                    c.sent_at,
                    TimelineKind.CHECKIN,
                    {
                        "checkin_id": c.id,
                        "checkin_kind": c.kind.value,
                    },
                )
            )
        if c.nudged_at is not None:
            events.append(TimelineEvent(c.nudged_at, TimelineKind.NUDGE, {"checkin_id": c.id}))
        if c.mood is not None and c.replied_at is not None:
            events.append(
                TimelineEvent(
                    c.replied_at,
                    TimelineKind.MOOD,
                    {
                        "checkin_id": c.id,
                        "mood": Mood.from_score(c.mood).value,
                        "score": c.mood,
                    },
                )
            )
    for mid, kind, at, outside in await PersonMessageRepository(session).history(person_id):
        if kind is MessageKind.BUTTON:
            continue  # a press: the mood or answer it gave is its own event
        events.append(
            TimelineEvent(
                at,
                TimelineKind.MESSAGE,
                {
                    "message_id": mid,
                    "message_kind": kind.value,
                    "outside_checkin": outside,
                },
            )
        )
    return events


async def _care_events(session: AsyncSession, person_id: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for e in await EscalationRepository(session).for_person(person_id):
        events.append(
            TimelineEvent(
                e.created_at,
                TimelineKind.ESCALATION_OPENED,
                {
                    "escalation_id": e.id,
                    "reason": e.reason.value,
                    "priority": e.priority.value,
                },
            )
        )
        if e.resolved_at is not None:
            events.append(
                TimelineEvent(
                    e.resolved_at,
                    TimelineKind.ESCALATION_RESOLVED,
                    {
                        "escalation_id": e.id,
                        "state": e.state.value,
                        "outcome": e.outcome.value if e.outcome is not None else None,
                    },
                )
            )
    for change in await PersonRepository(session).cadence_history(person_id):
        events.append(
            TimelineEvent(
                change.at,
                TimelineKind.CADENCE_CHANGED,
                {
                    "from": change.from_level.value,
                    "to": change.to_level.value,
                    "reason": change.reason.value,
                },
            )
        )
    for entry in await AuditRepository(session).about_person(person_id, _ACTIONS):
        events.append(TimelineEvent(entry.at, _ACTIONS[entry.action], {"by": entry.actor}))
    return events


_ANSWERED = {
    TieState.ACTIVE: TimelineKind.TIE_ACTIVE,
    TieState.ENDED: TimelineKind.TIE_ACTIVE,
    TieState.DECLINED: TimelineKind.TIE_DECLINED,
}


def _tie_events(ties: list[tuple[Tie, Resource]]) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for tie, resource in ties:
        about = {"tie_id": tie.id, "resource_id": resource.id}
        events.append(
            TimelineEvent(
                tie.proposed_at,
                TimelineKind.TIE_PROPOSED,
                {
                    **about,
                    "proposed_by": tie.proposed_by,
                },
            )
        )
        if tie.answered_at is not None and tie.state in _ANSWERED:
            events.append(TimelineEvent(tie.answered_at, _ANSWERED[tie.state], about))
        if tie.checked_at is not None and tie.check_answer is not None:
            events.append(
                TimelineEvent(
                    tie.checked_at,
                    TimelineKind.TIE_CHECKED,
                    {**about, "answer": tie.check_answer.value},
                )
            )
        if tie.ended_at is not None:
            events.append(TimelineEvent(tie.ended_at, TimelineKind.TIE_ENDED, about))
    return events


async def person_events(
    session: AsyncSession, person_id: int, ties: list[tuple[Tie, Resource]]
) -> list[TimelineEvent]:
    """Every event of the person's time with the team, oldest first."""
    events = await _checkin_events(session, person_id)
    events += await _care_events(session, person_id)
    events += _tie_events(ties)
    events += _focus_events(await FocusRepository(session).for_person(person_id))
    return in_order(events)


def _focus_events(periods: list[FocusPeriod]) -> list[TimelineEvent]:
    """The worker's band: each period of denser contact, its last review and its end."""
    events: list[TimelineEvent] = []
    for period in periods:
        started = {"focus_id": period.id, "focus": period.kind.value, "review_at": period.review_at}
        events.append(TimelineEvent(period.started_at, TimelineKind.FOCUS_STARTED, started))
        if period.reviewed_at is not None and period.last_choice is not None:
            answer = {"focus_id": period.id, "choice": period.last_choice.value}
            events.append(TimelineEvent(period.reviewed_at, TimelineKind.FOCUS_REVIEWED, answer))
        if period.ended_at is not None:
            ended = {"focus_id": period.id}
            events.append(TimelineEvent(period.ended_at, TimelineKind.FOCUS_ENDED, ended))
    return events


@dataclass(frozen=True, slots=True)
class PersonShown:
    person: Person
    worker_telegram_id: int | None
    ties: list[tuple[Tie, Resource]]
    timeline: list[TimelineEvent]


async def show_person(session: AsyncSession, number: int, now: datetime) -> PersonShown:
    """Person `number` (internal or Telegram id) read whole from the command line: audited.
    Raises NotFoundError for nobody."""
    person = await PersonRepository(session).resolve(number)
    ties = await TieRepository(session).for_person(person.id)
    shown = PersonShown(
        person=person,
        worker_telegram_id=await PersonRepository(session).worker_telegram_id(person),
        ties=ties,
        timeline=await person_events(session, person.id, ties),
    )
    AuditRepository(session).record(
        action="person.shown",
        actor="cli",
        person_id=person.id,
        now=now,
        detail={"events": len(shown.timeline)},
    )
    return shown
