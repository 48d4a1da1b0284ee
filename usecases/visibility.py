"""What a staff member may see: the one place handlers ask before showing a record.

A refusal and a missing row look the same (None), so a refusal never confirms what exists.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.people import sees_episode, sees_person
from storage.escalations import Escalation, EscalationRepository
from storage.people import Person, PersonRepository
from storage.staff import Staff
from usecases.escalations import subject_of

__all__ = ["visible_escalation", "visible_person"]


async def visible_person(session: AsyncSession, staff: Staff, number: int) -> Person | None:
    """Person `number` (internal or Telegram id), if `staff` may see them."""
    try:
        person = await PersonRepository(session).resolve(number)
    except NotFoundError:
        return None
    if not sees_person(staff.id, staff.role, person.worker_id, person.backup_worker_id):
        return None
    return person


async def visible_escalation(
    session: AsyncSession, staff: Staff, number: int
) -> tuple[Escalation, Person | None] | None:
    """Escalation `number` and its person, if `staff` may see it: its current holder (after
    /reassign), and whoever may see its person; a stranger's episode is the coordinators'."""
    escalation = await EscalationRepository(session).get(number)
    if escalation is None:
        return None
    person = await subject_of(session, escalation)
    workers = (person.worker_id, person.backup_worker_id) if person is not None else None
    if not sees_episode(staff.id, staff.role, escalation.assignee_id, workers):
        return None
    return escalation, person
