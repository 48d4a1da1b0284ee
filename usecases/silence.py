"""Silence: one gentle nudge, then a `silence` escalation. Never a stop (つながり続ける).

The decision itself is `domain.silence.silence_action`; the steps that find what is due
are in `scheduler/silence.py`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import EscalationReason
from domain.people import PersonStatus
from domain.schedule import in_quiet_hours, local_to_utc
from domain.silence import SilenceAction, silence_action
from storage.checkins import Checkin
from storage.outbox import PRIORITY_BULK, OutboxRepository, Purpose, new_message
from storage.people import Person
from storage.ties import TieRepository
from usecases.escalations import open_or_join
from usecases.planning import delays_for, person_schedule, rhythm_bounds
from usecases.services import Services

log = logging.getLogger(__name__)

__all__ = ["after_quiet_hours", "nudge", "silence_reached"]


def after_quiet_hours(person: Person, svc: Services, instant: datetime) -> datetime | None:
    """If `instant` is in the person's quiet hours, when they end; else None."""
    schedule = person_schedule(person, svc.settings)
    if schedule.quiet_end is None or not in_quiet_hours(schedule, instant):
        return None
    local = instant.astimezone(schedule.zone)
    end = local_to_utc(local.date(), schedule.quiet_end, schedule.zone)
    return (
        end
        if end > instant
        else local_to_utc(local.date() + timedelta(days=1), schedule.quiet_end, schedule.zone)
    )


async def nudge(
    svc: Services, session: AsyncSession, checkin: Checkin, person: Person, now: datetime
) -> None:
    """The one gentle nudge of an unanswered check-in, unless its moment has passed or the
    person is in quiet hours (then it waits for their end)."""
    assert checkin.sent_at is not None
    delays = delays_for(
        rhythm_bounds(svc.settings),
        person.nudge_after_s,
        person.escalate_after_s,
        person.usual_reply_s,
    )
    action = silence_action(
        checkin.sent_at,
        person.last_reply_at,
        checkin.nudged_at,
        False,
        now,
        delays.nudge_after,
        delays.escalate_after,
    )
    # ESCALATE means the nudge's moment has passed (downtime): the escalation step
    # takes it from here; a late nudge followed at once by a call helps nobody.
    if person.status is not PersonStatus.ACTIVE or action is not SilenceAction.NUDGE:
        checkin.nudge_due_at = None
        return
    if (quiet_end := after_quiet_hours(person, svc, now)) is not None:
        checkin.nudge_due_at = quiet_end
        return
    checkin.nudge_due_at = None
    checkin.nudged_at = now
    OutboxRepository(session).add(
        new_message(
            chat_id=person.chat_id,
            text=svc.catalog.variant(person.language, "nudge.text", checkin.id),
            now=now,
            purpose=Purpose.NUDGE,
            person_id=person.id,
            priority=PRIORITY_BULK,
        )
    )
    log.info("nudge queued for person %s (check-in %s)", person.id, checkin.id)


async def silence_reached(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> None:
    """The person's silence clock ran out: a `silence` reason for their episode; for a
    person tied to a community resource, a `reconnect` one (もどす: the tie may have failed
    them, and the worker is asked to reconnect, not only to check in). Either is answered
    by the person's reply."""
    person.silence_due_at = None
    if person.status is not PersonStatus.ACTIVE or person.silent_since is None:
        return
    tied = await TieRepository(session).has_active(person.id)
    reason = EscalationReason.RECONNECT if tied else EscalationReason.SILENCE
    await open_or_join(svc, session, person, reason, now, by_silence=True)
