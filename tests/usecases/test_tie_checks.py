"""もどす on stored rows, SQLite and PostgreSQL: low moods after a stable, loosely watched
period bring a person with ties back to their worker as `reconnect`, told why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.cadence import CadenceLevel, CadenceReason
from domain.escalation import EscalationReason, EscalationState, Priority
from domain.ties import ResourceFields, ResourceKind, TieState
from infra.clock import ControllableClock
from storage.db import Database
from storage.outbox import Purpose
from storage.people import Person
from storage.resources import ResourceRepository
from storage.ties import TieRepository
from tests.scheduler.engine import (
    add_person,
    add_staff,
    engine_services,
    escalations,
    get_person,
    outbox,
    texts,
)
from tests.usecases.test_checkins import adapt, answered
from usecases.checkins import sign_of_life
from usecases.services import Services
from usecases.silence import silence_reached
from usecases.tie_checks import reconnect_if_moods_turned_low

WORKER = 500
PERSON = 1001


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    return engine_services(db, clock)


async def person_with_tie(svc: Services, state: TieState) -> int:
    worker = await add_staff(svc, WORKER, "Sato")
    person_id = await add_person(svc, worker, PERSON, name="Aiko")
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        [food] = await ResourceRepository(session).add_all(
            [ResourceFields(name="フードバンク東", kind=ResourceKind.FOOD)], now=now
        )
        tie = await TieRepository(session).propose(
            person_id=person_id, resource_id=food.id, proposed_by=worker.id, now=now
        )
        if state is not TieState.PROPOSED:
            await TieRepository(session).move(
                tie.id, person_id=person_id, from_state=TieState.PROPOSED, to_state=state, now=now
            )
    return person_id


async def turned_low(svc: Services, person_id: int, previous: CadenceLevel) -> bool:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return await reconnect_if_moods_turned_low(
            svc, session, person, previous, CadenceReason.LOW_MOODS, svc.clock.now()
        )


async def test_low_moods_after_loose_watching_return_a_person_with_a_tie(engine: Services) -> None:
    person_id = await person_with_tie(engine, TieState.ACTIVE)
    assert await turned_low(engine, person_id, CadenceLevel.LOOSE)
    [episode] = await escalations(engine, person_id)
    assert (episode.reason, episode.priority) == (EscalationReason.RECONNECT, Priority.P3)
    why = engine.text(
        "ja",
        "tie_check.worker_low_moods",
        person=f"Aikoさん（ID {person_id}）",
        person_id=person_id,
        resources="フードバンク東",
    )
    assert why in texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))


@pytest.mark.parametrize(
    ("state", "previous"),
    [
        (TieState.ACTIVE, CadenceLevel.BASE),  # not watched loosely: the cadence answers
        (TieState.DECLINED, CadenceLevel.LOOSE),  # no active tie
        (TieState.PROPOSED, CadenceLevel.LOOSE),
    ],
)
async def test_otherwise_nothing_is_opened(
    engine: Services, state: TieState, previous: CadenceLevel
) -> None:
    person_id = await person_with_tie(engine, state)
    assert not await turned_low(engine, person_id, previous)
    assert await escalations(engine, person_id) == []


@pytest.mark.parametrize(
    ("state", "expected"), [(TieState.ACTIVE, "loose"), (TieState.DECLINED, "close")]
)
async def test_a_stable_fortnight_with_an_active_tie_is_loose_watching(
    engine: Services, state: TieState, expected: str
) -> None:
    """Issue 13, item 3: tied to the community and stable, the cadence relaxes to the
    loosest bound at once (one step without a tie); never to nothing."""
    person_id = await person_with_tie(engine, state)
    now = engine.clock.now()
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.cadence_level = CadenceLevel.CLOSEST
        person.cadence_changed_at = now - timedelta(days=20)
    await answered(engine, person_id, [1, 2, 1, 2], now - timedelta(days=8))
    reason = await adapt(engine, person_id)
    assert (await get_person(engine, person_id)).cadence_level == expected
    assert reason is (
        CadenceReason.CONNECTED if state is TieState.ACTIVE else CadenceReason.STABLE_PERIOD
    )


async def fell_silent(svc: Services, person_id: int) -> None:
    """Two days without a word, and the person's silence clock runs out."""
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.silent_since = now - timedelta(days=2)
        await silence_reached(svc, session, person, now)


@pytest.mark.parametrize(
    ("state", "reason", "priority"),
    [
        (TieState.ACTIVE, EscalationReason.RECONNECT, Priority.P3),
        (TieState.DECLINED, EscalationReason.SILENCE, Priority.P2),
    ],
)
async def test_silence_of_a_tied_person_asks_the_worker_to_reconnect(
    engine: Services, state: TieState, reason: EscalationReason, priority: Priority
) -> None:
    """Issue 13, item 4: a person with ties whose silence runs past their rhythm returns to
    their worker as `reconnect`; without an active tie it is the usual silence."""
    person_id = await person_with_tie(engine, state)
    await fell_silent(engine, person_id)
    [episode] = await escalations(engine)
    assert (episode.reason, episode.priority) == (reason, priority)


async def reply(svc: Services, person_id: int) -> None:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await sign_of_life(svc, session, person, svc.clock.now())


async def test_a_reply_answers_a_reconnect_that_silence_raised(engine: Services) -> None:
    person_id = await person_with_tie(engine, TieState.ACTIVE)
    await fell_silent(engine, person_id)
    await reply(engine, person_id)
    [episode] = await escalations(engine)
    assert (episode.reason, episode.state) == (
        EscalationReason.RECONNECT,
        EscalationState.AUTO_RESOLVED,
    )


async def test_a_reply_does_not_settle_a_reconnect_the_person_asked_for(engine: Services) -> None:
    """Low moods after loose watching (or "I stopped going") are not answered by the next
    chat message: the worker keeps the episode until they resolve it, even when a silence
    joined it and the person then wrote."""
    person_id = await person_with_tie(engine, TieState.ACTIVE)
    assert await turned_low(engine, person_id, CadenceLevel.LOOSE)
    await fell_silent(engine, person_id)
    await reply(engine, person_id)
    [episode] = await escalations(engine)
    assert (episode.reason, episode.state) == (EscalationReason.RECONNECT, EscalationState.OPEN)
