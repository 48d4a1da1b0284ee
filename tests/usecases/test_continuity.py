"""Continuity first (issue 13, item 8), on SQLite and PostgreSQL: a departing worker's
people go to their backup or to whoever handled most of their episodes, as a plan the
coordinator confirms; the worker is deactivated once nobody is left without one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.continuity import HandoverReason
from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import PersonStatus, StaffRole
from infra.clock import ControllableClock
from storage.db import Database
from storage.escalations import Escalation
from storage.people import Person
from storage.staff import Staff
from tests.scheduler import pg_shared
from tests.scheduler.engine import add_person, add_staff, engine_services, get_person, outbox
from usecases.continuity import hand_over, handover_plan, tell_coordinators_of_return
from usecases.services import Services

database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    return engine_services(db, clock)


async def handled(svc: Services, person_id: int, staff_id: int, times: int) -> None:
    """Closed episodes of the person that `staff_id` acknowledged."""
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        for n in range(times):
            session.add(
                Escalation(
                    person_id=person_id,
                    reason=EscalationReason.SILENCE,
                    priority=Priority.P2,
                    state=EscalationState.RESOLVED,
                    created_at=now - timedelta(days=10 + n),
                    updated_at=now,
                    acknowledged_at=now,
                    acknowledged_by=staff_id,
                    resolved_at=now,
                )
            )


async def member(svc: Services, staff_id: int) -> Staff:
    async with svc.db.transaction() as session:
        found = await session.get(Staff, staff_id)
        assert found is not None
        return found


async def test_the_plan_names_who_knows_each_person_and_the_handover_follows_it(
    engine: Services,
) -> None:
    leaving = await add_staff(engine, 500, "Sato")
    kato = await add_staff(engine, 501, "Kato")
    mori = await add_staff(engine, 502, "Mori")
    coordinator = await add_staff(engine, 600, "Ito", StaffRole.COORDINATOR)
    backed = await add_person(engine, leaving, 1001, backup_worker_id=kato.id)
    known = await add_person(engine, leaving, 1002)
    await handled(engine, known, mori.id, 2)
    await handled(engine, known, kato.id, 1)
    unknown = await add_person(engine, leaving, 1003)
    backing = await add_person(engine, kato, 1004, backup_worker_id=leaving.id)
    await add_person(engine, leaving, 1005, status=PersonStatus.STOPPED)

    async with engine.db.transaction() as session:
        plan = await handover_plan(session, await session.get(Staff, leaving.id))  # type: ignore[arg-type]
    by_person = {item.person.id: item for item in plan}
    assert set(by_person) == {backed, known, unknown, backing}  # not the stopped person
    assert (by_person[backed].suggestion.reason, by_person[backed].to.id) == (  # type: ignore[union-attr]
        HandoverReason.BACKUP,
        kato.id,
    )
    assert by_person[known].suggestion.reason is HandoverReason.EPISODES
    assert (by_person[known].to.id, by_person[known].suggestion.episodes) == (mori.id, 2)  # type: ignore[union-attr]
    assert by_person[unknown].to is None and by_person[backing].backup_only

    async with engine.db.transaction() as session:
        result = await hand_over(
            engine,
            session,
            await member_in(session, coordinator.id),
            await member_in(session, leaving.id),
            engine.clock.now(),
        )
    assert not result.deactivated and [i.person.id for i in result.left] == [unknown]
    assert (await get_person(engine, backed)).worker_id == kato.id
    assert (await get_person(engine, backed)).backup_worker_id is None  # the backup took over
    assert (await get_person(engine, known)).worker_id == mori.id
    assert (await get_person(engine, backing)).backup_worker_id is None
    assert (await member(engine, leaving.id)).active
    told = {r.chat_id for r in await outbox(engine)}
    assert {kato.telegram_id, mori.telegram_id} <= told

    # The coordinator chooses for the last one; the handover then completes.
    async with engine.db.transaction() as session:
        person = await session.get(Person, unknown)
        assert person is not None
        person.worker_id = kato.id
    async with engine.db.transaction() as session:
        result = await hand_over(
            engine,
            session,
            await member_in(session, coordinator.id),
            await member_in(session, leaving.id),
            engine.clock.now(),
        )
    assert result.deactivated and not (await member(engine, leaving.id)).active


async def member_in(session: AsyncSession, staff_id: int) -> Staff:
    found = await session.get(Staff, staff_id)
    assert found is not None
    return found


async def test_a_stopped_person_back_to_a_departed_worker_is_suggested_to_coordinators(
    engine: Services,
) -> None:
    leaving = await add_staff(engine, 500, "Sato")
    kato = await add_staff(engine, 501, "Kato")
    await add_staff(engine, 600, "Ito", StaffRole.COORDINATOR)
    person_id = await add_person(engine, leaving, 1001, name="Aiko", backup_worker_id=kato.id)
    async with engine.db.transaction() as session:
        staff = await session.get(Staff, leaving.id)
        assert staff is not None
        staff.active = False
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        assert await tell_coordinators_of_return(engine, session, person, engine.clock.now())
    [notice] = await outbox(engine, chat_id=600)
    words = engine.text("ja", "continuity.because_backup", name="Kato", staff_id=kato.id, count=0)
    assert words in notice.params()["text"]
    # A worker still there hears it themselves; the coordinators are not bothered.
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.worker_id = kato.id
        assert not await tell_coordinators_of_return(engine, session, person, engine.clock.now())
