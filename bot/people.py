"""Use cases about a person's tie: unreachable, pause, stop, erasure, and safety replies."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import DeliveryError
from bot.escalations import open_or_join
from bot.services import Services
from bot.staffing import notify_staff
from domain.escalation import EscalationReason, Priority
from domain.people import PersonStatus
from storage.inbound import PersonMessage
from storage.outbox import (
    PRIORITY_URGENT,
    ClaimedMessage,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    Purpose,
    new_message,
)
from storage.people import Person
from storage.staff import Staff

log = logging.getLogger(__name__)


async def tell_worker(
    svc: Services,
    session: AsyncSession,
    person: Person,
    key: str,
    now: datetime,
    **params: object,
) -> None:
    worker = await session.get(Staff, person.worker_id)
    if worker is not None and worker.active:
        notify_staff(svc, session, worker, person, key, now, **params)


async def mark_unreachable(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> None:
    """Telegram says the person blocked the bot: stop sending, and let a human know."""
    if person.status in (PersonStatus.UNREACHABLE, PersonStatus.STOPPED):
        return
    person.status = PersonStatus.UNREACHABLE
    person.silence_due_at = None
    await open_or_join(svc, session, person, EscalationReason.UNREACHABLE, now)
    log.info("person %s is unreachable (bot blocked)", person.id)


async def on_delivery_failed(
    svc: Services,
    session: AsyncSession,
    row: ClaimedMessage,
    error: DeliveryError,
    now: datetime,
) -> None:
    """Delivery hook: a permanent 403 "blocked" to a person's chat makes them unreachable."""
    if not error.blocked or row.person_id is None:
        return
    person = await session.get(Person, row.person_id)
    if person is not None and person.chat_id == row.chat_id:
        await mark_unreachable(svc, session, person, now)


def crisis_card(svc: Services, language: str) -> str:
    """The calm reply with real crisis lines: emergency numbers first, then 24-hour lines."""
    rendered = []
    for line in svc.crisis_lines:
        name = line.name_ja if language == "ja" else line.name_en
        hours = line.hours_ja if language == "ja" else line.hours_en
        purpose = line.purpose_ja if language == "ja" else line.purpose_en
        rendered.append(
            svc.text(
                language, "crisis.line", name=name, number=line.number, hours=hours, purpose=purpose
            )
        )
    return svc.text(language, "crisis.reply", lines="\n".join(rendered))


async def respond_to_distress(
    svc: Services,
    session: AsyncSession,
    person: Person,
    now: datetime,
    update_id: int,
    severity: str,
) -> None:
    """critical: crisis lines at once and a P1 escalation; concern: a gentle word and P2."""
    if severity == "critical":
        OutboxRepository(session).add(
            new_message(
                chat_id=person.chat_id,
                text=crisis_card(svc, person.language),
                now=now,
                purpose=Purpose.CRISIS,
                person_id=person.id,
                priority=PRIORITY_URGENT,
            )
        )
        await open_or_join(
            svc,
            session,
            person,
            EscalationReason.DISTRESS,
            now,
            priority=Priority.P1,
            update_id=update_id,
        )
    elif severity == "concern":
        OutboxRepository(session).add(
            new_message(
                chat_id=person.chat_id,
                text=svc.catalog.variant(person.language, "concern.reply", update_id),
                now=now,
                purpose=Purpose.REPLY,
                person_id=person.id,
            )
        )
        await open_or_join(svc, session, person, EscalationReason.CONCERN, now, update_id=update_id)


async def forget(svc: Services, session: AsyncSession, person: Person, now: datetime) -> int:
    """Erase what the person wrote and their personal fields; keep the bare tie record.

    Check-in timestamps and moods stay (they carry no words) so the worker still sees the
    rhythm of contact; the display name and every stored message text go.
    """
    result = await session.execute(
        delete(PersonMessage).where(PersonMessage.person_id == person.id)
    )
    # Sent messages about the person (check-ins, replies, staff notifications naming them)
    # are kept only for delivery bookkeeping; erasure removes them too.
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.person_id == person.id,
            OutboxMessage.state.in_([OutboxState.SENT, OutboxState.FAILED]),
        )
    )
    person.display_name = None
    person.erased_at = now
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
