"""Organisation statistics for coordinators: `/stats` and the weekly digest share them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
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

__all__ = [
    "DIGEST_WINDOW",
    "STATS_WINDOW",
    "Figures",
    "Gauges",
    "figures",
    "gauges",
    "period_words",
    "stats_text",
]

STATS_WINDOW = timedelta(days=30)
DIGEST_WINDOW = timedelta(days=7)


def period_words(svc: Services, language: str, now: datetime, window: timedelta) -> str:
    """The span the figures cover, in words: 「11月7日(土)〜12月7日(月)の30日間」."""
    zone = svc.settings.escalation.timezone
    return svc.text(
        language,
        "stats.period",
        start=dates.day(now - window, language, zone),
        end=dates.day(now, language, zone),
        days=window.days,
    )


@dataclass(frozen=True, slots=True)
class Figures:
    """The organisation's figures over a window: /stats, the digest and the web view's
    organisation page read the same ones."""

    by_status: dict[PersonStatus, int]
    sent: int  # check-ins sent in the window
    replied: int  # of them, answered
    open_by_priority: dict[Priority, int]  # now, whatever the window
    acknowledgement_minutes: list[float]  # episodes opened in the window

    @property
    def median_minutes(self) -> float | None:
        minutes = self.acknowledgement_minutes
        return statistics.median(minutes) if minutes else None


async def figures(session: AsyncSession, now: datetime, window: timedelta) -> Figures:
    since = now - window
    sent, replied = await CheckinRepository(session).sent_and_replied(since)
    escalations = EscalationRepository(session)
    return Figures(
        by_status=await PersonRepository(session).count_by_status(),
        sent=sent,
        replied=replied,
        open_by_priority=await escalations.active_counts(),
        acknowledgement_minutes=await escalations.acknowledgement_delays(since),
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
    found = await figures(session, now, window)
    by_status, sent, replied = found.by_status, found.sent, found.replied
    median = (
        duration(svc.catalog, language, timedelta(minutes=round(found.median_minutes)))
        if found.median_minutes is not None
        else svc.text(language, "stats.median_none")
    )
    return svc.text(
        language,
        "stats.text",
        period=period_words(svc, language, now, window),
        active=by_status.get(PersonStatus.ACTIVE, 0),
        paused=by_status.get(PersonStatus.PAUSED, 0),
        stopped=by_status.get(PersonStatus.STOPPED, 0),
        unreachable=by_status.get(PersonStatus.UNREACHABLE, 0),
        sent=sent,
        replied=replied,
        rate=svc.text(language, "stats.rate", percent=round(100 * replied / sent)) if sent else "",
        p1=found.open_by_priority.get(Priority.P1, 0),
        p2=found.open_by_priority.get(Priority.P2, 0),
        p3=found.open_by_priority.get(Priority.P3, 0),
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
