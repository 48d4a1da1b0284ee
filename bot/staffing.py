"""Staff use cases shared by the command line and the coordinators' chat commands."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from storage.escalations import Escalation
from storage.people import Person
from storage.staff import Staff


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
