"""Outbox aggregate: every message the bot sends is first a row here.

State changes and the messages they cause are written in one transaction; the delivery
loop sends outside any transaction. Claiming stamps a lease (owner, until) before network
I/O, so a crashed sender's rows become claimable again and two senders never share a row.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, Select, String, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, SafeText, UTCDateTime, str_enum, table_of

__all__ = [
    "PRIORITY_BULK",
    "PRIORITY_REPLY",
    "PRIORITY_URGENT",
    "URGENT_BELOW",
    "ClaimedMessage",
    "OutboxKind",
    "OutboxMessage",
    "OutboxRepository",
    "OutboxState",
    "Purpose",
    "new_edit",
    "new_message",
    "new_photo",
]


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxKind(StrEnum):
    SEND_MESSAGE = "send_message"
    EDIT_TEXT = "edit_text"
    EDIT_MARKUP = "edit_markup"
    # A picture with a caption: the payload carries the PNG (base64) and the caption, so
    # the row stays the whole message, durable and retried like any other.
    SEND_PHOTO = "send_photo"


class Purpose(StrEnum):
    """Why a message exists; the delivery loop reports back to its owner by purpose."""

    REPLY = "reply"
    CRISIS = "crisis"
    CHECKIN = "checkin"
    NUDGE = "nudge"
    NOTIFY = "notify"
    RELAY = "relay"


# Lower sorts first: a crisis card must never wait behind a morning's check-ins.
PRIORITY_URGENT = 0
PRIORITY_REPLY = 10
PRIORITY_BULK = 50
# Rows more urgent than this (crisis cards, P1 notifications) go first after a fault.
URGENT_BELOW = PRIORITY_REPLY

# How long a claimed row stays with its sender before another may take it over.
LEASE = timedelta(minutes=2)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_claim", "state", "priority", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[OutboxKind] = mapped_column(str_enum(OutboxKind))
    payload: Mapped[str] = mapped_column(SafeText)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose))
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_REPLY)
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, 10), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)

    def params(self) -> dict[str, Any]:
        value = json.loads(self.payload)
        assert isinstance(value, dict)
        return value


@dataclass(slots=True)
class ClaimedMessage:
    """A leased outbox row, as plain data: the hot path sends thousands a minute, and ORM
    identity tracking for each would cost more than the send."""

    id: int
    chat_id: int
    kind: OutboxKind
    payload: str
    purpose: Purpose
    ref_id: int | None
    person_id: int | None
    priority: int
    attempts: int
    state: OutboxState
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime

    def params(self) -> dict[str, Any]:
        value = json.loads(self.payload)
        assert isinstance(value, dict)
        return value


_CLAIMED_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.chat_id,
    OutboxMessage.kind,
    OutboxMessage.payload,
    OutboxMessage.purpose,
    OutboxMessage.ref_id,
    OutboxMessage.person_id,
    OutboxMessage.priority,
    OutboxMessage.attempts,
    OutboxMessage.state,
    OutboxMessage.lease_owner,
    OutboxMessage.lease_until,
    OutboxMessage.created_at,
)


def _pending(
    chat_id: int,
    kind: OutboxKind,
    payload: dict[str, Any],
    now: datetime,
    *,
    purpose: Purpose,
    person_id: int | None,
    ref_id: int | None = None,
    priority: int = PRIORITY_REPLY,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """A row waiting to be sent, its payload the Bot API call's parameters as JSON."""
    return OutboxMessage(
        chat_id=chat_id,
        kind=kind,
        payload=json.dumps(payload, ensure_ascii=False),
        purpose=purpose,
        ref_id=ref_id,
        person_id=person_id,
        priority=priority,
        state=OutboxState.PENDING,
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )


def new_message(
    *,
    chat_id: int,
    text: str,
    now: datetime,
    purpose: Purpose = Purpose.REPLY,
    reply_markup: dict[str, Any] | None = None,
    person_id: int | None = None,
    ref_id: int | None = None,
    priority: int = PRIORITY_REPLY,
    not_before: datetime | None = None,
) -> OutboxMessage:
    payload: dict[str, Any] = {"text": text}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    return _pending(
        chat_id,
        OutboxKind.SEND_MESSAGE,
        payload,
        now,
        purpose=purpose,
        person_id=person_id,
        ref_id=ref_id,
        priority=priority,
        not_before=not_before,
    )


