"""Organisation statistics for coordinators: `/stats` and the weekly digest share them."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import Priority
from domain.people import PersonStatus
from infra import dates
from storage.checkins import CheckinRepository
from storage.escalations import EscalationRepository
from storage.outbox import OutboxRepository
from storage.people import PersonRepository
from storage.reachability import count_waiting
from usecases.reachability import WAITING_GAUGE
from usecases.services import Services
from usecases.words import duration

__all__ = ["DIGEST_WINDOW", "STATS_WINDOW", "Gauges", "gauges", "stats_text"]

STATS_WINDOW = timedelta(days=30)
DIGEST_WINDOW = timedelta(days=7)


def _period(svc: Services, language: str, now: datetime, window: timedelta) -> str:
    """The span the figures cover, in words: 「11月7日(土)〜12月7日(月)の30日間」."""
    zone = svc.settings.escalation.timezone
    return svc.text(
        language,
        "stats.period",
        start=dates.day(now - window, language, zone),
        end=dates.day(now, language, zone),
        days=window.days,
    )


async def stats_text(
    svc: Services,
    session: AsyncSession,
    language: str,
    now: datetime,
    window: timedelta = STATS_WINDOW,
) -> str:
    """People by status, check-ins sent and answered and acknowledgement times over the
    last `window`, and open escalations by priority, in the reader's language."""
    by_status = await PersonRepository(session).count_by_status()
    since = now - window
    sent, replied = await CheckinRepository(session).sent_and_replied(since)
    escalations = EscalationRepository(session)
    open_by_priority = await escalations.active_counts()
    minutes = await escalations.acknowledgement_delays(since)
    median = (
        duration(svc.catalog, language, timedelta(minutes=round(statistics.median(minutes))))
        if minutes
        else svc.text(language, "stats.median_none")
    )
    return svc.text(
        language,
        "stats.text",
        period=_period(svc, language, now, window),
        active=by_status.get(PersonStatus.ACTIVE, 0),
        paused=by_status.get(PersonStatus.PAUSED, 0),
        stopped=by_status.get(PersonStatus.STOPPED, 0),
        unreachable=by_status.get(PersonStatus.UNREACHABLE, 0),
        sent=sent,
        replied=replied,
        rate=svc.text(language, "stats.rate", percent=round(100 * replied / sent)) if sent else "",
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
