"""Escalation aggregate: the workers' queue, its notes and the notifications sent for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.escalation import EscalationReason, EscalationState, Outcome, Priority
from storage.base import Base, SafeText, UTCDateTime, str_enum


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_state_next_step", "state", "next_step_at"),
        Index("ix_escalations_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[EscalationReason] = mapped_column(str_enum(EscalationReason))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    state: Mapped[EscalationState] = mapped_column(str_enum(EscalationState))
    # "person_id:reason" while open or acknowledged, NULL once closed: the unique index is
    # what guarantees one open escalation per person and reason, even under races.
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
