"""Staff use cases shared by the command line and the coordinators' chat commands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from storage.escalations import Escalation
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.people import Person
from storage.staff import Staff
from usecases.services import Services


def notify_staff(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    person: Person,
    key: str,
    now: datetime,
    **params: object,
) -> None:
    """A message to a staff member about a person, in the staff member's language.

    Tagged with the person's id, so the person's erasure (/forget) removes it once sent.
    """
    OutboxRepository(session).add(
        new_message(
            chat_id=staff.telegram_id,
            text=svc.text(
                staff.language,
                key,
                person=person.display_name or "-",
                person_id=person.id,
                **params,
            ),
            now=now,
            purpose=Purpose.NOTIFY,
            person_id=person.id,
        )
    )


async def responsibilities(session: AsyncSession, member: Staff) -> int:
    """People the member supports or backs up, plus active escalations they hold."""
    people = await session.scalar(
        select(func.count())
        .select_from(Person)
        .where(
            or_(Person.worker_id == member.id, Person.backup_worker_id == member.id),
            Person.status != PersonStatus.STOPPED,
        )
    )
    held = await session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(Escalation.open_key.is_not(None), Escalation.assignee_id == member.id)
    )
    return int(people or 0) + int(held or 0)
