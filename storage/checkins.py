"""Check-in aggregate: each scheduled (or staff-requested) check-in and what came of it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, str_enum, table_of, update_rows
from storage.people import Person


class CheckinState(StrEnum):
    QUEUED = "queued"  # its message is in the outbox
    SENT = "sent"  # Telegram accepted it
    REPLIED = "replied"
    SKIPPED = "skipped"  # missed by more than its window (downtime): recorded, not sent late
    FAILED = "failed"


class CheckinKind(StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"  # /checkin_now by staff
    WELCOME_BACK = "welcome_back"  # the first check-in after a pause ends


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_person_id_id", "person_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[CheckinKind] = mapped_column(str_enum(CheckinKind))
    state: Mapped[CheckinState] = mapped_column(str_enum(CheckinState, 10), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mood: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the one gentle nudge falls due (NULL once nudged, answered or superseded).
    nudge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


_CHECKINS = table_of(Checkin)


def nudge_due(now: datetime) -> ColumnElement[bool]:
    """A sent, unanswered check-in whose one nudge has come."""
    return (Checkin.nudge_due_at <= now) & (Checkin.state == CheckinState.SENT)


class CheckinMoment(NamedTuple):
    """A check-in's moments, for the timeline."""

    id: int
    kind: CheckinKind
    sent_at: datetime | None
    nudged_at: datetime | None
    replied_at: datetime | None
    mood: int | None


@dataclass(frozen=True, slots=True)
class QueuedCheckin:
    """A queued check-in and the clocks its person's silence runs on."""

    checkin_id: int
    person_id: int
    nudge_after_s: int
    escalate_after_s: int
    silent_since: datetime | None
    usual_reply_s: int | None


