"""Scheduled check-ins: claimed people become check-in rows and outbox messages.

A check-in missed by more than `checkin.stale_after` (downtime) is recorded as skipped
instead of sent late at night. Plain rows and Core inserts, not ORM objects: a morning's
dispatch writes two rows per person for everyone at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from domain.schedule import is_stale
from storage.checkins import CheckinKind, CheckinRepository, CheckinState
from storage.outbox import PRIORITY_BULK, OutboxKind, OutboxRepository, OutboxState, Purpose
from storage.people import PersonRepository
from usecases.checkins import checkin_payload, checkin_text, supersede_nudges
from usecases.planning import next_checkin_for
from usecases.services import Services

__all__ = ["Dispatched", "queue_scheduled"]


@dataclass(frozen=True, slots=True)
class Dispatched:
    queued: int
    skipped: int


def _checkin_row(
    person: Row[*tuple[Any, ...]], now: datetime, stale_after: timedelta
) -> dict[str, Any]:
    due = person.next_checkin_at
    assert due is not None
    stale = is_stale(due, now, stale_after)
    return {
        "person_id": person.id,
        "kind": CheckinKind.SCHEDULED,
        "state": CheckinState.SKIPPED if stale else CheckinState.QUEUED,
        "due_at": due,
        "created_at": now,
    }


def _outbox_row(
    svc: Services, person: Row[*tuple[Any, ...]], checkin_id: int, now: datetime
) -> dict[str, Any]:
    text = checkin_text(
        svc, person.language, person.timezone, CheckinKind.SCHEDULED, checkin_id, now
    )
    return {
        "chat_id": person.chat_id,
        "kind": OutboxKind.SEND_MESSAGE,
        "payload": checkin_payload(svc, person.language, text, checkin_id),
        "purpose": Purpose.CHECKIN,
        "ref_id": checkin_id,
        "person_id": person.id,
        "priority": PRIORITY_BULK,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


async def queue_scheduled(
    svc: Services, session: AsyncSession, people: Sequence[Row[*tuple[Any, ...]]], now: datetime
) -> Dispatched:
    """Each claimed person's due check-in, queued (or skipped as stale), and their next one
    planned; rows as `PersonRepository.claim_due` returns them."""
    settings = svc.settings
    checkin_rows = [_checkin_row(p, now, settings.checkin.stale_after) for p in people]
    id_of = await CheckinRepository(session).insert_rows(checkin_rows)
    outbox_rows = []
    queued_people: list[int] = []
    person_updates = []
    for person, row in zip(people, checkin_rows, strict=True):
        queued = row["state"] is CheckinState.QUEUED
        if queued:
            queued_people.append(person.id)
            outbox_rows.append(_outbox_row(svc, person, id_of[person.id], now))
        due = person.next_checkin_at
        last = due if queued else person.last_checkin_at
        following = next_checkin_for(person, settings, max(now, due), last_checkin=last)
        person_updates.append(
            {"id": person.id, "next_checkin_at": following, "last_checkin_at": last}
        )
    if outbox_rows:
        await OutboxRepository(session).insert_rows(outbox_rows)
        await supersede_nudges(session, queued_people)
    await PersonRepository(session).update_rows(person_updates)
    return Dispatched(len(outbox_rows), len(people) - len(outbox_rows))
