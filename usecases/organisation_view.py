"""The organisation's picture for the web view: the figures of /stats and the weekly
digest (`usecases.stats.figures`), arranged as the series its charts draw.

Who sees it follows the chat: /stats and the digest are for coordinators only, so the
page is too (a worker's own people are on their caseload page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import Priority
from domain.people import PersonStatus
from usecases.services import Services
from usecases.stats import STATS_WINDOW, figures, period_words
from usecases.words import duration

__all__ = ["ACK_BUCKETS", "Organisation", "Series", "acknowledgement_buckets", "organisation"]

# Time to acknowledge, in minutes: under 15, under an hour, under 4 hours, under a day,
# a day or more (the last bucket has no upper end).
ACK_BUCKETS = (15, 60, 240, 1440)


@dataclass(frozen=True)
class Series:
    """One chart: (key, count) pairs in the order drawn; the page words each key."""

    values: list[tuple[str, int]]

    @property
    def largest(self) -> int:
        return max((n for _, n in self.values), default=0)


@dataclass(frozen=True)
class Organisation:
    period: str  # the window in words
    by_status: Series  # keys: PersonStatus values
    sent: int
    replied: int
    reply_rate: int | None  # percent, None when nothing was sent
    replies: Series  # keys: replied, unanswered
    open_by_priority: Series  # keys: Priority values
    acknowledgement: Series  # keys: ACK_BUCKETS' indexes as text ("0".."4")
    median: str  # the median time to acknowledge, in words


def acknowledgement_buckets(minutes: list[float]) -> Series:
    counts = [0] * (len(ACK_BUCKETS) + 1)
    for value in minutes:
        counts[sum(1 for edge in ACK_BUCKETS if value >= edge)] += 1
    return Series([(str(i), n) for i, n in enumerate(counts)])


async def organisation(
    svc: Services, session: AsyncSession, language: str, now: datetime
) -> Organisation:
    """The last 30 days (as /stats), in `language`."""
    found = await figures(session, now, STATS_WINDOW)
    median = found.median_minutes
    return Organisation(
        period=period_words(svc, language, now, STATS_WINDOW),
        by_status=Series([(s.value, found.by_status.get(s, 0)) for s in PersonStatus]),
        sent=found.sent,
        replied=found.replied,
        reply_rate=round(100 * found.replied / found.sent) if found.sent else None,
        replies=Series([("replied", found.replied), ("unanswered", found.sent - found.replied)]),
        open_by_priority=Series([(p.value, found.open_by_priority.get(p, 0)) for p in Priority]),
        acknowledgement=acknowledgement_buckets(found.acknowledgement_minutes),
        median=(
            duration(svc.catalog, language, timedelta(minutes=round(median)))
            if median is not None
            else svc.text(language, "stats.median_none")
        ),
    )