def new_edit(
    *,
    chat_id: int,
    message_id: int,
    now: datetime,
    text: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    purpose: Purpose = Purpose.REPLY,
    person_id: int | None = None,
) -> OutboxMessage:
    payload: dict[str, Any] = {"message_id": message_id}
    if text is not None:
        payload["text"] = text
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    kind = OutboxKind.EDIT_TEXT if text is not None else OutboxKind.EDIT_MARKUP
    return _pending(chat_id, kind, payload, now, purpose=purpose, person_id=person_id)


def new_photo(
    *,
    chat_id: int,
    png: bytes,
    caption: str,
    now: datetime,
    purpose: Purpose = Purpose.REPLY,
    person_id: int | None = None,
) -> OutboxMessage:
    payload = {"photo_png": base64.b64encode(png).decode("ascii"), "caption": caption}
    return _pending(
        chat_id, OutboxKind.SEND_PHOTO, payload, now, purpose=purpose, person_id=person_id
    )


def _claim_lookups(
    owner: str, now: datetime, limit: int, below_priority: int | None
) -> tuple[Select[int], Select[int]]:
    """The ids `claim` takes, most urgent first: another sender's expired leases (it crashed
    or hung), then pending rows now due. Our own leases are ours to finish while we run:
    results can trail their sends, and re-sending a row whose result is still being written
    would deliver it twice."""
    expired = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == OutboxState.SENDING,
            OutboxMessage.lease_until < now,
            OutboxMessage.lease_owner != owner,
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
    )
    pending = (
        select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
    )
    if below_priority is not None:
        expired = expired.where(OutboxMessage.priority < below_priority)
        pending = pending.where(OutboxMessage.priority < below_priority)
    return expired, pending


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> OutboxMessage:
        self.session.add(message)
        return message

    async def claim(
        self,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        postgres: bool,
        below_priority: int | None = None,
    ) -> list[ClaimedMessage]:
        """Lease up to `limit` due rows: expired leases first (a crashed sender's), then
        pending rows by priority and age. Both lookups walk `ix_outbox_claim` in order, so
        a claim costs the same with ten or a hundred thousand rows waiting.

        `below_priority` limits the claim to more urgent rows (replies, crisis cards), which
        a sender takes even while its queue is full of a morning's check-ins."""
        expired, pending = _claim_lookups(owner, now, limit, below_priority)
        if postgres:
            expired = expired.with_for_update(skip_locked=True)
            pending = pending.with_for_update(skip_locked=True)
        ids = list((await self.session.execute(expired)).scalars())
        if len(ids) < limit:
            ids += (await self.session.execute(pending.limit(limit - len(ids)))).scalars()
        if not ids:
            return []
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(state=OutboxState.SENDING, lease_owner=owner, lease_until=now + lease)
            .returning(*_CLAIMED_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        claimed = [ClaimedMessage(**row._asdict()) for row in result]
        return sorted(claimed, key=lambda row: (row.priority, row.id))

    async def claimable(
        self, *, owner: str, now: datetime, below_priority: int | None = None
    ) -> bool:
        """Whether `claim` would find a row now: the same two lookups, one row each, read
        without a lock (SQLite's deliverer asks before it takes the write lock for nothing)."""
        expired, pending = _claim_lookups(owner, now, 1, below_priority)
        for lookup in (expired, pending):
            if (await self.session.execute(lookup)).first() is not None:
                return True
        return False

    async def release_owned(self, owner: str) -> int:
        """Hand back the rows `owner` had leased (its previous run crashed): they are due
        again at once. Only for an owner name no other running process uses."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_owner == owner)
            .values(state=OutboxState.PENDING, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def urgent_retrying(self) -> bool:
        """Whether an urgent row failed and is to be tried again: waiting (due or not) or
        being tried. Uses `ix_outbox_claim`'s (state, priority) prefix: a handful of rows."""
        query = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
                OutboxMessage.priority < URGENT_BELOW,
                OutboxMessage.attempts > 0,
            )
            .limit(1)
        )
        return (await self.session.execute(query)).first() is not None

    async def make_due(self, ids: Collection[int], now: datetime) -> int:
        """Rows among `ids` still waiting for a retry become due now; returns how many."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(ids)),
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.not_before > now,
            )
            .values(not_before=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def pending_count(self) -> int:
        from sqlalchemy import func

        query = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
        )
        return int((await self.session.execute(query)).scalar_one())

    async def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """Insert many messages as one Core executemany (a morning's check-ins)."""
        await self.session.execute(insert(table_of(OutboxMessage)), rows)

    async def delete_finished_before(self, cutoff: datetime) -> int:
        """Sent or failed messages created before `cutoff` (they hold text and names)."""
        result = await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.state.in_([OutboxState.SENT, OutboxState.FAILED]),
                OutboxMessage.created_at < cutoff,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
