"""The queue as the web view shows it, and the actions its forms take: the same
operations the chat's /queue, acknowledge button and /resolve use, with the same
visibility rule and the same audit entries. A refusal is audited like a chat refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import EscalationState, Outcome, Priority
from domain.people import StaffRole
from storage.audit import AuditRepository
from storage.escalations import Escalation, EscalationRepository, episode_reasons
from storage.inbound import PersonMessageRepository
from storage.staff import Staff
from usecases.escalations import acknowledge, format_age, reason_words, resolve
from usecases.services import Services
from usecases.visibility import visible_escalation
from usecases.words import subject_label

__all__ = [
    "MAX_NOTE",
    "Done",
    "QueueItem",
    "acknowledge_from_web",
    "queue_items",
    "refusal",
    "resolve_from_web",
]

MAX_NOTE = 2000


@dataclass(frozen=True)
class QueueItem:
    """One active episode, in words for `language`."""

    escalation_id: int
    priority: Priority
    state: EscalationState
    age: str
    reasons: str
    person: str
    # The internal id, for staff to name the person in chat commands (None: a stranger).
    person_id: int | None
    holder: str | None
    unread: int


class Done(StrEnum):
    """What a web action did; its words are web.done.<value>."""

    ACKNOWLEDGED = "acknowledged"
    ALREADY_TAKEN = "already_taken"
    RESOLVED = "resolved"
    ALREADY_CLOSED = "already_closed"
    REFUSED = "refused"
    INVALID = "invalid"


async def queue_items(
    svc: Services, session: AsyncSession, staff: Staff, language: str, now: datetime
) -> list[QueueItem]:
    """The staff member's queue, most urgent first, then oldest (as /queue lists it)."""
    rows = await EscalationRepository(session).visible(
        staff.id, everyone=staff.role is StaffRole.COORDINATOR
    )
    unread = await PersonMessageRepository(session).unread_counts(
        [e.person_id for e, _, _ in rows if e.person_id is not None]
    )
    reasons = await episode_reasons(session, [e.id for e, _, _ in rows])
    return [
        QueueItem(
            escalation_id=e.id,
            priority=e.priority,
            state=e.state,
            age=format_age(svc, language, now - e.created_at),
            reasons=reason_words(svc, language, reasons.get(e.id) or [e.reason]),
            person=subject_label(svc.catalog, language, e, person),
            person_id=e.person_id,
            holder=holder,
            unread=unread.get(e.person_id, 0) if e.person_id is not None else 0,
        )
        for e, person, holder in rows
    ]


def _audit(
    session: AsyncSession,
    staff: Staff,
    action: str,
    escalation: Escalation,
    now: datetime,
    **detail: object,
) -> None:
    AuditRepository(session).record(
        action=action,
        staff_id=staff.id,
        person_id=escalation.person_id,
        now=now,
        detail={"escalation_id": escalation.id, "via": "web", **detail},
    )


def refusal(
    session: AsyncSession, staff: Staff, page: str, now: datetime, **detail: object
) -> None:
    """A refused web request, audited as chat refusals are (`command.refused`)."""
    AuditRepository(session).record(
        action="command.refused",
        staff_id=staff.id,
        now=now,
        detail={"handler": f"web.{page}", "refusal": "web.refused", **detail},
    )


async def acknowledge_from_web(
    svc: Services, session: AsyncSession, staff: Staff, number: int, now: datetime
) -> Done:
    found = await visible_escalation(session, staff, number)
    if found is None:
        refusal(session, staff, "acknowledge", now, escalation_id=number)
        return Done.REFUSED
    escalation, _person = found
    if not await acknowledge(svc, session, escalation, staff, now):
        return Done.ALREADY_TAKEN
    _audit(session, staff, "escalation.acknowledged", escalation, now)
    return Done.ACKNOWLEDGED


async def resolve_from_web(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    number: int,
    outcome: Outcome,
    note: str | None,
    now: datetime,
) -> Done:
    found = await visible_escalation(session, staff, number)
    if found is None:
        refusal(session, staff, "resolve", now, escalation_id=number)
        return Done.REFUSED
    escalation, _person = found
    if escalation.open_key is None:
        return Done.ALREADY_CLOSED
    await resolve(svc, session, escalation, staff, outcome, note[:MAX_NOTE] if note else None, now)
    _audit(session, staff, "escalation.resolved", escalation, now, outcome=outcome.value)
    return Done.RESOLVED
