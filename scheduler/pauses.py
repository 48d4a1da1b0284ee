"""Pauses that end by themselves: the person is welcomed back with a warm check-in."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from domain.people import PersonStatus
from scheduler.silence import after_quiet_hours
from storage.checkins import CheckinKind
from storage.people import Person
from usecases.checkins import checkin_now
from usecases.planning import plan_after_contact
from usecases.services import Services

log = logging.getLogger(__name__)

BATCH = 200


async def resume_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        people = list(
            (
                await session.execute(
                    select(Person)
                    .where(Person.status == PersonStatus.PAUSED, Person.paused_until <= now)
                    .limit(BATCH)
                )
            ).scalars()
        )
        for person in people:
            if (quiet_end := after_quiet_hours(person, svc, now)) is not None:
                person.paused_until = quiet_end  # never welcome someone back at 3 a.m.
                continue
            person.status = PersonStatus.ACTIVE
            person.paused_until = None
            await checkin_now(svc, session, person, now, CheckinKind.WELCOME_BACK)
            plan_after_contact(person, svc.settings, now)
            log.info("person %s resumed after a pause", person.id)
    return bool(people)
