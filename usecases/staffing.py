"""Staff use cases shared by the command line and the coordinators' chat commands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.escalations import EscalationRepository
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.people import Person, PersonRepository
from storage.staff import Staff
from usecases.services import Services
from usecases.words import person_label


def notify_staff(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    person: Person,
    key: str,
    now: datetime,
    *,
    not_before: datetime | None = None,
    **params: object,
) -> None:
    """A message to a staff member about a person, in the staff member's language, sent
    from `not_before` (default: at once).

    Tagged with the person's id, so the person's erasure (/forget) removes it once sent.
    """
    OutboxRepository(session).add(
        new_message(
            chat_id=staff.telegram_id,
            text=svc.text(
                staff.language,
                key,
                person=person_label(svc.catalog, staff.language, person.display_name, person.id),
                person_id=person.id,
                **params,
            ),
            now=now,
            purpose=Purpose.NOTIFY,
            person_id=person.id,
            not_before=not_before,
        )
    )


async def responsibilities(session: AsyncSession, member: Staff) -> int:
    """People the member supports or backs up, plus active escalations they hold."""
    people = await PersonRepository(session).count_supported_by(member.id)
    return people + await EscalationRepository(session).count_held_by(member.id)
