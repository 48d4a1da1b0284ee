"""Organisation statistics for coordinators: `/stats` and the weekly digest share them."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import Priority
from domain.people import PersonStatus
from storage.checkins import CheckinRepository
from storage.escalations import EscalationRepository
from storage.outbox import OutboxRepository
from storage.people import PersonRepository
from storage.reachability import count_waiting
from usecases.reachability import WAITING_GAUGE
from usecases.services import Services

STATS_WINDOW = timedelta(days=30)


async def stats_text(svc: Services, session: AsyncSession, language: str, now: datetime) -> str:
    """People by status, check-ins sent and answered and acknowledgement times over the last
    `STATS_WINDOW`, and open escalations by priority, in the reader's language."""
    by_status = await PersonRepository(session).count_by_status()
    since = now - STATS_WINDOW
    sent, replied = await CheckinRepository(session).sent_and_replied(since)
    escalations = EscalationRepository(session)
    open_by_priority = await escalations.active_counts()
    minutes = await escalations.acknowledgement_delays(since)
    median = f"{statistics.median(minutes):.0f}" if minutes else "-"
    return svc.text(
        language,
        "stats.text",
        active=by_status.get(PersonStatus.ACTIVE, 0),
        paused=by_status.get(PersonStatus.PAUSED, 0),
        stopped=by_status.get(PersonStatus.STOPPED, 0),
        unreachable=by_status.get(PersonStatus.UNREACHABLE, 0),
        sent=sent,
        replied=replied,
        rate=f"{100 * replied / sent:.0f}%" if sent else "-",
        p1=open_by_priority.get(Priority.P1, 0),
        p2=open_by_priority.get(Priority.P2, 0),
        p3=open_by_priority.get(Priority.P3, 0),
        median=median,
    )


Gauges = dict[str, dict[tuple[tuple[str, str], ...], float]]


async def gauges(session: AsyncSession, now: datetime) -> Gauges:
    """The values /metrics reads from the database at each scrape."""
    escalations = EscalationRepository(session)
    by_priority = await escalations.active_counts()
    p1_since = await escalations.oldest_open_since(Priority.P1)
    return {
        WAITING_GAUGE: {(): float(await count_waiting(session))},
        "tsunagari_checkins_due": {(): float(await PersonRepository(session).count_due(now))},
        "tsunagari_outbox_pending": {(): float(await OutboxRepository(session).pending_count())},
        "tsunagari_open_escalations": {
            (("priority", p.value),): float(by_priority.get(p, 0)) for p in Priority
        },
        "tsunagari_oldest_unacknowledged_p1_seconds": {
            (): 0.0 if p1_since is None else max(0.0, (now - p1_since).total_seconds())
        },
    }
