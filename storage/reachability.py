"""Escalations waiting for a reachable responder.

A row exists while an open escalation has nobody the bot can reach: every responder is
known unreachable. It keeps the notification's ladder level, so the notification goes out
as soon as any responder opens the bot; `/healthz` reports degraded while one exists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.escalation import EscalationState, StepLevel
from storage.base import Base, StepLevelType, UTCDateTime
from storage.escalations import Escalation

__all__ = ["EscalationWait", "WaitRepository", "count_waiting", "oldest_waiting"]


class EscalationWait(Base):
    __tablename__ = "escalation_waits"

    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[StepLevel] = mapped_column(StepLevelType)


class WaitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, escalation_id: int, level: int, now: datetime) -> bool:
        """Record that the escalation waits; False if it already did."""
        if await self.session.get(EscalationWait, escalation_id) is not None:
            return False
        self.session.add(EscalationWait(escalation_id=escalation_id, since=now, level=level))
        await self.session.flush()
        return True

    async def end(self, escalation_id: int) -> None:
        await self.session.execute(
            delete(EscalationWait).where(EscalationWait.escalation_id == escalation_id)
        )

    async def end_closed(self) -> None:
        """Forget waits whose escalation was acknowledged or closed meanwhile."""
        still_open = select(Escalation.id).where(Escalation.state == EscalationState.OPEN)
        await self.session.execute(
            delete(EscalationWait).where(EscalationWait.escalation_id.not_in(still_open))
        )

    async def open_waits(self) -> list[tuple[EscalationWait, Escalation]]:
        """Waits whose escalation is still open, oldest first."""
        rows = await self.session.execute(
            select(EscalationWait, Escalation)
            .join(Escalation, Escalation.id == EscalationWait.escalation_id)
            .where(Escalation.state == EscalationState.OPEN)
            .order_by(EscalationWait.since, EscalationWait.escalation_id)
        )
        return [(wait, escalation) for wait, escalation in rows.all()]


def _open_waits() -> Select[int]:
    return (
        select(EscalationWait.escalation_id)
        .join(Escalation, Escalation.id == EscalationWait.escalation_id)
        .where(Escalation.state == EscalationState.OPEN)
    )


async def count_waiting(conn: AsyncConnection | AsyncSession) -> int:
    """Open escalations waiting for a reachable responder (on a read-only connection too)."""
    value = await conn.scalar(select(func.count()).select_from(_open_waits().subquery()))
    return int(value or 0)


async def oldest_waiting(conn: AsyncConnection | AsyncSession, *, limit: int) -> list[int]:
    """The ids of the escalations waiting longest for a responder, oldest first."""
    query = _open_waits().order_by(EscalationWait.since, EscalationWait.escalation_id)
    return list((await conn.execute(query.limit(limit))).scalars())
