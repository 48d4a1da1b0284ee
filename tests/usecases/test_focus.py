"""Time-limited intensification (issue 13, item 6), on SQLite and PostgreSQL: a tightened
cadence and a worker's /focus each carry a review date; on that date the worker is asked
once, and the answer goes on or goes back to base. Nothing stays dense silently forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.cadence import CadenceLevel, CadenceReason
from domain.focus import FocusKind, ReviewChoice
from domain.timeline import TimelineKind
from infra.clock import ControllableClock
from scheduler.reviews import review_step
from storage.db import Database
from storage.focus import FocusPeriod
from storage.outbox import Purpose
from storage.people import Person
from storage.staff import Staff
from tests.scheduler import pg_shared
from tests.scheduler.engine import (
    WORKER,
    add_person,
    add_staff,
    cadence_changes,
    engine_services,
    get_person,
    outbox,
    texts,
)
from tests.usecases.test_checkins import adapt, answered
from usecases.buttons import ButtonKind, button_data
from usecases.focus import ReviewAnswer, review_pressed, start_focus
from usecases.services import Services
from usecases.timeline import show_person

database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite

DAY = timedelta(days=1)


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    return engine_services(db, clock)


async def periods(svc: Services, person_id: int) -> list[FocusPeriod]:
    async with svc.db.transaction() as session:
        rows = await session.execute(
            select(FocusPeriod).where(FocusPeriod.person_id == person_id).order_by(FocusPeriod.id)
        )
        return list(rows.scalars())


async def press(
    svc: Services, staff: Staff, period_id: int, choice: ReviewChoice
) -> ReviewAnswer | None:
    async with svc.db.transaction() as session:
        found = await review_pressed(svc, session, staff, period_id, choice, svc.clock.now())
        return None if found is None else found[0]


async def tightened(svc: Services) -> tuple[Staff, int]:
    worker = await add_staff(svc)
    person_id = await add_person(svc, worker, 1001, name="Aiko")
    await answered(svc, person_id, [5, 4, 5], svc.clock.now() - 3 * DAY)
    assert await adapt(svc, person_id) is CadenceReason.LOW_MOODS
    return worker, person_id


async def test_a_tightened_cadence_is_reviewed_and_can_go_on(engine: Services) -> None:
    now = engine.clock.now()
    worker, person_id = await tightened(engine)
    [period] = await periods(engine, person_id)
    assert (period.kind, period.review_at) == (FocusKind.CADENCE, now + 14 * DAY)

    # Not before the date; on it, one prompt however many ticks.
    assert await review_step(engine, now + 14 * DAY - timedelta(minutes=1)) is False
    engine.clock.set(now + 14 * DAY)  # type: ignore[attr-defined]
    assert await review_step(engine, engine.clock.now()) is True
    assert await review_step(engine, engine.clock.now()) is False
    prompts = [m for m in await outbox(engine, chat_id=WORKER) if "📅" in texts([m])[0]]
    [prompt] = prompts
    buttons = prompt.params()["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in buttons] == [
        button_data(ButtonKind.REVIEW, period.id, choice) for choice in ReviewChoice
    ]

    assert await press(engine, worker, period.id, ReviewChoice.CONTINUE_7) is ReviewAnswer.CONTINUED
    assert await press(engine, worker, period.id, ReviewChoice.BASE) is ReviewAnswer.ALREADY
    [period] = await periods(engine, person_id)
    assert period.review_at == engine.clock.now() + 7 * DAY and period.ended_at is None
    assert (await get_person(engine, person_id)).cadence_level == CadenceLevel.CLOSE
    assert await review_step(engine, engine.clock.now() + 7 * DAY) is True  # asked again


async def test_back_to_base_ends_the_period_with_its_reason(engine: Services) -> None:
    worker, person_id = await tightened(engine)
    [period] = await periods(engine, person_id)
    engine.clock.set(period.review_at)  # type: ignore[attr-defined]
    await review_step(engine, engine.clock.now())
    assert await press(engine, worker, period.id, ReviewChoice.BASE) is ReviewAnswer.BASE
    assert (await get_person(engine, person_id)).cadence_level == CadenceLevel.BASE
    assert [c.reason for c in await cadence_changes(engine, person_id)] == [
        CadenceReason.LOW_MOODS,
        CadenceReason.REVIEW,
    ]
    [period] = await periods(engine, person_id)
    assert period.ended_at == engine.clock.now() and period.last_choice is ReviewChoice.BASE
    assert await review_step(engine, engine.clock.now() + 30 * DAY) is False


async def test_only_whoever_may_see_the_person_answers(engine: Services) -> None:
    _, person_id = await tightened(engine)
    other = await add_staff(engine, 501, "Kato")
    [period] = await periods(engine, person_id)
    await review_step(engine, period.review_at)
    assert await press(engine, other, period.id, ReviewChoice.BASE) is None
    assert await press(engine, other, period.id + 99, ReviewChoice.BASE) is None
    assert (await get_person(engine, person_id)).cadence_level == CadenceLevel.CLOSE


async def test_focus_makes_contact_denser_and_takes_over_a_cadence_review(
    engine: Services,
) -> None:
    worker, person_id = await tightened(engine)
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        staff = await session.get(Staff, worker.id)
        assert person is not None and staff is not None
        started = await start_focus(
            engine, session, person, staff, 21, "家賃の相談", engine.clock.now()
        )
    assert started.level is CadenceLevel.CLOSE  # already close: stays
    cadence, focus = await periods(engine, person_id)
    assert cadence.ended_at == engine.clock.now()
    assert (focus.kind, focus.note, focus.started_by) == (FocusKind.FOCUS, "家賃の相談", worker.id)
    assert focus.review_at == engine.clock.now() + 21 * DAY
    await review_step(engine, focus.review_at)
    [prompt] = [t for t in texts(await outbox(engine, purpose=Purpose.NOTIFY)) if "📅" in t]
    assert "家賃の相談" in prompt and "21" in prompt


async def test_focus_from_base_tightens_one_step_within_the_bounds(engine: Services) -> None:
    worker = await add_staff(engine)
    free = await add_person(engine, worker, 1001, name="Aiko")
    bounded = await add_person(engine, worker, 1002, name="Ken", cadence_tightest="base")
    for person_id, expected in ((free, CadenceLevel.CLOSE), (bounded, CadenceLevel.BASE)):
        async with engine.db.transaction() as session:
            person = await session.get(Person, person_id)
            staff = await session.get(Staff, worker.id)
            assert person is not None and staff is not None
            await start_focus(engine, session, person, staff, 7, None, engine.clock.now())
        assert (await get_person(engine, person_id)).cadence_level == expected
    assert [c.reason for c in await cadence_changes(engine, free)] == [CadenceReason.FOCUS]
    assert await cadence_changes(engine, bounded) == []


async def test_the_periods_are_on_the_timeline(engine: Services) -> None:
    worker, person_id = await tightened(engine)
    [period] = await periods(engine, person_id)
    engine.clock.set(period.review_at)  # type: ignore[attr-defined]
    await review_step(engine, engine.clock.now())
    await press(engine, worker, period.id, ReviewChoice.BASE)
    async with engine.db.transaction() as session:
        shown = await show_person(session, person_id, engine.clock.now())
    kinds = [e.kind for e in shown.timeline]
    assert kinds.index(TimelineKind.CADENCE_CHANGED) < kinds.index(TimelineKind.FOCUS_STARTED)
    # At the review, at one instant: back to base, the review's answer, the period's end.
    assert set(kinds[-3:]) == {
        TimelineKind.CADENCE_CHANGED,
        TimelineKind.FOCUS_REVIEWED,
        TimelineKind.FOCUS_ENDED,
    }
    reviewed = next(e for e in shown.timeline if e.kind is TimelineKind.FOCUS_REVIEWED)
    assert reviewed.fields["choice"] == "base"
