"""The escalation use cases in `usecases.escalations` on stored rows, SQLite and PostgreSQL:
open or join (one active episode per person; reasons join it, priorities only rise and
re-notify), acknowledge (atomic), resolve, relay (acknowledges) and relay back, reassign,
auto-resolve, step-up reminders, strangers' episodes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.escalation import EscalationReason, EscalationState, MergeAction, Outcome, Priority
from domain.mood import Mood
from domain.people import StaffRole
from infra.clock import ControllableClock
from scheduler.escalations import step_up_step
from storage.db import Database
from storage.escalations import (
    Escalation,
    EscalationNote,
    EscalationNotification,
    EscalationReasonEntry,
)
from storage.outbox import PRIORITY_URGENT, Purpose
from storage.people import Person
from storage.staff import Staff
from tests.conftest import START
from tests.scheduler.engine import add_person, add_staff, engine_services, outbox, texts
from usecases.escalations import (
    acknowledge,
    auto_resolve_on_reply,
    open_for_stranger,
    open_or_join,
    reassign,
    relay,
    relay_back,
    resolve,
)
from usecases.services import Services

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


async def episode_reasons(svc: Services, escalation_id: int) -> list[str]:
    async with svc.db.sessions() as session:
        rows = await session.execute(
            select(EscalationReasonEntry.reason)
            .where(EscalationReasonEntry.escalation_id == escalation_id)
            .order_by(EscalationReasonEntry.id)
        )
        return [r.value for r in rows.scalars()]


async def test_one_active_episode_per_person_that_reasons_join(engine: Services) -> None:
    _, _, pid = await setup(engine)
    first, action = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert action is MergeAction.OPEN_NEW
    again, action = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert (again, action) == (first, MergeAction.JOIN)
    other, action = await signal(engine, pid, EscalationReason.CONCERN)
    assert (other, action) == (first, MergeAction.JOIN)
    assert await episode_reasons(engine, first) == ["wants_contact", "wants_contact", "concern"]
    assert await notifications(engine, first) == [(0, WORKER)], "a join does not page again"
    # The holder hears of the new reason in one short message; a repeat is not news.
    joined = engine.text(
        "ja",
        "escalation.joined",
        reason=engine.text("ja", "reason.concern"),
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        escalation_id=first,
        priority="P2",
    )
    assert texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))[1:] == [joined]


async def test_every_new_distress_message_reaches_the_holder_at_once(engine: Services) -> None:
    worker, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.DISTRESS)
    async with engine.db.transaction() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None
        await acknowledge(engine, session, escalation, worker, engine.clock.now())
    before = len(await outbox(engine, purpose=Purpose.NOTIFY))
    again, action = await signal(engine, pid, EscalationReason.DISTRESS)
    assert (again, action) == (eid, MergeAction.JOIN)
    new = (await outbox(engine, purpose=Purpose.NOTIFY))[before:]
    assert [m.chat_id for m in new] == [WORKER], "the one who holds it, never silently"
    assert new[0].priority == PRIORITY_URGENT
    # /talk during the P1 joins it too.
    talk, action = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    assert (talk, action) == (eid, MergeAction.JOIN)
    assert await episode_reasons(engine, eid) == ["distress", "distress", "wants_contact"]


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
    # Raised to P1: paged like a new distress, the worker, the backup and the coordinators.
    assert await notifications(engine, eid) == [
        (0, WORKER),
        (0, WORKER),
        (0, BACKUP),
        (0, COORDINATOR),
    ]
    notices = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))
    assert notices[-1].startswith("【P1に引き上げ】")

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
        relayed = await relay(engine, session, escalation, worker, "お元気ですか", now)
    assert relayed.acknowledged and relayed.chat_id == PERSON
    # Talking to the person is acting on the episode: it is theirs, and the ladder holds.
    held = await row(engine, eid)
    assert (held.state, held.acknowledged_by, held.next_step_at) == (
        EscalationState.ACKNOWLEDGED,
        worker.id,
        None,
    )
    assert not await step_up_step(engine, now + timedelta(days=2))
    [to_person] = texts(await outbox(engine, purpose=Purpose.RELAY, chat_id=PERSON))
    assert to_person == engine.text("ja", "relay.to_person", worker="Sato", text="お元気ですか")
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        assert await relay_back(engine, session, person, "元気です", now)
    assert texts(await outbox(engine, purpose=Purpose.RELAY, chat_id=WORKER)) == [
        engine.text(
            "ja",
            "relay.from_person",
            person=f"Aikoさん（ID {pid}）",
            person_id=pid,
            text="元気です",
        )
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


async def test_a_reply_closes_a_silence_episode_and_says_so_neutrally(engine: Services) -> None:
    _, _, pid = await setup(engine)
    silence, _ = await signal(engine, pid, EscalationReason.SILENCE)
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        closed = await auto_resolve_on_reply(
            engine, session, person, engine.clock.now(), mood=Mood.LOW
        )
        assert [e.id for e in closed] == [silence]
    assert (await row(engine, silence)).state is EscalationState.AUTO_RESOLVED
    replied = engine.text(
        "ja",
        "escalation.replied",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        escalation_id=silence,
        mood=engine.text("ja", "escalation.replied_mood", mood=engine.text("ja", "mood.low")),
    )
    assert replied in texts(await outbox(engine, chat_id=WORKER))
    assert "大丈夫" not in replied, "the bot does not judge how the person is"


async def test_a_reply_does_not_close_an_episode_that_holds_distress(engine: Services) -> None:
    _, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.SILENCE)
    same, _ = await signal(engine, pid, EscalationReason.DISTRESS)
    assert same == eid
    async with engine.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        assert await auto_resolve_on_reply(engine, session, person, engine.clock.now()) == []
    escalation = await row(engine, eid)
    assert (escalation.state, escalation.priority) == (EscalationState.OPEN, Priority.P1)


async def test_a_step_up_is_a_reminder_with_age_and_who_was_told(engine: Services) -> None:
    _, _, pid = await setup(engine)
    await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    ack_p2 = engine.settings.escalation.ack_p2
    assert await step_up_step(engine, START + ack_p2)
    reminder = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))[-1]
    first = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))[0]
    assert reminder != first
    hours = int(ack_p2.total_seconds() // 3600)
    assert reminder.startswith(f"⏰ 再通知・{hours}時間前から未対応")
    assert reminder.endswith("これまでに知らせた人：まだいません")
    tuesday_9 = START + timedelta(hours=23)
    assert await step_up_step(engine, tuesday_9)
    to_backup = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=BACKUP))[-1]
    assert to_backup.endswith("これまでに知らせた人：Sato")
    assert "23時間前" in to_backup


async def test_a_strangers_crisis_is_an_episode_for_the_coordinators(engine: Services) -> None:
    await setup(engine)
    now = engine.clock.now()
    async with engine.db.transaction() as session:
        opened = await open_for_stranger(engine, session, 777, "Mika", now, update_id=5)
    assert opened.action is MergeAction.OPEN_NEW
    escalation = await row(engine, opened.escalation.id)
    assert (escalation.person_id, escalation.stranger_telegram_id, escalation.priority) == (
        None,
        777,
        Priority.P1,
    )
    assert await notifications(engine, escalation.id) == [(0, COORDINATOR)]
    [notice] = texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=COORDINATOR))
    assert "Mika" in notice and "Telegram 777" in notice
    async with engine.db.transaction() as session:
        again = await open_for_stranger(engine, session, 777, "Mika", now, update_id=6)
    assert (again.escalation.id, again.action) == (escalation.id, MergeAction.JOIN)


async def test_step_up_ladder_with_working_hours(engine: Services) -> None:
    _, _, pid = await setup(engine)
    eid, _ = await signal(engine, pid, EscalationReason.WANTS_CONTACT)
    ack_p2 = engine.settings.escalation.ack_p2
    assert not await step_up_step(engine, START + ack_p2 - timedelta(seconds=1))
    assert await step_up_step(engine, START + ack_p2)  # Monday 14:00
    assert (await row(engine, eid)).level == 1
    # 18:00 is the end of working hours: the backup waits for Tuesday 09:00.
    tuesday_9 = START + timedelta(hours=23)
    assert (await row(engine, eid)).next_step_at == tuesday_9
    assert not await step_up_step(engine, START + 2 * ack_p2)
    assert await step_up_step(engine, tuesday_9)
    assert await step_up_step(engine, tuesday_9 + ack_p2)
    assert not await step_up_step(engine, tuesday_9 + 10 * ack_p2)
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
