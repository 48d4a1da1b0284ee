"""Dispatch: turn due check-ins into outbox rows, a batch at a time.

Each person's next check-in instant is stored and indexed; one periodic step claims due
people (`FOR UPDATE SKIP LOCKED` on PostgreSQL so several instances share the work; the
single SQLite writer gives the same exclusion), writes the check-in and its message in one
transaction, and advances the schedule. A check-in missed by more than
`checkin.stale_after` (downtime) is recorded as skipped instead of sent late at night.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, select

from domain.people import PersonStatus
from domain.schedule import is_stale
from storage.base import table_of, update_rows
from storage.checkins import Checkin, CheckinKind, CheckinState
from storage.outbox import PRIORITY_BULK, OutboxKind, OutboxMessage, OutboxState, Purpose
from storage.people import Person
from usecases.checkins import checkin_payload, checkin_text, supersede_nudges
from usecases.planning import SCHEDULE_COLUMNS, next_checkin_for
from usecases.services import Services

log = logging.getLogger(__name__)

BATCH = 500
# Core tables: a morning's dispatch inserts two rows per person, and the ORM's bulk path
# costs several times more Python per row.
CHECKINS = table_of(Checkin)
OUTBOX = table_of(OutboxMessage)


async def dispatch_due(svc: Services, now: datetime, *, batch: int = BATCH) -> bool:
    """Claim up to `batch` due people and queue their check-ins; True if any were due."""
    settings = svc.settings
    async with svc.db.transaction() as session:
        # Plain rows, not ORM objects: a morning's dispatch reads everyone due at once.
        query = (
            select(*SCHEDULE_COLUMNS, Person.chat_id, Person.language, Person.next_checkin_at)
            .where(Person.status == PersonStatus.ACTIVE, Person.next_checkin_at <= now)
            .order_by(Person.next_checkin_at)
            .limit(batch)
        )
        if svc.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        people = list((await session.execute(query)).all())
        if not people:
            return False
        checkin_rows = []
        for person in people:
            due = person.next_checkin_at
            assert due is not None
            stale = is_stale(due, now, settings.checkin.stale_after)
            checkin_rows.append(
                {
                    "person_id": person.id,
                    "kind": CheckinKind.SCHEDULED,
                    "state": CheckinState.SKIPPED if stale else CheckinState.QUEUED,
                    "due_at": due,
                    "created_at": now,
                }
            )
        # Matched back by person (one check-in each per batch) rather than by parameter
        # order: ordered RETURNING makes SQLAlchemy insert one row per statement on SQLite.
        inserted = await session.execute(
            insert(CHECKINS).returning(CHECKINS.c.person_id, CHECKINS.c.id), checkin_rows
        )
        id_of: dict[int, int] = {person_id: checkin_id for person_id, checkin_id in inserted}
        ids = [id_of[person.id] for person in people]
        outbox_rows = []
        queued_people: list[int] = []
        person_updates = []
        skipped = 0
        for person, checkin_id, row in zip(people, ids, checkin_rows, strict=True):
            due = person.next_checkin_at
            assert due is not None
            if row["state"] is CheckinState.SKIPPED:
                skipped += 1
            else:
                text = checkin_text(
                    svc, person.language, person.timezone, CheckinKind.SCHEDULED, checkin_id, now
                )
                queued_people.append(person.id)
                outbox_rows.append(
                    {
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
                )
            last = due if row["state"] is CheckinState.QUEUED else person.last_checkin_at
            following = next_checkin_for(person, settings, max(now, due), last_checkin=last)
            person_updates.append(
                {"id": person.id, "next_checkin_at": following, "last_checkin_at": last}
            )
        if outbox_rows:
            await session.execute(insert(OUTBOX), outbox_rows)
            await supersede_nudges(session, queued_people)
        await update_rows(session, Person, person_updates)
    if skipped:
        log.info("dispatch: %s check-ins skipped as stale after downtime", skipped)
    log.debug("dispatch: %s check-ins queued", len(outbox_rows))
    svc.wake_delivery()
    return True


async def dispatch_all_due(svc: Services, now: datetime, *, batch: int = BATCH) -> int:
    """Run the step until nothing is due; returns the number of batches."""
    batches = 0
    while await dispatch_due(svc, now, batch=batch):
        batches += 1
    return batches
