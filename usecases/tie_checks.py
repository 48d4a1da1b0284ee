"""もどす: every `ties.check_every` the bot gently asks the person about each active tie.

The first button says it is still going; "not lately" and "stopped" (which ends the tie)
return the person to their worker as a `reconnect` escalation (P3), and the worker is
told why. A person who is not active (paused, stopped, unreachable) is not asked: the
question waits for the next period. Nobody is asked in their quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cadence import CadenceLevel, CadenceReason
from domain.escalation import EscalationReason
from domain.people import PersonStatus
from domain.ties import TieCheckAnswer, TieState, after_check, moods_turned_low
from storage.outbox import OutboxRepository, new_message
from storage.people import Person
from storage.resources import Resource, ResourceRepository
from storage.staff import Staff
from storage.ties import Tie, TieRepository
from usecases.buttons import ButtonKind, button_data
from usecases.checkins import sign_of_life
from usecases.escalations import open_or_join
from usecases.services import Services
from usecases.silence import after_quiet_hours
from usecases.staffing import notify_staff

__all__ = [
    "CheckAnswered",
    "answer_tie_check",
    "ask_about_tie",
    "reconnect_if_moods_turned_low",
]


def _check_markup(svc: Services, language: str, tie_id: int) -> dict[str, Any]:
    """One button a row: still going (first), not lately, stopped (last)."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": svc.text(language, f"tie_check.{answer.value}"),
                    "callback_data": button_data(ButtonKind.TIE_CHECK, tie_id, answer.value),
                }
            ]
            for answer in TieCheckAnswer
        ]
    }


def ask_about_tie(
    svc: Services,
    session: AsyncSession,
    tie: Tie,
    resource: Resource,
    person: Person,
    now: datetime,
) -> bool:
    """Ask the person about one due tie, or move its question on; True if asked."""
    every = svc.settings.ties.check_every
    if person.status is not PersonStatus.ACTIVE:
        tie.next_check_at = now + every
        return False
    if (quiet_end := after_quiet_hours(person, svc, now)) is not None:
        tie.next_check_at = quiet_end
        return False
    tie.next_check_at = now + every
    OutboxRepository(session).add(
        new_message(
            chat_id=person.chat_id,
            text=svc.text(person.language, "tie_check.text", resource=resource.name),
            now=now,
            reply_markup=_check_markup(svc, person.language, tie.id),
            person_id=person.id,
        )
    )
    return True


@dataclass(frozen=True, slots=True)
class CheckAnswered:
    tie: Tie
    resource: Resource
    answer: TieCheckAnswer


async def answer_tie_check(
    svc: Services,
    session: AsyncSession,
    person: Person,
    tie_id: int,
    answer: TieCheckAnswer,
    now: datetime,
    *,
    update_id: int | None = None,
) -> CheckAnswered | None:
    """Record the person's answer once; "not lately" and "stopped" open (or join) a
    `reconnect` episode and tell the worker why. None when nothing changed."""
    ties = TieRepository(session)
    tie = await ties.get(tie_id)
    if tie is None or tie.person_id != person.id:
        return None
    after = after_check(tie.state, answer)
    if after is None or not await ties.record_check(
        tie.id, person_id=person.id, answer=answer, end=after is TieState.ENDED, now=now
    ):
        return None
    await session.refresh(tie)
    resource = await ResourceRepository(session).require(tie.resource_id)
    # The answer is a sign of life (closing a silence-only episode) before any return.
    await sign_of_life(svc, session, person, now)
    if answer.returns_to_worker:
        await open_or_join(
            svc, session, person, EscalationReason.RECONNECT, now, update_id=update_id
        )
        worker = await session.get(Staff, person.worker_id)
        if worker is not None and worker.active:
            notify_staff(
                svc,
                session,
                worker,
                person,
                f"tie_check.worker_{answer.value}",
                now,
                resource=resource.name,
            )
    return CheckAnswered(tie, resource, answer)


async def reconnect_if_moods_turned_low(
    svc: Services,
    session: AsyncSession,
    person: Person,
    previous: CadenceLevel,
    reason: CadenceReason | None,
    now: datetime,
) -> bool:
    """After a cadence change: a loosely watched person with ties whose moods turned low
    returns to their worker, who is told why. True if a `reconnect` reason was raised."""
    if reason is not CadenceReason.LOW_MOODS:
        return False  # the common case asks nothing of the database
    active = await TieRepository(session).for_person(person.id, states=(TieState.ACTIVE,))
    if not moods_turned_low(
        active_ties=len(active), previous=previous, loosest=person.cadence_loosest, reason=reason
    ):
        return False
    await open_or_join(svc, session, person, EscalationReason.RECONNECT, now)
    worker = await session.get(Staff, person.worker_id)
    if worker is not None and worker.active:
        names = svc.text(worker.language, "resource.separator").join(r.name for _, r in active)
        notify_staff(
            svc, session, worker, person, "tie_check.worker_low_moods", now, resources=names
        )
    return True
