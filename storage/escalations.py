"""Escalation aggregate: the workers' queue, its notes and the notifications sent for it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.escalation import EscalationReason, EscalationState, Outcome, Priority, StepLevel
from storage.base import Base, SafeText, StepLevelType, UTCDateTime, str_enum
from storage.outbox import OutboxMessage, OutboxState
from storage.people import Person
from storage.staff import Staff

__all__ = [
    "Escalation",
    "EscalationNote",
    "EscalationNotification",
    "EscalationReasonEntry",
    "EscalationRepository",
    "episode_key",
    "episode_reasons",
    "is_active",
    "reasons_answered_by_reply",
    "subject_name",
    "subject_ref",
    "visible_to",
]


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_state_next_step", "state", "next_step_at"),
        Index("ix_escalations_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL for an episode about someone who is not enrolled (a stranger's crisis message):
    # then the stranger's Telegram id and first name say who it is about.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True
    )
    stranger_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    stranger_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The first reason; every reason (this one included) is a row of `escalation_reasons`.
    reason: Mapped[EscalationReason] = mapped_column(str_enum(EscalationReason))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    state: Mapped[EscalationState] = mapped_column(str_enum(EscalationState))
    # While open or acknowledged, the subject (`episode_key`); NULL once closed. The unique
    # index is what guarantees one active episode per person, even under races.
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[StepLevel] = mapped_column(StepLevelType, default=StepLevel.WORKER)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), nullable=True)
    trigger_update_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The worker who relayed a message to the person: while the escalation is active the
    # person's answers are passed back to them.
    relay_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)


def subject_name(escalation: Escalation, person: Person | None) -> str | None:
    """The name staff see for an episode's subject (a stranger's Telegram first name), or
    None when there is none (erased, or never given)."""
    if person is not None:
        return person.display_name
    return escalation.stranger_name


def subject_ref(escalation: Escalation) -> str:
    """The id staff use for the subject: the person's id, or "Telegram <id>" for a stranger."""
    if escalation.person_id is not None:
        return str(escalation.person_id)
    return f"Telegram {escalation.stranger_telegram_id}"


def episode_key(*, person_id: int | None = None, stranger_telegram_id: int | None = None) -> str:
    """The `open_key` of a person's (or a stranger's) active episode."""
    if person_id is not None:
        return f"p:{person_id}"
    if stranger_telegram_id is None:
        raise ValueError("an episode is about a person or a stranger")
    return f"s:{stranger_telegram_id}"


class EscalationReasonEntry(Base):
    """One reason that opened or joined an episode, in order: transitions as rows."""

    __tablename__ = "escalation_reasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[EscalationReason] = mapped_column(str_enum(EscalationReason))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    update_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Whether a reply from the person answers this reason (domain.escalation
    # .auto_resolves_on_reply), decided when it came: a `reconnect` raised by silence is, one
    # raised by "I stopped going" is not.
    answered_by_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


async def episode_reasons(
    session: AsyncSession, escalation_ids: Collection[int]
) -> dict[int, list[EscalationReason]]:
    """Each episode's reasons in the order they came, repeats folded (one query)."""
    if not escalation_ids:
        return {}
    rows = await session.execute(
        select(EscalationReasonEntry.escalation_id, EscalationReasonEntry.reason)
        .where(EscalationReasonEntry.escalation_id.in_(list(escalation_ids)))
        .order_by(EscalationReasonEntry.at, EscalationReasonEntry.id)
    )
    found: dict[int, list[EscalationReason]] = {}
    for escalation_id, reason in rows:
        listed = found.setdefault(escalation_id, [])
        if reason not in listed:
            listed.append(reason)
    return found


async def reasons_answered_by_reply(session: AsyncSession, escalation_id: int) -> list[bool]:
    """For each reason entry of an episode, whether a reply from the person answers it."""
    rows = await session.scalars(
        select(EscalationReasonEntry.answered_by_reply).where(
            EscalationReasonEntry.escalation_id == escalation_id
        )
    )
    return list(rows)


class EscalationNote(Base):
    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(SafeText)


class EscalationNotification(Base):
    """One notification to one staff chat; kept so it can be edited when someone acts."""

    __tablename__ = "escalation_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    level: Mapped[StepLevel] = mapped_column(StepLevelType)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def is_active() -> ColumnElement[bool]:
    """An episode is active while it holds its open key: open or acknowledged, not closed.
    The one definition of "active"; the unique index on `open_key` keeps one per subject."""
    return Escalation.open_key.is_not(None)


def visible_to(staff_id: int, *, everyone: bool) -> ColumnElement[bool]:
    """What a staff member sees: coordinators every episode (`everyone`); a worker those
    they hold and those of the people they support or back up. Needs `Person` joined."""
    if everyone:
        return true()
    return or_(
        Escalation.assignee_id == staff_id,
        Person.worker_id == staff_id,
        Person.backup_worker_id == staff_id,
    )


def step_due(now: datetime) -> ColumnElement[bool]:
    """An unacknowledged episode whose next ladder step has come."""
    return (Escalation.state == EscalationState.OPEN) & (Escalation.next_step_at <= now)


