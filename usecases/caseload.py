"""A worker's caseload (`/people`) and one person's record (`/person`), read and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.mood import Trend, trend
from domain.people import StaffRole
from storage.audit import AuditRepository
from storage.checkins import CheckinRepository
from storage.escalations import EscalationRepository
from storage.focus import FocusRepository
from storage.inbound import PersonMessage, PersonMessageRepository
from storage.people import CadenceChange, Person, PersonRepository
from storage.staff import Staff, StaffRepository
from storage.ties import TieRepository

__all__ = [
    "CASELOAD_SHOWN",
    "Caseload",
    "CaseloadLine",
    "PersonRecord",
    "caseload",
    "read_person_record",
]

CASELOAD_SHOWN = 50
TREND_MOODS = 6
SPARKLINE_MOODS = 14  # the web view's sparkline: about two weeks of daily check-ins
RECORD_MESSAGES = 5
RECORD_MOODS = 5
RECORD_CHANGES = 3


@dataclass(frozen=True, slots=True)
class CaseloadLine:
    person: Person
    trend: Trend | None  # None until the person has tapped a mood
    unread: int
    moods: tuple[int, ...] = ()  # the last tapped moods, oldest first, 1 (best) .. 5
    ties: tuple[str, ...] = ()  # the resources of the person's active ties
    review_at: datetime | None = None  # the earliest review of an open focus period


@dataclass(frozen=True, slots=True)
class Caseload:
    total: int
    lines: list[CaseloadLine]  # the first CASELOAD_SHOWN, by id


async def caseload(
    session: AsyncSession, staff: Staff, now: datetime, *, details: bool = False
) -> Caseload:
    """The people `staff` supports or backs up (everyone for a coordinator), with each
    one's mood trend and unread messages: three queries whatever the caseload's size.

    `details` (the web view): also each one's recent moods for a sparkline, active ties and
    next review date, two queries more."""
    everyone = staff.role is StaffRole.COORDINATOR
    people = await PersonRepository(session).all(worker_id=None if everyone else staff.id)
    shown = people[:CASELOAD_SHOWN]
    ids = [p.id for p in shown]
    unread = await PersonMessageRepository(session).unread_counts(ids)
    moods = await CheckinRepository(session).recent_moods(
        ids, limit=SPARKLINE_MOODS if details else TREND_MOODS
    )
    ties = await TieRepository(session).active_resource_names(ids) if details else {}
    reviews = await FocusRepository(session).next_reviews(ids) if details else {}
    AuditRepository(session).record(
        action="people.list", staff_id=staff.id, now=now, detail={"count": len(people)}
    )
    lines = [
        CaseloadLine(
            p,
            trend(moods[p.id][-TREND_MOODS:]) if p.id in moods else None,
            unread.get(p.id, 0),
            moods=tuple(moods.get(p.id, ())) if details else (),
            ties=tuple(ties.get(p.id, ())),
            review_at=reviews.get(p.id),
        )
        for p in shown
    ]
    return Caseload(len(people), lines)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    person: Person
    worker: Staff | None
    backup: Staff | None
    unread: int  # before this read marked them read
    messages: list[PersonMessage]  # newest first
    moods: list[tuple[datetime, int]]  # newest first
    changes: list[CadenceChange]  # newest first
    active_episode: bool


async def read_person_record(
    session: AsyncSession, staff: Staff, person: Person, now: datetime
) -> PersonRecord:
    """Reading the record reads the person's messages: they are marked read, and the read
    (with how many were unread) is audited."""
    messages = PersonMessageRepository(session)
    unread = (await messages.unread_counts([person.id])).get(person.id, 0)
    marked = await messages.mark_read(person.id, now=now)
    AuditRepository(session).record(
        action="person.read",
        staff_id=staff.id,
        person_id=person.id,
        now=now,
        detail={"marked_read": marked},
    )
    staff_repo = StaffRepository(session)
    backup_id = person.backup_worker_id
    return PersonRecord(
        person=person,
        worker=await staff_repo.get(person.worker_id),
        backup=await staff_repo.get(backup_id) if backup_id is not None else None,
        unread=unread,
        messages=await messages.recent(person.id, limit=RECORD_MESSAGES),
        moods=await CheckinRepository(session).recent_replies(person.id, limit=RECORD_MOODS),
        changes=await PersonRepository(session).cadence_changes(person.id, limit=RECORD_CHANGES),
        active_episode=await EscalationRepository(session).active_for_person(person.id) is not None,
    )
