"""The tie check step: active ties whose periodic question has come (usecases/tie_checks.py)."""

from __future__ import annotations

from datetime import datetime

from storage.ties import TieRepository
from usecases.services import Services
from usecases.tie_checks import ask_about_tie

__all__ = ["BATCH", "tie_check_step"]

BATCH = 200


async def tie_check_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        due = await TieRepository(session).checks_due(
            now, limit=BATCH, skip_locked=svc.db.is_postgres
        )
        for tie, resource, person in due:
            ask_about_tie(svc, session, tie, resource, person, now)
    return bool(due)
