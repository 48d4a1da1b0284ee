"""The escalation use cases in `bot.escalations` on stored rows, SQLite and PostgreSQL:
open or join (one active per person and reason, priorities only rise and re-notify),
acknowledge (atomic), resolve, relay and relay back, reassign, auto-resolve, step-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ControllableClock
from bot.escalations import (
    acknowledge,
    auto_resolve_on_reply,
    open_or_join,
    reassign,
    relay,
    relay_back,
    resolve,
    step_up_due,
)
from bot.services import Services
from domain.escalation import EscalationReason, EscalationState, MergeAction, Outcome, Priority
from domain.people import StaffRole
from storage.db import Database
from storage.escalations import Escalation, EscalationNote, EscalationNotification
from storage.outbox import Purpose
from storage.people import Person
from storage.staff import Staff
from tests.conftest import START
from tests.scheduler.engine import add_person, add_staff, engine_services, outbox, texts

WORKER = 500
BACKUP = 501
COORDINATOR = 600
PERSON = 1001


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    return engine_services(db, clock)


async def setup(svc: Services) -> tuple[Staff, Staff, int]:
    worker = await add_staff(svc, WORKER, "Sato")
    backup = await add_staff(svc, BACKUP, "Suzuki")
    await add_staff(svc, COORDINATOR, "Ito", StaffRole.COORDINATOR)
    person_id = await add_person(
        svc,
        worker,
        PERSON,
        name="Aiko",
        next_checkin_at=START + timedelta(days=1),
        backup_worker_id=backup.id,
    )
    return worker, backup, person_id


async def signal(
    svc: Services, person_id: int, reason: EscalationReason, priority: Priority | None = None
) -> tuple[int, MergeAction]:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        opened = await open_or_join(
            svc, session, person, reason, svc.clock.now(), priority=priority
        )
        await session.flush()
        return opened.escalation.id, opened.action


async def row(svc: Services, escalation_id: int) -> Escalation:
    async with svc.db.sessions() as session:
        escalation = await session.get(Escalation, escalation_id)
        assert escalation is not None
        return escalation


async def notifications(svc: Services, escalation_id: int) -> list[tuple[int, int]]:
    async with svc.db.sessions() as session:
        rows = await session.execute(
            select(EscalationNotification.level, Staff.telegram_id)
            .join(Staff, Staff.id == EscalationNotification.staff_id)
            .where(EscalationNotification.escalation_id == escalation_id)
            .order_by(EscalationNotification.id)
        )
        return [(level, tg) for level, tg in rows]


async def test_one_active_escalation_per_person_and_reason(engine: Services) -> None:
    _, _, pid = await setup(engine)
    first, action = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert action is MergeAction.OPEN_NEW
    again, action = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert (again, action) == (first, MergeAction.JOIN)
    other, action = await signal(engine, pid, EscalationReason.CONCERN)
    assert other != first and action is MergeAction.OPEN_NEW
    assert await notifications(engine, first) == [(0, WORKER)], "a join does not re-notify"


async def test_a_higher_priority_signal_raises_and_renotifies(engine: Services) -> None:
    _, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.CONCERN)
    opened = await row(engine, eid)
    assert opened.priority is Priority.P2
    assert opened.next_step_at == START + engine.settings.escalation.ack_p2

    engine.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    same, action = await signal(engine, pid, EscalationReason.CONCERN, Priority.P1)
    assert (same, action) == (eid, MergeAction.JOIN_RAISE)
    raised = await row(engine, eid)
    assert raised.priority is Priority.P1
    # The P1 deadline now counts from the re-notification.
    assert raised.next_step_at == START + timedelta(minutes=5) + engine.settings.escalation.ack_p1
    assert await notifications(engine, eid) == [(0, WORKER), (0, WORKER)]
    notices = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))
    assert notices[-1].startswith("【P1 に引き上げ】")

    # Never lowered.
    _, action = await signal(engine, pid, EscalationReason.CONCERN, Priority.P3)
    assert action is MergeAction.JOIN
    assert (await row(engine, eid)).priority is Priority.P1


async def test_acknowledge_is_atomic(engine: Services) -> None:
    worker, backup, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        assert await acknowledge(engine, session, escalation, worker, engine.clock.now())
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        assert not await acknowledge(engine, session, escalation, backup, engine.clock.now())
    acknowledged = await row(engine, eid)
    assert (acknowledged.state, acknowledged.acknowledged_by, acknowledged.next_step_at) == (
        EscalationState.ACKNOWLEDGED,
        worker.id,
        None,
    )


async def test_resolve_frees_the_reason_for_a_new_escalation(engine: Services) -> None:
    worker, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.DISTRESS)
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await resolve(
            engine, session, escalation, worker, Outcome.REFERRED, "つなぎ先へ", engine.clock.now()
        )
    resolved = await row(engine, eid)
    assert (resolved.state, resolved.outcome, resolved.open_key) == (
        EscalationState.RESOLVED,
        Outcome.REFERRED,
        None,
    )
    assert resolved.acknowledged_by == worker.id, "resolving unclaimed counts as the claim"
    async with engine.db.sessions() as session:
        notes = list((await session.execute(select(EscalationNote.text))).scalars())
    assert notes == ["つなぎ先へ"]
    again, action = await signal(engine, pid, EscalationReason.DISTRESS)
    assert again != eid and action is MergeAction.OPEN_NEW


async def test_relay_and_relay_back_while_active(engine: Services) -> None:
    worker, _backup, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    now = engine.clock.now()
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await relay(engine, session, escalation, worker, "お元気ですか", now)
    [to_person] = texts(await outbox(engine, purpose=Purpose.RELAY, chat_id=PERSON))
    assert to_person == engine.text("ja", "relay.to_person", worker="Sato", text="お元気ですか")
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        assert await relay_back(engine, session, person, "元気です", now)
    assert texts(await outbox(engine, purpose=Purpose.RELAY, chat_id=WORKER)) == [
        engine.text("ja", "relay.from_person", person="Aiko", person_id=pid, text="元気です")
    ]
    assert await outbox(engine, purpose=Purpose.RELAY, chat_id=BACKUP) == []
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await resolve(engine, session, escalation, worker, Outcome.CONTACTED, None, now)
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        assert not await relay_back(engine, session, person, "またね", now)


async def test_reassign_releases_the_claim_and_notifies_the_new_worker(engine: Services) -> None:
    worker, backup, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await acknowledge(engine, session, escalation, worker, engine.clock.now())
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await reassign(engine, session, escalation, backup, engine.clock.now())
    moved = await row(engine, eid)
    assert (moved.state, moved.assignee_id, moved.acknowledged_by) == (
        EscalationState.OPEN,
        backup.id,
        None,
    )
    assert moved.next_step_at is not None, "the ladder runs again for the new holder"
    assert await notifications(engine, eid) == [(0, WORKER), (0, BACKUP)]


async def test_a_reply_auto_resolves_silence_but_not_distress(engine: Services) -> None:
    _, _, pid = await setup(engine)
    silence, _ = await signal(engine, pid, EscalationReason.SILENCE)
    distress, _ = await signal(engine, pid, EscalationReason.DISTRESS)
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        closed = await auto_resolve_on_reply(engine, session, person, engine.clock.now())
        assert [e.id for e in closed] == [silence]
    assert (await row(engine, silence)).state is EscalationState.AUTO_RESOLVED
    assert (await row(engine, distress)).state is EscalationState.OPEN
    all_clear = engine.text(
        "ja", "escalation.all_clear", person="Aiko", person_id=pid, escalation_id=silence
    )
    assert all_clear in texts(await outbox(engine, chat_id=WORKER))


async def test_step_up_ladder_with_working_hours(engine: Services) -> None:
    _, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    ack_p2 = engine.settings.escalation.ack_p2
    assert not await step_up_due(engine, START + ack_p2 - timedelta(seconds=1))
    assert await step_up_due(engine, START + ack_p2)  # Monday 14:00
    assert (await row(engine, eid)).level == 1
    # 18:00 is the end of working hours: the backup waits for Tuesday 09:00.
    tuesday_9 = START + timedelta(hours=23)
    assert (await row(engine, eid)).next_step_at == tuesday_9
    assert not await step_up_due(engine, START + 2 * ack_p2)
    assert await step_up_due(engine, tuesday_9)
    assert await step_up_due(engine, tuesday_9 + ack_p2)
    assert not await step_up_due(engine, tuesday_9 + 10 * ack_p2)
    assert await notifications(engine, eid) == [
        (0, WORKER),
        (1, WORKER),
        (2, BACKUP),
        (3, COORDINATOR),
    ]


async def test_an_inactive_worker_falls_back_to_coordinators(engine: Services) -> None:
    worker, _, pid = await setup(engine)
    async with engine.db.transaction() as session:
        staff = await session.get(Staff, worker.id)
        assert staff is not None
        staff.active = False
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert await notifications(engine, eid) == [(0, COORDINATOR)]
