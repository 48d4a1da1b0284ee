"""The tick: one read-only probe says which periodic steps have work, and those run in order.

Each step is small and idempotent: it reads what is due from the database, does a batch
and returns whether it found work. Steps that drain a backlog (a morning's check-ins,
the queue after downtime) go on while they find work, within a budget so one step
cannot starve the others; what is left is due again at the next tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Bot

from scheduler.digest import digest_step
from scheduler.dispatch import dispatch_due
from scheduler.due import due_work
from scheduler.escalations import responders_step, step_up_step
from scheduler.housekeeping import housekeeping_step
from scheduler.menus import sync_staff_menus
from scheduler.pauses import resume_step
from scheduler.reviews import review_step
from scheduler.silence import nudge_step, silence_escalation_step
from scheduler.ties import tie_check_step
from usecases.services import Services

__all__ = ["DRAINING_STEPS", "STEP_BUDGET", "TickStep", "steps", "tick"]

log = logging.getLogger(__name__)

TickStep = Callable[[Services, Bot, datetime], Awaitable[bool]]
DRAINING_STEPS = frozenset(
    {"resume", "dispatch", "nudge", "silence", "step_up", "responders", "ties"}
)
STEP_BUDGET = 2.0  # seconds


async def _menus_step(svc: Services, bot: Bot, _now: datetime) -> bool:
    return await sync_staff_menus(svc, bot)


def _pure(step: Callable[[Services, datetime], Awaitable[bool]]) -> TickStep:
    async def run(svc: Services, _bot: Bot, now: datetime) -> bool:
        return await step(svc, now)

    return run


def steps() -> list[tuple[str, TickStep]]:
    """The periodic steps, in order; each reads what is due from the database."""
    return [
        ("resume", _pure(resume_step)),
        ("dispatch", _pure(dispatch_due)),
        ("nudge", _pure(nudge_step)),
        ("silence", _pure(silence_escalation_step)),
        ("step_up", _pure(step_up_step)),
        ("responders", _pure(responders_step)),
        ("reviews", _pure(review_step)),

        ("ties", _pure(tie_check_step)),
        ("digest", _pure(digest_step)),
        ("housekeeping", _pure(housekeeping_step)),
        ("menus", _menus_step),
    ]


async def tick(
    svc: Services,
    bot: Bot,
    tick_steps: list[tuple[str, TickStep]],
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """Run the steps that have work due, reading the clock once; True if any found work."""
    now = svc.clock.now()
    found = False
    try:
        due = await due_work(svc.db, svc.settings, now)
    except Exception:
        log.exception("probing for due work failed; running every step")
        due = {name for name, _ in tick_steps}
    for name, step in tick_steps:
        if name not in due:
            continue
        budget = monotonic() + (STEP_BUDGET if name in DRAINING_STEPS else 0.0)
        try:
            while await step(svc, bot, now):
                found = True
                svc.wake_delivery()
                if monotonic() >= budget:
                    break
        except Exception:
            log.exception("tick step %s failed", name)
    if found:
        svc.wake_delivery()
    return found
