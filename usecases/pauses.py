"""Pauses that end by themselves: the person is welcomed back with a warm check-in."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from domain.timeline import TimelineKind
from storage.checkins import CheckinKind
from storage.people import Person
from usecases.checkins import checkin_now
from usecases.planning import plan_after_contact
from usecases.services import Services
from usecases.silence import after_quiet_hours
from usecases.timeline import record_life_event

__all__ = ["pause_ended"]

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
    plan_after_contact(person, svc.settings, now)
    log.info("person %s resumed after a pause", person.id)
