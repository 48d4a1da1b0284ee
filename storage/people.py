"""Person aggregate: the person's tie with the team, their schedule and cadence history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.cadence import CadenceLevel, CadenceReason
from domain.errors import NotFoundError
from domain.people import PauseReason, PersonStatus
from storage.base import Base, SafeString, UTCDateTime, str_enum, update_rows
from storage.staff import Staff


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_status_next_checkin", "status", "next_checkin_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Only the first name Telegram shows, so the worker recognises the chat; erasable.
    display_name: Mapped[str | None] = mapped_column(SafeString(200), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    status: Mapped[PersonStatus] = mapped_column(
        str_enum(PersonStatus), default=PersonStatus.ACTIVE
    )
    worker_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    backup_worker_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"), nullable=True)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first check-in left unanswered since the last reply, and when that silence
    # becomes a `silence` escalation (NULL once escalated or answered).
    silent_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    silence_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # Why the current pause, if the person said; cleared when they are back.
    pause_reason: Mapped[PauseReason | None] = mapped_column(
        str_enum(PauseReason), nullable=True
    )
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Schedule, in the forms domain.schedule parses ("09:00,18:30", "weekdays", "22:00-07:00").
    checkin_times: Mapped[str] = mapped_column(String(100))
    checkin_days: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))
    quiet_hours: Mapped[str | None] = mapped_column(String(20), nullable=True)
    nudge_after_s: Mapped[int] = mapped_column(Integer)
    # The person's usual reply delay (domain.rhythm.usual_delay), kept up to date on each
    # answered check-in; None until there is enough history.
    usual_reply_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalate_after_s: Mapped[int] = mapped_column(Integer)
    cadence_level: Mapped[CadenceLevel] = mapped_column(
        str_enum(CadenceLevel), default=CadenceLevel.BASE
    )
    cadence_tightest: Mapped[CadenceLevel] = mapped_column(
        str_enum(CadenceLevel), default=CadenceLevel.CLOSEST
    )
    cadence_loosest: Mapped[CadenceLevel] = mapped_column(
        str_enum(CadenceLevel), default=CadenceLevel.LOOSE
    )
    cadence_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When a message outside a check-in was last acknowledged: one acknowledgement covers
    # a flurry of lines.
    free_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CadenceChange(Base):
    """Every change of cadence, with its reason, so the worker can see why contact changed."""

    __tablename__ = "cadence_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_level: Mapped[CadenceLevel] = mapped_column(str_enum(CadenceLevel))
    to_level: Mapped[CadenceLevel] = mapped_column(str_enum(CadenceLevel))
    reason: Mapped[CadenceReason] = mapped_column(str_enum(CadenceReason, 40))


def checkin_due(now: datetime) -> ColumnElement[bool]:
    """An active person whose next check-in has come: the one definition of "due"."""
    return (Person.status == PersonStatus.ACTIVE) & (Person.next_checkin_at <= now)


def pause_over(now: datetime) -> ColumnElement[bool]:
    return (Person.status == PersonStatus.PAUSED) & (Person.paused_until <= now)


def silence_over(now: datetime) -> ColumnElement[bool]:
    return Person.silence_due_at <= now


# What planning reads of a person (usecases.planning.Schedulable), as plain columns for
# the hot path of a morning's dispatch.
SCHEDULE_COLUMNS = (
    Person.id,
    Person.checkin_times,
    Person.checkin_days,
    Person.created_at,
    Person.timezone,
    Person.quiet_hours,
    Person.cadence_level,
    Person.last_checkin_at,
)


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        query = select(Person).where(Person.telegram_id == telegram_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def resolve(self, number: int) -> Person:
        """A person named by Telegram user id or internal id, as staff commands allow.

        `number` comes from a strict parser (handlers/args.py); it is looked up only
        where it fits the column, so no number reaches the database out of range.
        """
        found = await self.by_telegram_id(number) if 0 < number < 2**63 else None
        if found is None and 0 < number < 2**31:
            found = await self.get(number)
        if found is None:
            raise NotFoundError(str(number))
        return found

    async def add(self, person: Person) -> Person:
        self.session.add(person)
        await self.session.flush()
        return person

    async def all(self, *, worker_id: int | None = None) -> list[Person]:
        query = select(Person).order_by(Person.id)
        if worker_id is not None:
            query = query.where(
                (Person.worker_id == worker_id) | (Person.backup_worker_id == worker_id)
            )
        return list((await self.session.execute(query)).scalars())

    async def count_due(self, now: datetime) -> int:
        """Active people whose next check-in is due (the metrics gauge)."""
        query = (
            select(func.count())
            .select_from(Person)
            .where(checkin_due(now))
        )
        return int((await self.session.execute(query)).scalar_one())

    async def cadence_changes(self, person_id: int, *, limit: int) -> list[CadenceChange]:
        """The person's last `limit` cadence changes, newest first."""
        rows = await self.session.execute(
            select(CadenceChange)
            .where(CadenceChange.person_id == person_id)
            .order_by(CadenceChange.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    async def cadence_history(self, person_id: int) -> list[CadenceChange]:
        """Every cadence change of the person, oldest first (the timeline)."""
        rows = await self.session.execute(
            select(CadenceChange)
            .where(CadenceChange.person_id == person_id)
            .order_by(CadenceChange.id)
        )
        return list(rows.scalars())

    async def worker_telegram_id(self, person: Person) -> int | None:
        query = select(Staff.telegram_id).where(Staff.id == person.worker_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def silence_due(self, now: datetime, *, limit: int, skip_locked: bool) -> list[Person]:
        """People whose silence clock has run out, earliest first (locked, skipping others'
        locks, on PostgreSQL)."""
        query = (
            select(Person).where(silence_over(now)).order_by(Person.silence_due_at).limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars())

    async def pauses_ending(self, now: datetime, *, limit: int, skip_locked: bool) -> list[Person]:
        """Paused people whose pause has ended (locked, skipping others' locks, on
        PostgreSQL: two instances never welcome the same person back twice)."""
        query = select(Person).where(pause_over(now)).limit(limit)
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars())

    async def count_by_status(self) -> dict[PersonStatus, int]:
        rows = await self.session.execute(
            select(Person.status, func.count()).group_by(Person.status)
        )
        return {PersonStatus(status): int(n) for status, n in rows}

    async def supported_by(self, staff_id: int) -> list[Person]:
        """People (not stopped) the staff member supports or backs up, by id."""
        rows = await self.session.execute(
            select(Person)
            .where(
                (Person.worker_id == staff_id) | (Person.backup_worker_id == staff_id),
                Person.status != PersonStatus.STOPPED,
            )
            .order_by(Person.id)
        )
        return list(rows.scalars())

    async def count_supported_by(self, staff_id: int) -> int:
        """People (not stopped) the staff member supports or backs up."""
        query = (
            select(func.count())
            .select_from(Person)
            .where(
                (Person.worker_id == staff_id) | (Person.backup_worker_id == staff_id),
                Person.status != PersonStatus.STOPPED,
            )
        )
        return int((await self.session.execute(query)).scalar_one())

    async def listing(self) -> list[tuple[Person, int]]:
        """Every person with their worker's Telegram id, by id (for the command line)."""
        rows = await self.session.execute(
            select(Person, Staff.telegram_id)
            .join(Staff, Staff.id == Person.worker_id)
            .order_by(Person.id)
        )
        return [(person, worker) for person, worker in rows]

    async def claim_due(
        self, now: datetime, *, limit: int, skip_locked: bool
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """Active people whose check-in is due, earliest first, as plain rows of what
        planning and the message need (locked, skipping others' locks, on PostgreSQL)."""
        query = (
            select(*SCHEDULE_COLUMNS, Person.chat_id, Person.language, Person.next_checkin_at)
            .where(checkin_due(now))
            .order_by(Person.next_checkin_at)
            .limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        return (await self.session.execute(query)).all()

    async def update_rows(self, rows: list[dict[str, Any]]) -> None:
        """One UPDATE per dict (matched on `id`) as a single executemany."""
        await update_rows(self.session, Person, rows)
