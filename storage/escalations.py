"""Escalation aggregate: the workers' queue, its notes and the notifications sent for it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.escalation import EscalationReason, EscalationState, Outcome, Priority
from storage.base import Base, SafeText, UTCDateTime, str_enum

if TYPE_CHECKING:
    from storage.people import Person


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
    level: Mapped[int] = mapped_column(Integer, default=0)
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


def subject_name(escalation: Escalation, person: Person | None) -> str:
    """The name staff see for an episode's subject (a stranger's Telegram first name)."""
    if person is not None:
        return person.display_name or "-"
    return escalation.stranger_name or "-"


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
    level: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
