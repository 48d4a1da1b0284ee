"""Inbound aggregate: raw updates as received, and what people wrote.

Polling and PTB's webhook confirm an update before any handler has run, so every update
is written here first (keyed by Telegram's `update_id`) and processed from here. A crash
loses nothing, and a redelivered update is recognised and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from signals import Severity
from storage.base import Base, SafeText, UTCDateTime, str_enum


class InboundUpdate(Base):
    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str | None] = mapped_column(SafeText, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # Set when handling failed: the class name of the last error (never message text).
    error: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Failed attempts so far; after `intake.max_attempts` the update is set aside.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set aside: handling failed for good; the raw update is kept so an operator can retry it,
    # and later updates flow past it.
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MessageKind(StrEnum):
    TEXT = "text"
    STICKER = "sticker"
    PHOTO = "photo"
    VOICE = "voice"
    BUTTON = "button"
    OTHER = "other"


class PersonMessage(Base):
    """A sign of life from a person. Text stays in the database only, never in logs."""

    __tablename__ = "person_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only for a stranger's crisis message, kept for the coordinators who answer it.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True, nullable=True
    )
    stranger_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, 10))
    text: Mapped[str | None] = mapped_column(SafeText, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    severity: Mapped[Severity | None] = mapped_column(str_enum(Severity, 10), nullable=True)
    rules: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Written outside a check-in: the assigned worker should read it. Unread until then.
    outside_checkin: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _dump(update: dict[str, Any]) -> str:
    """The update as JSON that any database stores and that reads back as received.

    JSON escapes NUL by itself; a lone surrogate (from a broken client) is kept as a
    `\\uXXXX` escape too, instead of being replaced on storage, so the handler and the
    classifier see the update as it came.
    """
    text = json.dumps(update, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(update)
    return text


def update_kind(payload: str | None) -> str:
    """What kind of update a stored payload is (`message`, `callback_query`...), for
    operators; never its content."""
    if payload is None:
        return "-"
    try:
        value = json.loads(payload)
    except ValueError:
        return "unreadable"
    if not isinstance(value, dict):
        return "unreadable"
    kinds = sorted(k for k in value if k != "update_id")
    return kinds[0][:40] if kinds else "empty"


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, updates: list[dict[str, Any]], *, now: datetime, postgres: bool) -> int:
        """Store raw updates; an `update_id` seen before is ignored. Returns rows inserted."""
        if not updates:
            return 0
        rows = [
            {
                "update_id": int(u["update_id"]),
                "received_at": now,
                "payload": _dump(u),
                "processed_at": None,
            }
            for u in updates
        ]
        insert = pg_insert if postgres else sqlite_insert
        stmt = (
            insert(InboundUpdate).values(rows).on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def unprocessed(self, *, limit: int) -> list[InboundUpdate]:
        query = (
            select(InboundUpdate)
            .where(InboundUpdate.processed_at.is_(None))
            .order_by(InboundUpdate.update_id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def claim(self, update_id: int, *, now: datetime, error: str | None = None) -> bool:
        """Mark an update processed; False if someone already did (then do nothing else).

        Handlers call this inside the transaction that writes the update's effects, so
        the effects and the mark commit together: exactly-once in effect.
        """
        result = await self.session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id, InboundUpdate.processed_at.is_(None))
            .values(processed_at=now, **({"error": error} if error else {"payload": None}))
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def set_aside_after_error(self, update_id: int, *, now: datetime, error: str) -> bool:
        """A handler failed (the error handler apologised): keep the update for an operator.

        False if it was processed already, as `claim`.
        """
        result = await self.session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id, InboundUpdate.processed_at.is_(None))
            .values(
                processed_at=now,
                set_aside_at=now,
                error=error[:100],
                attempts=InboundUpdate.attempts + 1,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def record_failure(
        self, update_id: int, *, now: datetime, error: str, max_attempts: int
    ) -> int | None:
        """Count one failed attempt at an update no handler could take; returns the attempts
        so far, or None if it is already processed. At `max_attempts` it is set aside."""
        row = await self.session.get(InboundUpdate, update_id, with_for_update=True)
        if row is None or row.processed_at is not None:
            return None
        row.attempts += 1
        row.error = error[:100]
        if row.attempts >= max_attempts:
            row.processed_at = now
            row.set_aside_at = now
        return row.attempts

    async def set_aside(self, *, limit: int = 1000) -> list[InboundUpdate]:
        """Updates set aside after failing, oldest first."""
        query = (
            select(InboundUpdate)
            .where(InboundUpdate.set_aside_at.is_not(None))
            .order_by(InboundUpdate.update_id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def retry(self, update_id: int) -> bool:
        """Offer a set-aside update to the processor again, with a fresh count of attempts."""
        result = await self.session.execute(
            update(InboundUpdate)
            .where(
                InboundUpdate.update_id == update_id,
                InboundUpdate.set_aside_at.is_not(None),
                InboundUpdate.payload.is_not(None),
            )
            .values(processed_at=None, set_aside_at=None, attempts=0, error=None)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def delete_handled_before(self, cutoff: datetime) -> int:
        """Updates handled before `cutoff` without error (kept only while Telegram may
        redeliver them)."""
        result = await self.session.execute(
            delete(InboundUpdate).where(
                InboundUpdate.processed_at < cutoff, InboundUpdate.error.is_(None)
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def erase_payloads_set_aside_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.set_aside_at < cutoff, InboundUpdate.payload.is_not(None))
            .values(payload=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class PersonMessageRepository:
    """What people wrote: the worker's unread messages (those written outside a check-in)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _unread() -> ColumnElement[bool]:
        return PersonMessage.outside_checkin.is_(True) & PersonMessage.read_at.is_(None)

    async def unread_counts(self, person_ids: Collection[int]) -> dict[int, int]:
        """Unread messages per person, for the given people (absent: none unread)."""
        if not person_ids:
            return {}
        rows = await self.session.execute(
            select(PersonMessage.person_id, func.count())
            .where(PersonMessage.person_id.in_(list(person_ids)), self._unread())
            .group_by(PersonMessage.person_id)
        )
        return {int(pid): int(count) for pid, count in rows.all() if pid is not None}

    async def mark_read(self, person_id: int, *, now: datetime) -> int:
        """Mark every unread message of the person read; returns how many were unread."""
        result = await self.session.execute(
            update(PersonMessage)
            .where(PersonMessage.person_id == person_id, self._unread())
            .values(read_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def recent(self, person_id: int, *, limit: int) -> list[PersonMessage]:
        """The person's last `limit` messages, newest first."""
        rows = await self.session.execute(
            select(PersonMessage)
            .where(PersonMessage.person_id == person_id)
            .order_by(PersonMessage.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    async def recent_texts(self, person_id: int, since: datetime, *, limit: int) -> list[str]:
        """What the person wrote since `since`, at most `limit` messages, oldest first."""
        rows = await self.session.execute(
            select(PersonMessage.text)
            .where(
                PersonMessage.person_id == person_id,
                PersonMessage.received_at >= since,
                PersonMessage.text.is_not(None),
            )
            .order_by(PersonMessage.id.desc())
            .limit(limit)
        )
        return [text for text in reversed(list(rows.scalars())) if text]

    async def history(self, person_id: int) -> list[tuple[int, MessageKind, datetime, bool]]:
        """(id, kind, received_at, outside_checkin) of each of the person's messages, oldest
        first: never their text (the timeline)."""
        query = (
            select(
                PersonMessage.id,
                PersonMessage.kind,
                PersonMessage.received_at,
                PersonMessage.outside_checkin,
            )
            .where(PersonMessage.person_id == person_id)
            .order_by(PersonMessage.id)
        )
        return [
            (mid, MessageKind(kind), at, bool(outside))
            for mid, kind, at, outside in (await self.session.execute(query)).all()
        ]

    async def count_for(self, person_id: int) -> int:
        query = select(func.count()).select_from(PersonMessage)
        query = query.where(PersonMessage.person_id == person_id)
        return int((await self.session.execute(query)).scalar_one())

    async def erase_text_before(self, cutoff: datetime) -> int:
        """Erase the words of messages received before `cutoff`; the rows (and counts) stay."""
        result = await self.session.execute(
            update(PersonMessage)
            .where(PersonMessage.received_at < cutoff, PersonMessage.text.is_not(None))
            .values(text=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
