"""Focused-support periods and the reviews of denser contact (domain/focus.py).

`/focus <person> <days> [note]` opens a period with its review date and makes contact at
least one step denser; a tightened cadence opens one by itself (usecases.checkins). On the
review date the worker is asked, with buttons, whether to go on for 7 or 14 days or go
back to the base schedule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cadence import CadenceBounds, CadenceLevel, CadenceReason
from domain.focus import FocusKind, ReviewChoice, focus_level, next_review
from domain.people import sees_person
from storage.focus import FocusPeriod, FocusRepository
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.people import Person
from storage.staff import Staff, StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.checkins import set_cadence
from usecases.services import Services
from usecases.words import person_label

__all__ = [
    "ReviewAnswer",
    "Started",
    "answer_review",
    "prompt_review",
    "review_keyboard",
    "review_pressed",
    "start_focus",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Started:
    period: FocusPeriod
    level: CadenceLevel  # the cadence the period runs at


class ReviewAnswer(StrEnum):
    CONTINUED = "continued"
    BASE = "base"
    ALREADY = "already"  # the period was ended, or answered, before this press


def _bounds(person: Person) -> CadenceBounds:
    return CadenceBounds(tightest=person.cadence_tightest, loosest=person.cadence_loosest)


async def start_focus(
    svc: Services,
    session: AsyncSession,
    person: Person,
    staff: Staff,
    days: int,
    note: str | None,
    now: datetime,
) -> Started:
    """Open a focused-support period reviewed in `days`; contact at least one step denser
    than base (within the coordinator's bounds). An open cadence review folds into it."""
    focus = FocusRepository(session)
    for earlier in await focus.open_for(person.id):
        if earlier.kind is FocusKind.CADENCE:
            earlier.ended_at = now
    period = focus.add(
        FocusPeriod(
            person_id=person.id,
            kind=FocusKind.FOCUS,
            started_at=now,
            started_by=staff.id,
            note=note or None,
            review_at=now + timedelta(days=days),
        )
    )
    level = focus_level(person.cadence_level, _bounds(person))
    if level is not person.cadence_level:
        set_cadence(svc, session, person, level, CadenceReason.FOCUS, now)
    await session.flush()
    log.info("focus period %s started for person %s (%s days)", period.id, person.id, days)
    return Started(period, level)


def review_keyboard(svc: Services, language: str, period_id: int) -> dict[str, object]:
    """The review prompt's buttons, in the order of ReviewChoice (parsed by the review
    callback with usecases.buttons)."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": svc.text(language, f"focus.choice_{choice.value}"),
                    "callback_data": button_data(ButtonKind.REVIEW, period_id, choice),
                }
            ]
            for choice in ReviewChoice
        ]
    }


async def _reviewer(session: AsyncSession, person: Person) -> list[Staff]:
    """The person's worker; when they are gone, the coordinators."""
    staff = StaffRepository(session)
    worker = await staff.get(person.worker_id)
    if worker is not None and worker.active:
        return [worker]
    return await staff.coordinators()


async def prompt_review(
    svc: Services, session: AsyncSession, period: FocusPeriod, person: Person, now: datetime
) -> None:
    """Ask whoever looks after the person whether the denser contact should go on."""
    for staff in await _reviewer(session, person):
        lang = staff.language
        started = svc.text(lang, f"focus.kind_{period.kind.value}")
        OutboxRepository(session).add(
            new_message(
                chat_id=staff.telegram_id,
                text=svc.text(
                    lang,
                    "focus.review",
                    person=person_label(svc.catalog, lang, person.display_name, person.id),
                    person_id=person.id,
                    started=started,
                    level=svc.text(lang, f"cadence.level.{person.cadence_level.value}"),
                    days=max(1, (now - period.started_at).days),
                )
                + (svc.text(lang, "focus.note", note=period.note) if period.note else ""),
                now=now,
                purpose=Purpose.NOTIFY,
                reply_markup=review_keyboard(svc, lang, period.id),
                person_id=person.id,
            )
        )


async def answer_review(
    svc: Services,
    session: AsyncSession,
    period: FocusPeriod,
    person: Person,
    choice: ReviewChoice,
    now: datetime,
) -> ReviewAnswer:
    """Go on until the next review, or end the period and go back to the base schedule.
    Only the prompt's first answer counts (a second press, or another coordinator's)."""
    if period.ended_at is not None or period.prompted_at is None:
        return ReviewAnswer.ALREADY
    period.reviewed_at = now
    period.last_choice = choice
    again = next_review(choice, now)
    if again is not None:
        period.review_at = again
        period.prompted_at = None
        return ReviewAnswer.CONTINUED
    period.ended_at = now
    base = _bounds(person).clamp(CadenceLevel.BASE)
    if base is not person.cadence_level:
        set_cadence(svc, session, person, base, CadenceReason.REVIEW, now)
    return ReviewAnswer.BASE


async def review_pressed(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    period_id: int,
    choice: ReviewChoice,
    now: datetime,
) -> tuple[ReviewAnswer, Person] | None:
    """A review button pressed by `staff`; None if there is no such period or they may
    not see its person (the person's worker or backup, or a coordinator)."""
    period = await FocusRepository(session).get(period_id)
    if period is None:
        return None
    person = await session.get(Person, period.person_id)
    if person is None or not sees_person(
        staff.id, staff.role, person.worker_id, person.backup_worker_id
    ):
        return None
    return await answer_review(svc, session, period, person, choice, now), person