# Most urgent first: "P1" < "P2" < "P3" as stored, then oldest first.
_URGENT_FIRST = (Escalation.priority, Escalation.created_at, Escalation.id)


class EscalationRepository:
    """The escalation aggregate's queries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_by_key(self, key: str) -> Escalation | None:
        query = select(Escalation).where(Escalation.open_key == key)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def active_for_person(self, person_id: int) -> Escalation | None:
        return await self.active_by_key(episode_key(person_id=person_id))

    async def active_for_stranger(self, telegram_id: int) -> Escalation | None:
        return await self.active_by_key(episode_key(stranger_telegram_id=telegram_id))

    async def due_for_step_up(
        self, now: datetime, *, limit: int, skip_locked: bool
    ) -> list[Escalation]:
        """Open (unacknowledged) episodes whose next ladder step is due, earliest first."""
        query = (
            select(Escalation).where(step_due(now)).order_by(Escalation.next_step_at).limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars())

    async def active_counts(self) -> dict[Priority, int]:
        query = select(Escalation.priority, func.count()).where(is_active())
        rows = await self.session.execute(query.group_by(Escalation.priority))
        return {Priority(p): int(n) for p, n in rows}

    async def oldest_open_since(self, priority: Priority) -> datetime | None:
        """Since when the longest-waiting open (unacknowledged) episode of `priority` has
        had it: from its first reason of that priority, since an episode raised to P1 by a
        later reason has been urgent only since then; from its creation when it has no
        such reason row. None when no open episode has that priority."""
        first_reason = (
            select(
                EscalationReasonEntry.escalation_id.label("escalation_id"),
                func.min(EscalationReasonEntry.at).label("at"),
            )
            .where(EscalationReasonEntry.priority == priority)
            .group_by(EscalationReasonEntry.escalation_id)
            .subquery()
        )
        query = (
            select(func.min(func.coalesce(first_reason.c.at, Escalation.created_at)))
            .select_from(Escalation)
            .outerjoin(first_reason, first_reason.c.escalation_id == Escalation.id)
            .where(Escalation.state == EscalationState.OPEN, Escalation.priority == priority)
        )
        found: datetime | None = (await self.session.execute(query)).scalar()
        return found

    async def visible(
        self, staff_id: int, *, everyone: bool
    ) -> list[tuple[Escalation, Person | None, str | None]]:
        """Active episodes the staff member sees, most urgent first, with the person and
        the name of whoever holds each."""
        rows = await self.session.execute(
            select(Escalation, Person, Staff.name)
            .outerjoin(Person, Person.id == Escalation.person_id)
            .outerjoin(Staff, Staff.id == Escalation.acknowledged_by)
            .where(is_active(), visible_to(staff_id, everyone=everyone))
            .order_by(*_URGENT_FIRST)
        )
        return [(e, p, name) for e, p, name in rows]

    async def notes(self, escalation_id: int) -> list[tuple[EscalationNote, str | None]]:
        """An episode's notes in the order written, with the writer's name."""
        rows = await self.session.execute(
            select(EscalationNote, Staff.name)
            .outerjoin(Staff, Staff.id == EscalationNote.staff_id)
            .where(EscalationNote.escalation_id == escalation_id)
            .order_by(EscalationNote.id)
        )
        return [(n, name) for n, name in rows]

    async def notes_for_person(
        self, person_id: int, *, limit: int
    ) -> list[tuple[EscalationNote, str | None]]:
        """The latest notes on any of the person's episodes, newest first, with the writer."""
        rows = await self.session.execute(
            select(EscalationNote, Staff.name)
            .join(Escalation, Escalation.id == EscalationNote.escalation_id)
            .outerjoin(Staff, Staff.id == EscalationNote.staff_id)
            .where(Escalation.person_id == person_id)
            .order_by(EscalationNote.id.desc())
            .limit(limit)
        )
        return [(n, name) for n, name in rows]

    async def listing(
        self, *, include_closed: bool
    ) -> list[tuple[Escalation, int | None, int | None]]:
        """Episodes for the command line, with the person's and the holder's Telegram ids."""
        query = (
            select(Escalation, Person.telegram_id, Staff.telegram_id)
            .outerjoin(Person, Person.id == Escalation.person_id)
            .outerjoin(Staff, Staff.id == Escalation.acknowledged_by)
            .order_by(Escalation.id)
        )
        if not include_closed:
            query = query.where(is_active())
        return [(e, p, s) for e, p, s in (await self.session.execute(query))]

    async def told_names(self, escalation_id: int) -> list[str]:
        """Names of the staff notified about an episode, first told first, once each."""
        rows = await self.session.execute(
            select(Staff.name)
            .join(EscalationNotification, EscalationNotification.staff_id == Staff.id)
            .where(EscalationNotification.escalation_id == escalation_id)
            .order_by(EscalationNotification.id)
        )
        return list(dict.fromkeys(rows.scalars()))

    async def delivered_notifications(
        self, escalation_id: int
    ) -> list[tuple[EscalationNotification, Staff]]:
        """Notifications Telegram accepted (they have a message id, so they can be edited)."""
        rows = await self.session.execute(
            select(EscalationNotification, Staff)
            .join(Staff, Staff.id == EscalationNotification.staff_id)
            .where(
                EscalationNotification.escalation_id == escalation_id,
                EscalationNotification.message_id.is_not(None),
            )
        )
        return [(n, s) for n, s in rows]

    async def last_notified_at(self, escalation_id: int) -> datetime | None:
        query = select(func.max(EscalationNotification.at)).where(
            EscalationNotification.escalation_id == escalation_id
        )
        return (await self.session.execute(query)).scalar()

    async def relayers(self, key: str) -> list[Staff]:
        """Active staff who wrote to the person of the active episode `key` through the bot."""
        rows = await self.session.execute(
            select(Staff)
            .join(Escalation, Escalation.relay_staff_id == Staff.id)
            .where(Escalation.open_key == key, Staff.active.is_(True))
            .distinct()
        )
        return list(rows.scalars())

    async def for_person(self, person_id: int) -> list[Escalation]:
        """Every episode about the person, oldest first (the timeline)."""
        query = select(Escalation).where(Escalation.person_id == person_id).order_by(Escalation.id)
        return list((await self.session.execute(query)).scalars())

    async def get(self, escalation_id: int) -> Escalation | None:
        return await self.session.get(Escalation, escalation_id)

    async def hand_over_active(self, person_id: int, *, from_staff: int, to_staff: int) -> None:
        """Active episodes of the person held by `from_staff` go to `to_staff`."""
        await self.session.execute(
            update(Escalation)
            .where(
                Escalation.person_id == person_id,
                is_active(),
                Escalation.assignee_id == from_staff,
            )
            .values(assignee_id=to_staff)
        )

    async def signal_times(
        self, person_id: int, reasons: Collection[EscalationReason], since: datetime
    ) -> list[datetime]:
        """When the person's episodes took in one of `reasons` since `since` (a reason that
        joined an open episode counts too)."""
        rows = await self.session.execute(
            select(EscalationReasonEntry.at)
            .join(Escalation, Escalation.id == EscalationReasonEntry.escalation_id)
            .where(
                Escalation.person_id == person_id,
                EscalationReasonEntry.reason.in_(list(reasons)),
                EscalationReasonEntry.at >= since,
            )
        )
        return list(rows.scalars())

    async def acknowledgement_delays(self, since: datetime) -> list[float]:
        """Minutes from opening to acknowledgement, for episodes opened since `since`."""
        rows = await self.session.execute(
            select(Escalation.created_at, Escalation.acknowledged_at).where(
                Escalation.acknowledged_at.is_not(None), Escalation.created_at >= since
            )
        )
        return [(acked - opened).total_seconds() / 60 for opened, acked in rows if acked]

    async def handled_by(self, person_ids: Collection[int]) -> dict[int, dict[int, int]]:
        """For each person, how many of their episodes each staff member acknowledged or
        held (one count per episode per staff member)."""
        rows = await self.session.execute(
            select(Escalation.person_id, Escalation.acknowledged_by, Escalation.assignee_id).where(
                Escalation.person_id.in_(list(person_ids))
            )
        )
        counts: dict[int, dict[int, int]] = {}
        for person_id, acknowledged_by, assignee_id in rows:
            if person_id is None:
                continue
            mine = counts.setdefault(person_id, {})
            for staff_id in {acknowledged_by, assignee_id}:
                if staff_id is not None:
                    mine[staff_id] = mine.get(staff_id, 0) + 1
        return counts

    async def held_by(self, staff_id: int) -> list[Escalation]:
        """Active episodes `staff_id` holds."""
        rows = await self.session.execute(
            select(Escalation)
            .where(is_active(), Escalation.assignee_id == staff_id)
            .order_by(Escalation.id)
        )
        return list(rows.scalars())

    async def count_held_by(self, staff_id: int) -> int:
        query = select(func.count()).select_from(Escalation)
        query = query.where(is_active(), Escalation.assignee_id == staff_id)
        return int((await self.session.execute(query)).scalar_one())

    async def told_staff(self, escalation_id: int, *, except_outbox_id: int) -> set[int]:
        """Staff who hold a notification of the episode that was sent or may still be,
        leaving out the one in outbox row `except_outbox_id` (which just failed)."""
        live = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT)
        rows = await self.session.execute(
            select(EscalationNotification.staff_id)
            .outerjoin(OutboxMessage, OutboxMessage.id == EscalationNotification.outbox_id)
            .where(
                EscalationNotification.escalation_id == escalation_id,
                or_(
                    EscalationNotification.outbox_id.is_(None),
                    EscalationNotification.outbox_id != except_outbox_id,
                ),
                or_(
                    EscalationNotification.message_id.is_not(None),
                    OutboxMessage.state.in_(live),
                ),
            )
        )
        return set(rows.scalars())
