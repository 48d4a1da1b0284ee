"""Organisation statistics for coordinators: `/stats` and the weekly digest share them."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from domain.escalation import Priority
from domain.people import PersonStatus
from storage.checkins import Checkin
from storage.escalations import Escalation
from storage.people import Person

STATS_WINDOW = timedelta(days=30)


async def stats_text(svc: Services, session: AsyncSession, language: str, now: datetime) -> str:
    """People by status, check-ins sent and answered and acknowledgement times over the last
    `STATS_WINDOW`, and open escalations by priority, in the reader's language."""
    by_status = dict(
        (await session.execute(select(Person.status, func.count()).group_by(Person.status))).all()
    )
    since = now - STATS_WINDOW
    sent = (
        await session.scalar(
            select(func.count())
            .select_from(Checkin)
            .where(Checkin.sent_at.is_not(None), Checkin.sent_at >= since)
        )
        or 0
    )
    replied = (
        await session.scalar(
            select(func.count())
            .select_from(Checkin)
            .where(
                Checkin.sent_at.is_not(None),
                Checkin.sent_at >= since,
                Checkin.replied_at.is_not(None),
            )
        )
        or 0
    )
    open_by_priority = dict(
        (
            await session.execute(
                select(Escalation.priority, func.count())
                .where(Escalation.open_key.is_not(None))
                .group_by(Escalation.priority)
            )
        ).all()
    )
    acks = (
        await session.execute(
            select(Escalation.created_at, Escalation.acknowledged_at).where(
                Escalation.acknowledged_at.is_not(None), Escalation.created_at >= since
            )
        )
    ).all()
    minutes = [(a - c).total_seconds() / 60 for c, a in acks if a is not None]
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
