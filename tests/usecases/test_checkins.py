"""The check-in use cases in `usecases.checkins`, on SQLite and PostgreSQL: adaptive cadence
(関わりは濃くなる), the delivery hook that starts the silence clocks, and signs of life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.cadence import CadenceReason
from domain.mood import MOOD_KEYS
from domain.people import StaffRole
from infra.clock import ControllableClock
from storage.checkins import Checkin, CheckinKind, CheckinState
from storage.db import Database
from storage.outbox import Purpose
from storage.people import Person
from tests.scheduler import pg_shared
from tests.scheduler.engine import (
    WORKER,
    add_person,
    add_staff,
    cadence_changes,
    checkins,
    engine_services,
    get_person,
    outbox,
    texts,
)
from usecases.checkins import adapt_cadence, checkin_now, checkins_sent, sign_of_life
from usecases.services import Services

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    return engine_services(db, clock)


async def answered(svc: Services, person_id: int, moods: list[int], start: datetime) -> None:
    """Check-ins answered with these mood scores, one a day from `start`."""
    async with svc.db.transaction() as session:
        for day, mood in enumerate(moods):
            at = start + timedelta(days=day)
            session.add(
                Checkin(
                    person_id=person_id,
                    kind=CheckinKind.SCHEDULED,
                    state=CheckinState.REPLIED,
                    due_at=at,
                    created_at=at,
                    sent_at=at,
                    replied_at=at + timedelta(minutes=5),
                    mood=mood,
                )
            )


async def adapt(svc: Services, person_id: int) -> CadenceReason | None:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return await adapt_cadence(svc, session, person, svc.clock.now())


async def test_two_low_moods_of_three_tighten_one_step(engine: Services) -> None:
    now = engine.clock.now()
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001, name="Aiko")
    before = (await get_person(engine, person_id)).next_checkin_at
    await answered(engine, person_id, [2, 4, 5], now - timedelta(days=3))

    assert await adapt(engine, person_id) is CadenceReason.LOW_MOODS

    person = await get_person(engine, person_id)
    assert person.cadence_level == "close" and person.cadence_changed_at == now
    [change] = await cadence_changes(engine, person_id)
    assert (change.from_level, change.to_level, change.reason, change.at) == (
        "base",
        "close",
        "low_moods",
        now,
    )
    assert person.next_checkin_at is not None and person.next_checkin_at != before
    [told] = await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)
    assert texts([told]) == [
        engine.text(
            "ja",
            "cadence.changed",
            person=f"Aikoさん（ID {person_id}）",
            person_id=person_id,
            level=engine.text("ja", "cadence.level.close"),
            reason=engine.text("ja", "cadence.reason.low_moods"),
        )
    ]

    # The same evidence does not tighten twice.
    assert await adapt(engine, person_id) is None
    assert len(await cadence_changes(engine, person_id)) == 1
    # New low moods after the change tighten one more step, to the tightest bound...
    engine.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    await answered(engine, person_id, [5, 4], engine.clock.now() - timedelta(days=2))
    assert await adapt(engine, person_id) is CadenceReason.LOW_MOODS
    assert (await get_person(engine, person_id)).cadence_level == "closest"
    # ...and never past it.
    engine.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    await answered(engine, person_id, [5, 5], engine.clock.now() - timedelta(days=2))
    assert await adapt(engine, person_id) is None
    assert (await get_person(engine, person_id)).cadence_level == "closest"
    assert [c.to_level for c in await cadence_changes(engine, person_id)] == ["close", "closest"]


@pytest.mark.parametrize(
    ("night", "told_at"),
    [
        # Wednesday 03:00 in Tokyo: told at 09:00 that morning.
        (datetime(2026, 11, 24, 18, 0, tzinfo=UTC), datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
        # Saturday 03:00: told on Monday at 09:00.
        (datetime(2026, 11, 27, 18, 0, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        # Within working hours: at once.
        (datetime(2026, 11, 25, 2, 0, tzinfo=UTC), datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
    ],
)
async def test_a_change_at_night_is_told_in_working_hours(
    engine: Services, night: datetime, told_at: datetime
) -> None:
    """The change is news, not a call to act: at 3 a.m. the worker's phone rings once, for
    the escalation, not a second time for the cadence (issue 16, item 2)."""
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001, name="Aiko")
    engine.clock.set(night)  # type: ignore[attr-defined]
    await answered(engine, person_id, [5, 4, 5], night - timedelta(days=3))
    assert await adapt(engine, person_id) is CadenceReason.LOW_MOODS
    [told] = await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)
    assert told.not_before == told_at


async def test_one_low_mood_of_three_changes_nothing(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001)
    await answered(engine, person_id, [2, 5, 3], engine.clock.now() - timedelta(days=3))
    assert await adapt(engine, person_id) is None
    assert await cadence_changes(engine, person_id) == []
    assert await outbox(engine) == []


async def test_the_coordinators_bound_holds(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001, cadence_tightest="base")
    await answered(engine, person_id, [5, 5, 5], engine.clock.now() - timedelta(days=3))
    assert await adapt(engine, person_id) is None
    assert (await get_person(engine, person_id)).cadence_level == "base"
    assert await cadence_changes(engine, person_id) == []


async def test_a_level_outside_new_bounds_is_clamped_with_its_reason(engine: Services) -> None:
    worker = await add_staff(engine, language="en")
    person_id = await add_person(
        engine, worker, 1001, name="Ken", cadence_level="closest", cadence_tightest="close"
    )
    assert await adapt(engine, person_id) is CadenceReason.BOUNDS_CHANGED
    [change] = await cadence_changes(engine, person_id)
    assert (change.from_level, change.to_level, change.reason) == (
        "closest",
        "close",
        "bounds_changed",
    )
    [told] = await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)
    assert (
        "Ken" in texts([told])[0]
        and engine.text("en", "cadence.reason.bounds_changed") in (texts([told])[0])
    ), "the worker is told in their own language"


async def test_a_manual_check_in_has_the_keyboard_and_starts_the_clocks(engine: Services) -> None:
    now = engine.clock.now()
    worker = await add_staff(engine, role=StaffRole.WORKER)
    person_id = await add_person(engine, worker, 1001, next_checkin_at=now + timedelta(days=1))
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        older = await checkin_now(engine, session, person, now)
        newer = await checkin_now(engine, session, person, now)
    messages = await outbox(engine, purpose=Purpose.CHECKIN)
    assert [m.ref_id for m in messages] == [older.id, newer.id]
    data = [
        b["callback_data"]
        for row in messages[0].params()["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    assert data == [f"mood:{older.id}:{k}" for k in MOOD_KEYS] + [f"talk:{older.id}"]

    async with engine.db.transaction() as session:
        await checkins_sent(engine, session, [(older.id, 11)], now)
        await checkins_sent(engine, session, [(newer.id, 12)], now + timedelta(seconds=1))
        await checkins_sent(engine, session, [(newer.id, 12)], now + timedelta(hours=1))  # again
    first, second = await checkins(engine, person_id)
    assert first.kind is CheckinKind.MANUAL and first.state is CheckinState.SENT
    assert first.nudge_due_at is None, "only the newest check-in is nudged"
    assert second.sent_at == now + timedelta(seconds=1), "a repeated hook changes nothing"
    assert second.nudge_due_at == now + timedelta(seconds=1) + timedelta(hours=6)
    person_row = await get_person(engine, person_id)
    assert person_row.silent_since == now
    assert person_row.silence_due_at == now + timedelta(days=2)

    # A sign of life answers every open check-in and stops the clocks.
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        found = await sign_of_life(engine, session, person, now + timedelta(hours=2))
        assert found is not None and found.id == newer.id
    assert {c.state for c in await checkins(engine, person_id)} == {CheckinState.REPLIED}
    person_row = await get_person(engine, person_id)
    assert person_row.silence_due_at is None and person_row.last_reply_at == now + timedelta(
        hours=2
    )
