"""Dispatch: due check-ins become outbox rows, a batch at a time.

Each person's next check-in instant is stored and indexed; this step claims due people
(`FOR UPDATE SKIP LOCKED` on PostgreSQL so several instances share the work; the single
SQLite writer gives the same exclusion) and `usecases/dispatch.py` writes the check-ins
and their messages in the same transaction and advances each schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime

from storage.people import PersonRepository
from usecases.dispatch import queue_scheduled
from usecases.services import Services

__all__ = ["BATCH", "dispatch_all_due", "dispatch_due"]

log = logging.getLogger(__name__)

BATCH = 500


async def dispatch_due(svc: Services, now: datetime, *, batch: int = BATCH) -> bool:
    """Claim up to `batch` due people and queue their check-ins; True if any were due."""
    async with svc.db.transaction() as session:
        people = await PersonRepository(session).claim_due(
            now, limit=batch, skip_locked=svc.db.is_postgres
        )
        if not people:
            return False
        done = await queue_scheduled(svc, session, people, now)
    if done.skipped:
        log.info("dispatch: %s check-ins skipped as stale after downtime", done.skipped)
    log.debug("dispatch: %s check-ins queued", done.queued)
    svc.wake_delivery()
    return True


async def dispatch_all_due(svc: Services, now: datetime, *, batch: int = BATCH) -> int:
    """Run the step until nothing is due; returns the number of batches."""
    batches = 0
    while await dispatch_due(svc, now, batch=batch):
        batches += 1
    return batches
