"""Pauses that end by themselves: the person is welcomed back with a warm check-in, never
in quiet hours; an open-ended pause waits for /resume. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.people import PersonStatus
from scheduler.dispatch import dispatch_all_due
from scheduler.pauses import resume_step
from storage.checkins import CheckinKind, CheckinState
from storage.outbox import Purpose
from tests.conftest import START
from tests.scheduler import pg_shared
from tests.scheduler.engine import (
    add_person,
    add_staff,
    checkins,
    get_person,
    outbox,
    texts,
)
from usecases.planning import GAP_AFTER_CONTACT
from usecases.services import Services

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


def move(svc: Services, to: datetime) -> None:
    svc.clock.set(to)  # type: ignore[attr-defined]


async def test_a_pause_ends_with_a_welcome_back_check_in(engine: Services) -> None:
    worker = await add_staff(engine)
    until = START + timedelta(days=3)
    person_id = await add_person(
        engine, worker, 1001, status=PersonStatus.PAUSED, paused_until=until
    )
    # While paused: nothing is dispatched, however overdue the schedule is.
    for day in (1, 2):
        move(engine, START + timedelta(days=day))
        await resume_step(engine, engine.clock.now())
        await dispatch_all_due(engine, engine.clock.now())
    assert await checkins(engine) == []

    move(engine, until)
    assert await resume_step(engine, until) is True
    person = await get_person(engine, person_id)
    assert person.status is PersonStatus.ACTIVE and person.paused_until is None
    assert person.next_checkin_at is not None
    assert person.next_checkin_at >= until + GAP_AFTER_CONTACT
    [welcome] = await checkins(engine)
    assert (welcome.kind, welcome.state) == (CheckinKind.WELCOME_BACK, CheckinState.QUEUED)
    [message] = await outbox(engine, purpose=Purpose.CHECKIN)
    assert message.ref_id == welcome.id and message.chat_id == 1001
    assert texts([message])[0] in engine.catalog.variants("ja", "checkin.welcome_back")
    assert message.params()["reply_markup"]["inline_keyboard"], "mood buttons too"

    # The step is idempotent, and the regular dispatch does not double up right away.
    await resume_step(engine, until)
    await dispatch_all_due(engine, until)
    assert len(await checkins(engine)) == 1


async def test_a_pause_ending_in_quiet_hours_waits_for_the_morning(engine: Services) -> None:
    worker = await add_staff(engine)
    three_am = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Thursday 03:00 Tokyo
    seven_am = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    person_id = await add_person(
        engine, worker, 1001, status=PersonStatus.PAUSED, paused_until=three_am
    )
    move(engine, three_am)
    await resume_step(engine, three_am)
    person = await get_person(engine, person_id)
    assert person.status is PersonStatus.PAUSED
    assert person.paused_until == seven_am
    assert await checkins(engine) == []

    move(engine, seven_am - timedelta(minutes=1))
    await resume_step(engine, engine.clock.now())
    assert await checkins(engine) == []
    move(engine, seven_am)
    await resume_step(engine, seven_am)
    assert (await get_person(engine, person_id)).status is PersonStatus.ACTIVE
    assert [c.kind for c in await checkins(engine)] == [CheckinKind.WELCOME_BACK]


async def test_an_open_ended_pause_waits_for_resume(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001, status=PersonStatus.PAUSED)
    move(engine, START + timedelta(days=60))
    assert await resume_step(engine, engine.clock.now()) is False
    await dispatch_all_due(engine, engine.clock.now())
    assert (await get_person(engine, person_id)).status is PersonStatus.PAUSED
    assert await checkins(engine) == []


async def test_two_instances_at_once_welcome_back_once(engine: Services) -> None:
    """Two ticks at the same moment (two worker instances on one PostgreSQL database, or
    an overlapping tick): one welcome back, not two (rows claimed with SKIP LOCKED)."""
    worker = await add_staff(engine)
    until = START + timedelta(days=1)
    for chat_id in (1001, 1002, 1003):
        await add_person(engine, worker, chat_id, status=PersonStatus.PAUSED, paused_until=until)
    move(engine, until)
    await asyncio.gather(*(resume_step(engine, until) for _ in range(3)))
    welcomes = [c for c in await checkins(engine) if c.kind is CheckinKind.WELCOME_BACK]
    assert sorted(c.person_id for c in welcomes) == sorted({c.person_id for c in welcomes})
    assert len(welcomes) == 3
