"""Silence steps: nudges and silence escalations that have fallen due.

Both clocks are stored and indexed (`checkins.nudge_due_at`, `people.silence_due_at`), so
these steps only read what is due; `usecases/silence.py` decides.
"""

from __future__ import annotations

from datetime import datetime

from storage.checkins import CheckinRepository
from storage.people import PersonRepository
from usecases.services import Services
from usecases.silence import nudge, silence_reached

__all__ = ["BATCH", "nudge_step", "silence_escalation_step"]

BATCH = 200


async def nudge_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        due = await CheckinRepository(session).nudges_due(
            now, limit=BATCH, skip_locked=svc.db.is_postgres
        )
        for checkin, person in due:
            await nudge(svc, session, checkin, person, now)
    return bool(due)


async def silence_escalation_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        people = await PersonRepository(session).silence_due(
            now, limit=BATCH, skip_locked=svc.db.is_postgres
        )
        for person in people:
            await silence_reached(svc, session, person, now)
    return bool(people)
