"""Use cases about a person's tie: unreachable, pause, stop, erasure, and safety replies."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DeliveryError
from domain.escalation import EscalationReason, Priority
from domain.people import PersonStatus
from signals import Severity
from signals.crisis import Situation
from storage.escalations import Escalation
from storage.inbound import InboundUpdate, MessageKind, PersonMessage
from storage.outbox import (
    ClaimedMessage,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    Purpose,
    new_message,
)
from storage.people import Person
from storage.staff import Staff
from usecases.crisis_reply import crisis_reply_message, zone_or_default
from usecases.escalations import open_for_stranger, open_or_join
from usecases.services import Services
from usecases.staffing import notify_staff

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
        notify_staff(svc, session, worker, person, key, now, not_before=None, **params)


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


async def respond_to_distress(
    svc: Services,
    session: AsyncSession,
    person: Person,
    now: datetime,
    update_id: int,
    severity: Severity,
    situations: Collection[Situation] = (),
) -> None:
    """critical: crisis lines at once and a P1 escalation; concern: a gentle word and P2.

    `situations` (violence, a child in danger, sexual violence) put their lines first.
    """
    if severity is Severity.CRITICAL:
        OutboxRepository(session).add(
            crisis_reply_message(
                svc,
                chat_id=person.chat_id,
                language=person.language,
                now=now,
                tz=zone_or_default(svc, person.timezone),
                situations=situations,
                person_id=person.id,
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
    elif severity is Severity.CONCERN:
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


async def record_message(session: AsyncSession, message: PersonMessage) -> None:
    """Store what the person wrote in a savepoint of its own: if the database refuses it,
    the crisis reply and the escalation written after it in this turn still commit."""
    try:
        async with session.begin_nested():
            session.add(message)
    except (DBAPIError, StatementError, UnicodeError) as exc:
        log.error(
            "storing message of update %s failed (%s); handling it without the text",
            message.update_id,
            type(exc).__name__,
        )


async def respond_to_stranger_crisis(
    svc: Services,
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_id: int,
    first_name: str | None,
    language: str,
    text: str,
    rules: str,
    now: datetime,
    update_id: int,
    situations: Collection[Situation] = (),
) -> None:
    """A stranger's critical message: the crisis lines at once, and the coordinators told.

    The words are kept for the coordinators who answer (under the same retention and
    erasure rules as a person's); nothing else about the stranger is created.
    """
    OutboxRepository(session).add(
        crisis_reply_message(
            svc,
            chat_id=chat_id,
            language=language,
            now=now,
            tz=zone_or_default(svc, None),
            situations=situations,
        )
    )
    await record_message(
        session,
        PersonMessage(
            person_id=None,
            stranger_telegram_id=telegram_id,
            update_id=update_id,
            kind=MessageKind.TEXT,
            text=text,
            received_at=now,
            severity=Severity.CRITICAL,
            rules=rules or None,
        ),
    )
    await open_for_stranger(svc, session, telegram_id, first_name, now, update_id=update_id)
    log.info("stranger %s: critical message, crisis lines sent, coordinators told", telegram_id)


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
    # What they wrote before they enrolled (a stranger's crisis message) is theirs too.
    await session.execute(
        delete(PersonMessage).where(PersonMessage.stranger_telegram_id == person.telegram_id)
    )
    await session.execute(
        update(Escalation)
        .where(Escalation.stranger_telegram_id == person.telegram_id)
        .values(stranger_name=None)
    )
    person.display_name = None
    person.erased_at = now
    await drop_kept_updates(session, {person.telegram_id, person.chat_id})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_ACCOUNT_KEYS = ("from", "chat", "user")


def _accounts(value: object) -> set[int]:
    """Every user or chat id a Telegram update names (sender, chat, member)."""
    found: set[int] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if (
                key in _ACCOUNT_KEYS
                and isinstance(inner, dict)
                and isinstance(inner.get("id"), int)
            ):
                found.add(inner["id"])
            found |= _accounts(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _accounts(inner)
    return found


async def drop_kept_updates(session: AsyncSession, ids: Collection[int]) -> int:
    """Drop the payload of handled or set-aside updates from these accounts.

    Set-aside updates keep their payload for a retry, and with it the person's words. The
    payload is JSON text on both databases, so the ids are narrowed with LIKE (which both
    support) and confirmed by reading the JSON here; updates still waiting are left alone.
    """
    wanted = set(ids)
    kept = (
        InboundUpdate.payload.is_not(None),
        or_(InboundUpdate.processed_at.is_not(None), InboundUpdate.set_aside_at.is_not(None)),
        or_(*(InboundUpdate.payload.like(f"%{i}%") for i in wanted)),
    )
    rows = await session.execute(
        select(InboundUpdate.update_id, InboundUpdate.payload).where(*kept)
    )
    matched = []
    for update_id, payload in rows:
        try:
            value = json.loads(payload or "null")
        except ValueError:
            value = None
        if _accounts(value) & wanted:
            matched.append(update_id)
    if matched:
        await session.execute(
            update(InboundUpdate).where(InboundUpdate.update_id.in_(matched)).values(payload=None)
        )
    return len(matched)
