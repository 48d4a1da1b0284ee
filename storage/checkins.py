"""Check-in aggregate: each scheduled (or staff-requested) check-in and what came of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, str_enum


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
