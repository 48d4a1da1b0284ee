"""Pauses that end by themselves: the person is welcomed back with a warm check-in."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from infra.dates import day
from storage.checkins import CheckinKind
from storage.people import Person
from storage.staff import Staff
from usecases.checkins import checkin_now
from usecases.planning import plan_after_contact
from usecases.services import Services
from usecases.silence import after_quiet_hours
from usecases.staffing import notify_staff

__all__ = ["pause_ended", "tell_worker_paused"]

log = logging.getLogger(__name__)


async def pause_ended(svc: Services, session: AsyncSession, person: Person, now: datetime) -> None:
    """Welcome the person back, or wait for the end of their quiet hours: never at 3 a.m."""
    if (quiet_end := after_quiet_hours(person, svc, now)) is not None:
        person.paused_until = quiet_end
        return
    person.status = PersonStatus.ACTIVE
    person.paused_until = None
    await checkin_now(svc, session, person, now, CheckinKind.WELCOME_BACK)
    plan_after_contact(person, svc.settings, now)
    log.info("person %s resumed after a pause", person.id)


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
