"""Tie aggregate: a person's ties to community resources, each made with their consent."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.ties import TieCheckAnswer, TieState
from storage.base import Base, UTCDateTime, str_enum
from storage.people import Person
from storage.resources import Resource

__all__ = ["Tie", "TieRepository", "tie_check_due"]


class Tie(Base):
    """proposed (by a worker) → active (the person agreed) or declined; active → ended."""

    __tablename__ = "ties"
    __table_args__ = (Index("ix_ties_person_id_resource_id", "person_id", "resource_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    state: Mapped[TieState] = mapped_column(str_enum(TieState, 10))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # When the person agreed or declined.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The periodic question about an active tie (ties.check_every): when it is next due,
    # when it was last answered and how.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_answer: Mapped[TieCheckAnswer | None] = mapped_column(
        str_enum(TieCheckAnswer, 10), nullable=True
    )

    @property
    def since(self) -> datetime:
        """When the tie took its present meaning: agreed (or declined), else proposed."""
        return self.answered_at or self.proposed_at


def tie_check_due(now: datetime) -> ColumnElement[bool]:
    """An active tie whose periodic question has come: the one definition of "due"."""
    return (Tie.state == TieState.ACTIVE) & (Tie.next_check_at <= now)


class TieRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def propose(
        self, *, person_id: int, resource_id: int, proposed_by: int | None, now: datetime
    ) -> Tie:
        tie = Tie(
            person_id=person_id,
            resource_id=resource_id,
            state=TieState.PROPOSED,
            proposed_at=now,
            proposed_by=proposed_by,
        )
        self.session.add(tie)
        await self.session.flush()
        return tie

    async def get(self, tie_id: int) -> Tie | None:
        return await self.session.get(Tie, tie_id)

    async def states_with(self, person_id: int, resource_id: int) -> list[TieState]:
        """The states of every tie the person has had with the resource."""
        query = select(Tie.state).where(Tie.person_id == person_id, Tie.resource_id == resource_id)
        return [TieState(s) for s in (await self.session.execute(query)).scalars()]

    async def has_active(self, person_id: int) -> bool:
        """Whether the person has an active tie (one indexed EXISTS)."""
        query = select(exists().where(Tie.person_id == person_id, Tie.state == TieState.ACTIVE))
        return bool((await self.session.execute(query)).scalar())

    async def for_person(
        self, person_id: int, *, states: tuple[TieState, ...] | None = None
    ) -> list[tuple[Tie, Resource]]:
        """The person's ties with their resources, oldest first."""
        query = (
            select(Tie, Resource)
            .join(Resource, Resource.id == Tie.resource_id)
            .where(Tie.person_id == person_id)
            .order_by(Tie.id)
        )
        if states is not None:
            query = query.where(Tie.state.in_(states))
        return [(tie, resource) for tie, resource in (await self.session.execute(query)).all()]

    async def active_resource_names(self, person_ids: Collection[int]) -> dict[int, list[str]]:
        """Each person's active ties as their resources' names, oldest first (one query)."""
        if not person_ids:
            return {}
        rows = await self.session.execute(
            select(Tie.person_id, Resource.name)
            .join(Resource, Resource.id == Tie.resource_id)
            .where(Tie.person_id.in_(list(person_ids)), Tie.state == TieState.ACTIVE)
            .order_by(Tie.person_id, Tie.id)
        )
        found: dict[int, list[str]] = {}
        for person_id, name in rows:
            found.setdefault(person_id, []).append(name)
        return found

    async def move(
        self,
        tie_id: int,
        *,
        person_id: int,
        from_state: TieState,
        to_state: TieState,
        now: datetime,
    ) -> bool:
        """A conditional transition of the person's own tie: True if this call made it
        (a second press of the same button, or someone else's tie, changes nothing)."""
        values: dict[str, object] = {"state": to_state}
        if to_state is TieState.ENDED:
            values["ended_at"] = now
        else:
            values["answered_at"] = now
        result = await self.session.execute(
            update(Tie)
            .where(Tie.id == tie_id, Tie.person_id == person_id, Tie.state == from_state)
            .values(values)
            .execution_options(synchronize_session="fetch")
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def checks_due(
        self, now: datetime, *, limit: int, skip_locked: bool
    ) -> list[tuple[Tie, Resource, Person]]:
        """Active ties whose periodic question is due, earliest first, with their resource
        and person (locked, skipping others' locks, on PostgreSQL)."""
        query = (
            select(Tie, Resource, Person)
            .join(Resource, Resource.id == Tie.resource_id)
            .join(Person, Person.id == Tie.person_id)
            .where(tie_check_due(now))
            .order_by(Tie.next_check_at)
            .limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True, of=Tie)
        return [(t, r, p) for t, r, p in (await self.session.execute(query)).all()]

    async def record_check(
        self, tie_id: int, *, person_id: int, answer: TieCheckAnswer, end: bool, now: datetime
    ) -> bool:
        """The person's answer about their active tie, once: True if this call recorded it
        ("stopped" also ends the tie)."""
        values: dict[str, object] = {"checked_at": now, "check_answer": answer}
        if end:
            values |= {"state": TieState.ENDED, "ended_at": now, "next_check_at": None}
        result = await self.session.execute(
            update(Tie)
            .where(Tie.id == tie_id, Tie.person_id == person_id, Tie.state == TieState.ACTIVE)
            .values(values)
            .execution_options(synchronize_session="fetch")
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
