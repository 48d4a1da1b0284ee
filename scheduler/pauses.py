"""The pauses step: pauses that have ended (`usecases/pauses.py` welcomes the person back)."""

from __future__ import annotations

from datetime import datetime

from storage.people import PersonRepository
from usecases.pauses import pause_ended
from usecases.services import Services

__all__ = ["BATCH", "resume_step"]

BATCH = 200


async def resume_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        people = await PersonRepository(session).pauses_ending(
            now, limit=BATCH, skip_locked=svc.db.is_postgres
        )
        for person in people:
            await pause_ended(svc, session, person, now)
    return bool(people)
