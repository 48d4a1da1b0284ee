"""Periods of denser contact and their review dates (domain/focus.py).

One row per period: opened by the cadence rule tightening or by a worker's `/focus`; its
`review_at` comes, the worker is prompted once (`prompted_at`), and the answer either sets
the next review or ends the period. The rows stay: they are the worker's band on the
person's timeline.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Integer, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.focus import FocusKind, ReviewChoice
from storage.base import Base, SafeText, UTCDateTime, str_enum
from storage.people import Person

__all__ = ["FocusPeriod", "FocusRepository", "review_due"]


class FocusPeriod(Base):
    __tablename__ = "focus_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FocusKind] = mapped_column(str_enum(FocusKind))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(SafeText, nullable=True)
    review_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_choice: Mapped[ReviewChoice | None] = mapped_column(str_enum(ReviewChoice), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def review_due(now: datetime) -> ColumnElement[bool]:
    """An open period whose review date has come and whose worker has not been asked yet."""
    return (
        FocusPeriod.ended_at.is_(None)
        & FocusPeriod.prompted_at.is_(None)
        & (FocusPeriod.review_at <= now)
    )


class FocusRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, period: FocusPeriod) -> FocusPeriod:
        self.session.add(period)
        return period

    async def open_for(self, person_id: int) -> list[FocusPeriod]:
        """The person's periods not yet ended, oldest first."""
        rows = await self.session.execute(
            select(FocusPeriod)
            .where(FocusPeriod.person_id == person_id, FocusPeriod.ended_at.is_(None))
            .order_by(FocusPeriod.id)
        )
        return list(rows.scalars())

    async def next_reviews(self, person_ids: Collection[int]) -> dict[int, datetime]:
        """Each person's earliest review date among their open periods (one query)."""
        if not person_ids:
            return {}
        rows = await self.session.execute(
            select(FocusPeriod.person_id, func.min(FocusPeriod.review_at))
            .where(FocusPeriod.person_id.in_(list(person_ids)), FocusPeriod.ended_at.is_(None))
            .group_by(FocusPeriod.person_id)
        )
        return {person_id: review_at for person_id, review_at in rows}

    async def for_person(self, person_id: int) -> list[FocusPeriod]:
        """All the person's periods, oldest first (the timeline)."""
        rows = await self.session.execute(
            select(FocusPeriod).where(FocusPeriod.person_id == person_id).order_by(FocusPeriod.id)
        )
        return list(rows.scalars())

    async def get(self, period_id: int) -> FocusPeriod | None:
        return await self.session.get(FocusPeriod, period_id)

    async def claim_due(self, now: datetime, *, limit: int) -> list[tuple[FocusPeriod, Person]]:
        """Periods due for review, each claimed for one prompt (a conditional update: two
        instances never prompt twice), with the person."""
        ids = (
            await self.session.execute(
                select(FocusPeriod.id)
                .where(review_due(now))
                .order_by(FocusPeriod.review_at)
                .limit(limit)
            )
        ).scalars()
        wanted = list(ids)
        if not wanted:
            return []
        claimed = list(
            (
                await self.session.execute(
                    update(FocusPeriod)
                    .where(FocusPeriod.id.in_(wanted), FocusPeriod.prompted_at.is_(None))
                    .values(prompted_at=now)
                    .returning(FocusPeriod.id)
                    .execution_options(synchronize_session=False)
                )
            ).scalars()
        )
        if not claimed:
            return []
        rows = await self.session.execute(
            select(FocusPeriod, Person)
            .join(Person, Person.id == FocusPeriod.person_id)
            .where(FocusPeriod.id.in_(claimed))
            .order_by(FocusPeriod.review_at)
        )
        return [(period, person) for period, person in rows]
