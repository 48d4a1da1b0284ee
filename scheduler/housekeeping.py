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

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import MarkerRepository
from storage.inbound import InboundRepository, PersonMessageRepository
from storage.outbox import OutboxRepository
from usecases.services import Services

log = logging.getLogger(__name__)

OUTBOX_RETENTION = timedelta(days=14)
UPDATE_RETENTION = timedelta(days=3)
EVERY = timedelta(hours=1)
MARKER = "housekeeping"


async def housekeeping_step(svc: Services, now: datetime) -> bool:
    """At most once an hour (a marker row, so every instance and restart agrees)."""
    async with svc.db.transaction() as session:
        if not await MarkerRepository(session).take(MARKER, now, every=EVERY):
            return False
        removed = await OutboxRepository(session).delete_finished_before(now - OUTBOX_RETENTION)
        removed += await InboundRepository(session).delete_handled_before(now - UPDATE_RETENTION)
        redacted = await redact_old_text(session, now - svc.settings.retention.message_text)
    if removed or redacted:
        log.info("housekeeping removed %s old rows, erased %s old texts", removed, redacted)
    return False  # never a reason to wake delivery


async def redact_old_text(session: AsyncSession, cutoff: datetime) -> int:
    """Erase the text of messages received before `cutoff`, and the payloads of updates set
    aside before it; returns how many of each were erased, together."""
    texts = await PersonMessageRepository(session).erase_text_before(cutoff)
    return texts + await InboundRepository(session).erase_payloads_set_aside_before(cutoff)
