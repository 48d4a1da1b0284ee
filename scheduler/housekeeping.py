"""Housekeeping: keep only what the product needs.

Sent outbox rows hold message text (and, for staff notifications, names); they are needed
only briefly for delivery bookkeeping and edits, so they go after `OUTBOX_RETENTION`.
Handled inbound updates are kept (without payload) only as long as Telegram may redeliver
them (24 h), with a margin. What people wrote is kept as text for `retention.message_text`
(default a year): then the text is erased and the row stays, so counts (messages, kinds,
severities over time) remain; a set-aside update's stored payload goes after the same time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import Marker
from storage.inbound import InboundUpdate, PersonMessage
from storage.outbox import OutboxMessage, OutboxState
from usecases.services import Services

log = logging.getLogger(__name__)

OUTBOX_RETENTION = timedelta(days=14)
UPDATE_RETENTION = timedelta(days=3)
EVERY = timedelta(hours=1)
MARKER = "housekeeping"


async def housekeeping_step(svc: Services, now: datetime) -> bool:
    """At most once an hour (a marker row, so every instance and restart agrees)."""
    async with svc.db.transaction() as session:
        marker = await session.get(Marker, MARKER)
        if marker is not None and marker.at > now - EVERY:
            return False
        if marker is None:
            session.add(Marker(key=MARKER, at=now))
        else:
            marker.at = now
        outbox = await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.state.in_([OutboxState.SENT, OutboxState.FAILED]),
                OutboxMessage.created_at < now - OUTBOX_RETENTION,
            )
        )
        updates = await session.execute(
            delete(InboundUpdate).where(
                InboundUpdate.processed_at < now - UPDATE_RETENTION,
                InboundUpdate.error.is_(None),
            )
        )
        redacted = await redact_old_text(session, now - svc.settings.retention.message_text)
    removed = int(outbox.rowcount or 0) + int(updates.rowcount or 0)  # type: ignore[attr-defined]
    if removed or redacted:
        log.info("housekeeping removed %s old rows, erased %s old texts", removed, redacted)
    return False  # never a reason to wake delivery


async def redact_old_text(session: AsyncSession, cutoff: datetime) -> int:
    """Erase the text of messages received before `cutoff`, and the payloads of updates set
    aside before it; returns how many of each were erased, together."""
    texts = await session.execute(
        update(PersonMessage)
        .where(PersonMessage.received_at < cutoff, PersonMessage.text.is_not(None))
        .values(text=None)
    )
    payloads = await session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.set_aside_at < cutoff, InboundUpdate.payload.is_not(None))
        .values(payload=None)
    )
    return int(texts.rowcount or 0) + int(payloads.rowcount or 0)  # type: ignore[attr-defined]
