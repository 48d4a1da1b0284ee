"""Dispatch: due, active people get exactly one check-in per slot; the schedule advances;
check-ins missed during downtime are recorded as skipped, not sent late.

PRODUCT.md flow 2; ARCHITECTURE.md "Time-driven work". SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.mood import MOOD_KEYS
from domain.people import PersonStatus
from scheduler.dispatch import dispatch_all_due, dispatch_due
from storage.checkins import Checkin, CheckinKind, CheckinState
from storage.outbox import OutboxMessage, Purpose
from tests.conftest import START
from tests.scheduler import pg_shared
from tests.scheduler.engine import (
    add_person,
    add_staff,
    checkins,
    count,
    get_person,
    outbox,
)
from usecases.services import Services

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


# START is Monday 10:00 in Tokyo; the default schedule is daily at 10:00 (jitter off here).
TUESDAY_10 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


async def test_only_due_active_people_are_dispatched(engine: Services) -> None:
    now = engine.clock.now()
    worker = await add_staff(engine)
    due = await add_person(engine, worker, 1001, next_checkin_at=now - timedelta(minutes=1))
    later = await add_person(engine, worker, 1002, next_checkin_at=now + timedelta(hours=1))
    held = {
        status: await add_person(engine, worker, 1003 + i, status=status, next_checkin_at=now)
        for i, status in enumerate(
            (PersonStatus.PAUSED, PersonStatus.STOPPED, PersonStatus.UNREACHABLE)
        )
    }

    assert await dispatch_due(engine, now) is True

    [checkin] = await checkins(engine)
    assert checkin.person_id == due
    assert (checkin.kind, checkin.state) == (CheckinKind.SCHEDULED, CheckinState.QUEUED)
    assert checkin.due_at == now - timedelta(minutes=1)
    [message] = await outbox(engine)
    assert (message.chat_id, message.purpose, message.ref_id) == (1001, Purpose.CHECKIN, checkin.id)
    assert message.person_id == due
    # The keyboard contract: five moods best to worst, then "I'd like to talk".
    data = [
        button["callback_data"]
        for row in message.params()["reply_markup"]["inline_keyboard"]
        for button in row
    ]
    assert data == [f"mood:{checkin.id}:{key}" for key in MOOD_KEYS] + [f"talk:{checkin.id}"]
    assert MOOD_KEYS == ("great", "good", "okay", "low", "bad")
    assert all(len(d.encode()) <= 64 for d in data)
    assert message.params()["text"]

    person = await get_person(engine, due)
    assert person.next_checkin_at == TUESDAY_10, "the schedule moves to the next slot"
    assert person.last_checkin_at == now - timedelta(minutes=1)
    assert (await get_person(engine, later)).next_checkin_at == now + timedelta(hours=1)
    for person_id in held.values():
        assert (await get_person(engine, person_id)).next_checkin_at == now, "left alone"


async def test_nothing_due_means_nothing_written(engine: Services) -> None:
    worker = await add_staff(engine)
    await add_person(engine, worker, 1001, next_checkin_at=engine.clock.now() + timedelta(hours=1))
    assert await dispatch_due(engine, engine.clock.now()) is False
    assert await count(engine, Checkin) == 0
    assert await count(engine, OutboxMessage) == 0


async def test_dispatching_twice_at_the_same_now_creates_nothing_new(engine: Services) -> None:
    now = engine.clock.now()
    worker = await add_staff(engine)
    for telegram_id in range(1001, 1006):
        await add_person(engine, worker, telegram_id)

    assert await dispatch_all_due(engine, now) == 1
    assert await dispatch_all_due(engine, now) == 0
    assert await dispatch_due(engine, now) is False
    assert await count(engine, Checkin) == 5
    assert await count(engine, OutboxMessage) == 5


async def test_the_schedule_advances_one_check_in_per_slot(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001)
    expected = engine.clock.now()
    for day in range(4):
        person = await get_person(engine, person_id)
        assert person.next_checkin_at == expected
        # A tick a little after the slot, then several more within the same slot.
        for minutes in (0, 1, 30):
            engine.clock.set(expected + timedelta(minutes=minutes))  # type: ignore[attr-defined]
            await dispatch_all_due(engine, engine.clock.now())
        assert len(await checkins(engine, person_id)) == day + 1
        expected += timedelta(days=1)
    due_times = [c.due_at for c in await checkins(engine, person_id)]
    assert due_times == [START + timedelta(days=d) for d in range(4)]


async def test_a_check_in_missed_by_more_than_stale_after_is_skipped(engine: Services) -> None:
    now = engine.clock.now()
    stale_after = engine.settings.checkin.stale_after
    worker = await add_staff(engine)
    missed = await add_person(
        engine, worker, 1001, next_checkin_at=now - stale_after - timedelta(seconds=1)
    )
    just_in_time = await add_person(engine, worker, 1002, next_checkin_at=now - stale_after)

    await dispatch_all_due(engine, now)

    [skipped] = await checkins(engine, missed)
    assert skipped.state is CheckinState.SKIPPED
    [sent] = await checkins(engine, just_in_time)
    assert sent.state is CheckinState.QUEUED, "exactly stale_after late is still sent"
    assert [m.chat_id for m in await outbox(engine)] == [1002], "nothing sent late"
    person = await get_person(engine, missed)
    assert person.next_checkin_at == TUESDAY_10, "the next regular slot follows"
    assert person.last_checkin_at is None, "a skipped check-in is not a contact"


async def test_downtime_of_days_skips_once_and_resumes_at_the_next_slot(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001)
    # The bot was down from Monday 09:00 to Thursday 12:00 (Tokyo).
    engine.clock.set(START + timedelta(days=3, hours=2))  # type: ignore[attr-defined]
    await dispatch_all_due(engine, engine.clock.now())
    assert [c.state for c in await checkins(engine)] == [CheckinState.SKIPPED]
    assert await count(engine, OutboxMessage) == 0
    person = await get_person(engine, person_id)
    assert person.next_checkin_at == START + timedelta(days=4)


async def test_many_people_in_batches_get_exactly_one_check_in_each(engine: Services) -> None:
    now = engine.clock.now()
    worker = await add_staff(engine)
    people = [
        await add_person(engine, worker, 2000 + i, next_checkin_at=now - timedelta(seconds=i))
        for i in range(23)
    ]

    assert await dispatch_all_due(engine, now, batch=5) == 5
    assert await dispatch_all_due(engine, now, batch=5) == 0

    rows = await checkins(engine)
    assert sorted(c.person_id for c in rows) == sorted(people)
    messages = await outbox(engine, purpose=Purpose.CHECKIN)
    assert sorted(m.chat_id for m in messages) == list(range(2000, 2023))
    assert sorted(m.ref_id for m in messages) == sorted(c.id for c in rows)
    for person_id in people:
        assert (await get_person(engine, person_id)).next_checkin_at == TUESDAY_10


async def test_concurrent_dispatchers_share_the_work_without_duplicates(engine: Services) -> None:
    """Two instances ticking at once: SKIP LOCKED on PostgreSQL, the single writer on SQLite."""
    now = engine.clock.now()
    worker = await add_staff(engine)
    for i in range(30):
        await add_person(engine, worker, 3000 + i)

    await asyncio.gather(*(dispatch_all_due(engine, now, batch=4) for _ in range(3)))

    rows = await checkins(engine)
    assert len(rows) == 30
    assert len({c.person_id for c in rows}) == 30
    assert await count(engine, OutboxMessage) == 30
