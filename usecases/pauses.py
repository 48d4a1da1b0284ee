"""Pauses: a person takes a break (/pause), may say why, and is welcomed back with a warm
check-in when it ends by itself."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import next_working_instant
from domain.people import PauseReason, PersonStatus
from domain.timeline import TimelineKind
from infra.dates import day
from storage.checkins import CheckinKind
from storage.people import Person
from storage.staff import Staff, StaffRepository
from usecases.checkins import checkin_now
from usecases.escalations import working_hours
from usecases.planning import plan_after_contact
from usecases.services import Services
from usecases.silence import after_quiet_hours
from usecases.staffing import notify_staff
from usecases.timeline import record_life_event

__all__ = ["pause", "pause_ended", "pause_reason_given", "tell_worker_paused"]

log = logging.getLogger(__name__)


async def pause_ended(svc: Services, session: AsyncSession, person: Person, now: datetime) -> None:
    """Welcome the person back, or wait for the end of their quiet hours: never at 3 a.m."""
    if (quiet_end := after_quiet_hours(person, svc, now)) is not None:
        person.paused_until = quiet_end
        return
    person.status = PersonStatus.ACTIVE
    person.paused_until = None
    record_life_event(session, person, TimelineKind.RESUMED, now, actor="system")
    await checkin_now(svc, session, person, now, CheckinKind.WELCOME_BACK)
    person.pause_reason = None
    plan_after_contact(person, svc.settings, now)
    log.info("person %s resumed after a pause", person.id)


def pause(person: Person, days: int | None, now: datetime) -> None:
    """Take a break: no check-ins, nudges or silence clocks until `days` have passed (or
    /resume, when `days` is None)."""
    person.status = PersonStatus.PAUSED
    person.silence_due_at = None
    person.silent_since = None
    person.paused_until = now + timedelta(days=days) if days else None
    person.pause_reason = None


async def pause_reason_given(
    svc: Services, session: AsyncSession, person: Person, reason: PauseReason, now: datetime
) -> bool:
    """The person said why they are taking a break; False if they are no longer on one.

    The worker hears it in working hours: it is news for the welcome back, not a call.
    """
    if person.status is not PersonStatus.PAUSED:
        return False
    changed = person.pause_reason is not reason
    person.pause_reason = reason
    worker = await StaffRepository(session).get(person.worker_id)
    if changed and worker is not None and worker.active:
        notify_staff(
            svc,
            session,
            worker,
            person,
            "pause_reason.worker_told",
            now,
            not_before=next_working_instant(now, working_hours(svc)),
            reason=svc.text(worker.language, f"pause_reason.{reason.value}"),
        )
    return True


async def tell_worker_paused(
    svc: Services, session: AsyncSession, person: Person, now: datetime, days: int | None
) -> None:
    """Tell the worker the person paused, and for how long, in the worker's words:
    「7日間、12月14日(月)まで」, or 「再開するまで」 for an open pause."""
    worker = await session.get(Staff, person.worker_id)
    if worker is None or not worker.active:
        return
    lang = worker.language
    if days and person.paused_until is not None:
        until = day(person.paused_until, lang, svc.settings.escalation.timezone)
        period = svc.text(lang, "pause.period_until", days=days, date=until)
    else:
        period = svc.text(lang, "pause.period_open")
    notify_staff(svc, session, worker, person, "pause.worker_told", now, period=period)
