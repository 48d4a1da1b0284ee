"""Retention (issue 12, item 8): what people wrote is kept as text for
`retention.message_text` (default a year), then erased by housekeeping; the rows stay, so
counts remain. Set-aside updates lose their stored payload after the same time. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from infra.clock import ControllableClock
from scheduler.housekeeping import housekeeping_step
from storage.db import Database
from storage.inbound import InboundRepository, InboundUpdate, MessageKind, PersonMessage
from tests.scheduler.engine import add_person, add_staff, engine_services

YEAR = timedelta(days=365)


async def test_text_older_than_the_retention_period_is_erased_and_counts_remain(
    db: Database, clock: ControllableClock
) -> None:
    svc = engine_services(db, clock)
    assert svc.settings.retention.message_text == YEAR
    worker = await add_staff(svc)
    person_id = await add_person(svc, worker, 1001)
    now = clock.now()
    ages = {1: YEAR + timedelta(days=1), 2: YEAR - timedelta(days=1), 3: timedelta(0)}
    async with db.transaction() as session:
        for update_id, age in ages.items():
            session.add(
                PersonMessage(
                    person_id=person_id,
                    update_id=update_id,
                    kind=MessageKind.TEXT,
                    text=f"words {update_id}",
                    received_at=now - age,
                    severity="none",
                )
            )
        repo = InboundRepository(session)
        await repo.record(
            [{"update_id": 77, "message": {"text": "old words"}}],
            now=now - YEAR - timedelta(days=2),
            postgres=db.is_postgres,
        )
        await repo.set_aside_after_error(77, now=now - YEAR - timedelta(days=2), error="X")
        await repo.record(
            [{"update_id": 78, "message": {"text": "recent words"}}],
            now=now,
            postgres=db.is_postgres,
        )
        await repo.set_aside_after_error(78, now=now, error="X")

    assert await housekeeping_step(svc, now) is False

    async with db.sessions() as session:
        messages = (
            await session.execute(select(PersonMessage).order_by(PersonMessage.update_id))
        ).scalars()
        assert [(m.update_id, m.text, m.kind) for m in messages] == [
            (1, None, MessageKind.TEXT),  # erased; the row (and so the count) remains
            (2, "words 2", MessageKind.TEXT),
            (3, "words 3", MessageKind.TEXT),
        ]
        aside = (
            await session.execute(select(InboundUpdate).order_by(InboundUpdate.update_id))
        ).scalars()
        assert [(u.update_id, u.payload is None) for u in aside] == [(77, True), (78, False)]
        assert not await InboundRepository(session).retry(77), "nothing left to retry"
