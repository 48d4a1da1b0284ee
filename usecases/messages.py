"""Someone wrote to the bot: one use case per kind of writer.

Every message from an enrolled person is recorded (text in the database only) and counts
as a sign of life; text is read for distress before anything else is decided. A
stranger's words are read too, and only a crisis is kept and passed to a human.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from signals import Severity
from storage.inbound import MessageKind, PersonMessage
from storage.people import Person
from usecases.checkins import adapt_cadence, sign_of_life
from usecases.escalations import relay_back, relay_back_from_stranger
from usecases.people import record_message, respond_to_distress, respond_to_stranger_crisis
from usecases.reading import NOTHING, conversation, read
from usecases.services import Services

__all__ = ["FREE_ACK_EVERY", "Answer", "Stranger", "person_wrote", "stranger_wrote"]

log = logging.getLogger(__name__)

# One short acknowledgement covers a flurry of lines written outside a check-in.
FREE_ACK_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the turn says back: the catalog `key` (one of its variants, picked by the
    update, when `variant`), or nothing because the message was answered otherwise (the
    crisis card, a relay to the worker) or an earlier acknowledgement covers it."""

    key: str | None = None
    variant: bool = False


ANSWERED_OTHERWISE = Answer()


@dataclass(frozen=True, slots=True)
class Stranger:
    chat_id: int
    telegram_id: int
    first_name: str | None
    language: str


async def person_wrote(
    svc: Services,
    session: AsyncSession,
    person: Person,
    *,
    update_id: int,
    kind: MessageKind,
    text: str | None,
    now: datetime,
) -> Answer:
    reading = read(svc, text, await conversation(session, person.id, now)) if text else NOTHING
    severity = reading.severity
    if person.status is PersonStatus.STOPPED:
        # Consent was withdrawn: nothing is stored, but safety still comes first.
        if severity is not Severity.CRITICAL:
            return Answer("person.stopped_hint")
        await respond_to_distress(
            svc, session, person, now, update_id, severity, situations=reading.situations
        )
        return ANSWERED_OTHERWISE
    if person.status is PersonStatus.UNREACHABLE:
        person.status = PersonStatus.ACTIVE
    answered = await sign_of_life(svc, session, person, now)
    relayed = bool(text) and await relay_back(svc, session, person, text or "", now)
    message = PersonMessage(
        person_id=person.id,
        update_id=update_id,
        kind=kind,
        text=text,
        received_at=now,
        severity=severity,
        rules=reading.rules or None,
        # Written outside a check-in: the worker should read it (the consent text says
        # so), unless the worker talking with the person has just received it.
        outside_checkin=answered is None,
        read_at=now if relayed else None,
    )
    await record_message(session, message)
    log.info("message from person %s: kind %s severity %s", person.id, kind.value, severity)
    if severity is not Severity.NONE:
        await respond_to_distress(
            svc, session, person, now, update_id, severity, situations=reading.situations
        )
        # Rising distress makes contact denser (within the coordinator's bounds).
        await adapt_cadence(svc, session, person, now)
        return ANSWERED_OTHERWISE
    if answered is not None:
        return Answer("ack.text", variant=True)
    if relayed:
        return ANSWERED_OTHERWISE
    return _free_message(person, now)


def _free_message(person: Person, now: datetime) -> Answer:
    """A short kind word for a message outside a check-in, once per flurry."""
    if person.free_ack_at is not None and now - person.free_ack_at < FREE_ACK_EVERY:
        return ANSWERED_OTHERWISE  # the earlier acknowledgement covers this line too
    person.free_ack_at = now
    return Answer("ack.free", variant=True)


async def stranger_wrote(
    svc: Services,
    session: AsyncSession,
    stranger: Stranger,
    *,
    update_id: int,
    text: str | None,
    now: datetime,
) -> Answer:
    reading = read(svc, text) if text else NOTHING
    if reading.severity is not Severity.CRITICAL or text is None:
        if text and await relay_back_from_stranger(svc, session, stranger.telegram_id, text, now):
            return ANSWERED_OTHERWISE
        return Answer("stranger.intro")
    await respond_to_stranger_crisis(
        svc,
        session,
        chat_id=stranger.chat_id,
        telegram_id=stranger.telegram_id,
        first_name=stranger.first_name,
        language=stranger.language,
        text=text,
        rules=reading.rules,
        now=now,
        update_id=update_id,
        situations=reading.situations,
    )
    return ANSWERED_OTHERWISE
