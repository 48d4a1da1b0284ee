"""Escalation steps: the acknowledgement ladder, and episodes waiting for a responder."""

from __future__ import annotations

import logging
from datetime import datetime

from storage.escalations import EscalationRepository
from storage.reachability import WaitRepository
from usecases.escalations import step_up
from usecases.fallthrough import release_if_usable
from usecases.services import Services

__all__ = ["responders_step", "step_up_step"]

log = logging.getLogger(__name__)


async def step_up_step(svc: Services, now: datetime, *, batch: int = 100) -> bool:
    """The ladder: nobody acknowledged in time → worker again, then backup, then coordinators."""
    async with svc.db.transaction() as session:
        due = await EscalationRepository(session).due_for_step_up(
            now, limit=batch, skip_locked=svc.db.is_postgres
        )
        for escalation in due:
            await step_up(svc, session, escalation, now)
    return bool(due)


async def responders_step(svc: Services, now: datetime) -> bool:
    """Waiting escalations go to any responder now usable (staff added since, or a send
    that succeeded); closed ones stop waiting. True if any was released."""
    released = False
    async with svc.db.transaction() as session:
        waits = WaitRepository(session)
        for wait, escalation in await waits.open_waits():
            released = await release_if_usable(svc, session, wait, escalation, now) or released
        await waits.end_closed()
    return released