class CheckinRepository:
    """The check-in aggregate's queries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, checkin_id: int) -> Checkin | None:
        return await self.session.get(Checkin, checkin_id)

    async def history(self, person_id: int) -> list[CheckinMoment]:
        """Every check-in of the person, oldest first (the timeline): only the columns the
        timeline reads, as plain rows (two years of daily check-ins are 730 of them, and
        the person page reads them on every view)."""
        query = (
            select(
                Checkin.id,
                Checkin.kind,
                Checkin.sent_at,
                Checkin.nudged_at,
                Checkin.replied_at,
                Checkin.mood,
            )
            .where(Checkin.person_id == person_id)
            .order_by(Checkin.id)
        )
        return [CheckinMoment(*row) for row in (await self.session.execute(query)).all()]

    async def count_for(self, person_id: int) -> int:
        query = select(func.count()).select_from(Checkin).where(Checkin.person_id == person_id)
        return int((await self.session.execute(query)).scalar_one())

    async def recent_moods(
        self, person_ids: Collection[int], *, limit: int
    ) -> dict[int, list[int]]:
        """Each person's last `limit` tapped moods, oldest first, in one query."""
        if not person_ids:
            return {}
        newest_first = (
            func.row_number()
            .over(partition_by=Checkin.person_id, order_by=Checkin.id.desc())
            .label("n")
        )
        ranked = (
            select(Checkin.person_id, Checkin.id, Checkin.mood, newest_first)
            .where(Checkin.person_id.in_(list(person_ids)), Checkin.mood.is_not(None))
            .subquery()
        )
        rows = await self.session.execute(
            select(ranked.c.person_id, ranked.c.mood)
            .where(ranked.c.n <= limit)
            .order_by(ranked.c.person_id, ranked.c.id)
        )
        found: dict[int, list[int]] = {}
        for person_id, mood in rows:
            found.setdefault(person_id, []).append(mood)
        return found

    async def recent_replies(self, person_id: int, *, limit: int) -> list[tuple[datetime, int]]:
        """The person's last `limit` mood taps with when they came, newest first."""
        rows = await self.session.execute(
            select(Checkin.replied_at, Checkin.mood)
            .where(Checkin.person_id == person_id, Checkin.mood.is_not(None))
            .order_by(Checkin.id.desc())
            .limit(limit)
        )
        return [(at, mood) for at, mood in rows if at is not None and mood is not None]

    async def last_mood_since(self, person_id: int, since: datetime) -> int | None:
        """The mood the person tapped most recently after `since`, if any."""
        query = (
            select(Checkin.mood)
            .where(
                Checkin.person_id == person_id,
                Checkin.mood.is_not(None),
                Checkin.replied_at >= since,
            )
            .order_by(Checkin.replied_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar()

    async def replies_since(
        self, person_id: int, since: datetime
    ) -> list[tuple[datetime, int | None]]:
        """When the person answered check-ins since `since`, with the mood if one was tapped."""
        rows = await self.session.execute(
            select(Checkin.replied_at, Checkin.mood).where(
                Checkin.person_id == person_id,
                Checkin.replied_at.is_not(None),
                Checkin.replied_at >= since,
            )
        )
        return [(at, mood) for at, mood in rows if at is not None]

    async def reply_delays(self, person_id: int, limit: int) -> list[timedelta]:
        """How long the person took to answer, for their `limit` most recent replies,
        newest first. One reply answers every check-in still waiting; only the newest of
        them (the shortest wait) counts, or a week away would read as a slow rhythm."""
        rows = await self.session.execute(
            select(Checkin.replied_at, Checkin.sent_at)
            .where(
                Checkin.person_id == person_id,
                Checkin.replied_at.is_not(None),
                Checkin.sent_at.is_not(None),
            )
            .order_by(Checkin.replied_at.desc(), Checkin.sent_at.desc())
            .limit(4 * limit)
        )
        shortest: dict[datetime, timedelta] = {}
        for replied, sent in rows:
            if replied is not None and sent is not None and replied not in shortest:
                shortest[replied] = replied - sent
        return list(shortest.values())[:limit]

    async def nudges_due(
        self, now: datetime, *, limit: int, skip_locked: bool
    ) -> list[tuple[Checkin, Person]]:
        """Sent, unanswered check-ins whose one nudge is due, earliest first, with the
        person (the check-ins locked, skipping others' locks, on PostgreSQL: two instances
        never nudge twice)."""
        query = (
            select(Checkin, Person)
            .join(Person, Person.id == Checkin.person_id)
            .where(nudge_due(now))
            .order_by(Checkin.nudge_due_at)
            .limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True, of=Checkin)
        return [(checkin, person) for checkin, person in await self.session.execute(query)]

    async def awaiting_reply(self, person_id: int) -> list[Checkin]:
        """The person's sent check-ins not answered yet, newest first."""
        rows = await self.session.execute(
            select(Checkin)
            .where(Checkin.person_id == person_id, Checkin.state == CheckinState.SENT)
            .order_by(Checkin.id.desc())
        )
        return list(rows.scalars())

    async def sent_and_replied(self, since: datetime) -> tuple[int, int]:
        """Check-ins sent since `since`, and how many of them were answered."""
        sent = Checkin.sent_at.is_not(None) & (Checkin.sent_at >= since)
        query = select(
            func.count().filter(sent), func.count().filter(sent & Checkin.replied_at.is_not(None))
        ).select_from(Checkin)
        total, replied = (await self.session.execute(query)).one()
        return int(total or 0), int(replied or 0)

    async def insert_rows(self, rows: list[dict[str, Any]]) -> dict[int, int]:
        """Insert check-ins (at most one per person) in one statement; their ids by person.

        Matched back by person rather than by parameter order: ordered RETURNING makes
        SQLAlchemy insert one row per statement on SQLite."""
        inserted = await self.session.execute(
            insert(_CHECKINS).returning(_CHECKINS.c.person_id, _CHECKINS.c.id), rows
        )
        return {person_id: checkin_id for person_id, checkin_id in inserted}

    async def queued_among(self, checkin_ids: Collection[int]) -> list[QueuedCheckin]:
        """The check-ins among `checkin_ids` still queued, with their person's clocks."""
        rows = await self.session.execute(
            select(
                Checkin.id,
                Person.id,
                Person.nudge_after_s,
                Person.escalate_after_s,
                Person.silent_since,
                Person.usual_reply_s,
            )
            .join(Person, Person.id == Checkin.person_id)
            .where(Checkin.id.in_(list(checkin_ids)), Checkin.state == CheckinState.QUEUED)
        )
        return [QueuedCheckin(*row) for row in rows]

    async def newest_ids(self, person_ids: Collection[int]) -> set[int]:
        """Each person's newest check-in id."""
        rows = await self.session.execute(
            select(func.max(Checkin.id))
            .where(Checkin.person_id.in_(list(person_ids)))
            .group_by(Checkin.person_id)
        )
        return set(rows.scalars())

    async def cancel_nudges(
        self, person_ids: Collection[int], *, keep: Collection[int] = ()
    ) -> None:
        """No pending nudge for these people's check-ins, except those in `keep`."""
        query = update(Checkin).where(
            Checkin.person_id.in_(list(person_ids)), Checkin.nudge_due_at.is_not(None)
        )
        if keep:
            query = query.where(Checkin.id.not_in(list(keep)))
        await self.session.execute(query.values(nudge_due_at=None))

    async def update_rows(self, rows: list[dict[str, Any]]) -> None:
        """One UPDATE per dict (matched on `id`) as a single executemany."""
        await update_rows(self.session, Checkin, rows)
