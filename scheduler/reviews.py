"""The reviews step: periods of denser contact whose review date has come (each prompt
claimed once, `storage.focus.FocusRepository.claim_due`; `usecases/focus.py` asks)."""

from __future__ import annotations

from datetime import datetime

from storage.focus import FocusRepository
from usecases.focus import prompt_review
from usecases.services import Services

__all__ = ["BATCH", "review_step"]

BATCH = 100


async def review_step(svc: Services, now: datetime) -> bool:
    async with svc.db.transaction() as session:
        due = await FocusRepository(session).claim_due(now, limit=BATCH)
        for period, person in due:
            await prompt_review(svc, session, period, person, now)
    return bool(due)
