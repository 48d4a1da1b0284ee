"""Silence (待つ): at most one gentle nudge, then one `silence` escalation; a later reply
closes it with an "all clear"; silence never stops the check-ins (つながり続ける).

PRODUCT.md flow 3. The steps run directly on the test clock; SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import PersonStatus
from infra.clock import ControllableClock
from scheduler.dispatch import dispatch_all_due
from scheduler.silence import nudge_step, silence_escalation_step
from storage.checkins import CheckinState
from storage.db import Database
from storage.outbox import Purpose
from storage.people import Person
from tests.conftest import START
from tests.scheduler import pg_shared
from tests.scheduler.engine import (
    WORKER,
    add_person,
    add_staff,
    checkins,
    deliver_checkins,
    engine_services,
    escalations,
    get_person,
    outbox,
    texts,
)
from usecases.buttons import ButtonKind, button_data
from usecases.checkins import checkin_now, sign_of_life
from usecases.escalations import open_or_join
from usecases.services import Services

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite

NUDGE_AFTER = timedelta(hours=6)  # the defaults
ESCALATE_AFTER = timedelta(days=2)


async def run_steps(svc: Services) -> None:
    now = svc.clock.now()
    await dispatch_all_due(svc, now)
    await nudge_step(svc, now)
    await silence_escalation_step(svc, now)


def move(svc: Services, to: datetime) -> None:
    svc.clock.set(to)  # type: ignore[attr-defined]


async def a_sent_check_in(svc: Services, **person_fields: object) -> int:
    worker = await add_staff(svc)
    person_id = await add_person(svc, worker, 1001, name="Aiko", **person_fields)
    await dispatch_all_due(svc, svc.clock.now())
    assert len(await deliver_checkins(svc)) == 1
    return person_id


async def reply(svc: Services, person_id: int) -> None:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await sign_of_life(svc, session, person, svc.clock.now())


async def test_one_nudge_after_nudge_after_and_never_a_second(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    [checkin] = await checkins(engine)
    assert checkin.state is CheckinState.SENT
    assert checkin.nudge_due_at == START + NUDGE_AFTER

    move(engine, START + NUDGE_AFTER - timedelta(minutes=1))
    await run_steps(engine)
    assert await outbox(engine, purpose=Purpose.NUDGE) == []

    move(engine, START + NUDGE_AFTER)
    await run_steps(engine)
    [nudge] = await outbox(engine, purpose=Purpose.NUDGE)
    assert nudge.chat_id == 1001 and nudge.person_id == person_id
    assert texts([nudge])[0] in engine.catalog.variants("ja", "nudge.text")

    for hours in (1, 2, 5):
        move(engine, START + NUDGE_AFTER + timedelta(hours=hours))
        await run_steps(engine)
    assert len(await outbox(engine, purpose=Purpose.NUDGE)) == 1
    [checkin] = await checkins(engine)
    assert checkin.nudged_at == START + NUDGE_AFTER and checkin.nudge_due_at is None


async def test_no_nudge_when_the_person_replied(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    move(engine, START + timedelta(hours=1))
    await reply(engine, person_id)
    for hours in (6, 7, 24, 49):
        move(engine, START + timedelta(hours=hours))
        await nudge_step(engine, engine.clock.now())
        await silence_escalation_step(engine, engine.clock.now())
    assert await outbox(engine, purpose=Purpose.NUDGE) == []
    assert await escalations(engine) == []


async def test_a_nudge_due_in_quiet_hours_waits_for_their_end(engine: Services) -> None:
    worker = await add_staff(engine)
    person_id = await add_person(engine, worker, 1001, next_checkin_at=START + timedelta(days=1))
    # A check-in sent at 18:00 Tokyo: its nudge falls due at 00:00, inside quiet hours 22-07.
    evening = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    move(engine, evening)
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await checkin_now(engine, session, person, evening)
    await deliver_checkins(engine)

    midnight = evening + NUDGE_AFTER
    move(engine, midnight)
    await nudge_step(engine, midnight)
    assert await outbox(engine, purpose=Purpose.NUDGE) == []
    seven = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Tuesday 07:00 Tokyo
    [checkin] = await checkins(engine)
    assert checkin.nudge_due_at == seven, "moved to the end of quiet hours"

    move(engine, seven - timedelta(minutes=1))
    await nudge_step(engine, engine.clock.now())
    assert await outbox(engine, purpose=Purpose.NUDGE) == []
    move(engine, seven)
    await nudge_step(engine, seven)
    assert len(await outbox(engine, purpose=Purpose.NUDGE)) == 1


async def test_silence_opens_one_escalation_and_tells_the_worker(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    person = await get_person(engine, person_id)
    assert person.silence_due_at == START + ESCALATE_AFTER

    move(engine, START + ESCALATE_AFTER - timedelta(minutes=1))
    await silence_escalation_step(engine, engine.clock.now())
    assert await escalations(engine) == []

    move(engine, START + ESCALATE_AFTER)
    for _ in range(3):
        await silence_escalation_step(engine, engine.clock.now())
    [escalation] = await escalations(engine)
    assert (escalation.reason, escalation.state) == (
        EscalationReason.SILENCE,
        EscalationState.OPEN,
    )
    assert escalation.priority is Priority.P2
    [notice] = await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)
    first_button = notice.params()["reply_markup"]["inline_keyboard"][0][0]
    assert first_button["callback_data"] == button_data(ButtonKind.ACK, escalation.id)
    assert f"#{escalation.id}" in texts([notice])[0]

    # The same reason again (another code path, a race) joins the open one.
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await open_or_join(engine, session, person, EscalationReason.SILENCE, engine.clock.now())
    assert len(await escalations(engine)) == 1


async def test_silence_never_stops_check_ins_and_escalates_once(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    # A week of silence: every day's check-in is still dispatched and sent.
    for day in range(1, 8):
        for hours in (0, 6, 12):
            move(engine, START + timedelta(days=day, hours=hours))
            await run_steps(engine)
            await deliver_checkins(engine)
    rows = await checkins(engine, person_id)
    assert len(rows) == 8
    assert all(c.state is CheckinState.SENT for c in rows)
    person = await get_person(engine, person_id)
    assert person.status is PersonStatus.ACTIVE
    assert person.next_checkin_at == START + timedelta(days=8)
    [escalation] = await escalations(engine)
    assert escalation.reason is EscalationReason.SILENCE
    # One nudge per check-in at most, and none for a check-in superseded by a newer one.
    assert len(await outbox(engine, purpose=Purpose.NUDGE)) <= len(rows)
    assert len([c for c in rows if c.nudged_at is not None]) == len(
        await outbox(engine, purpose=Purpose.NUDGE)
    )


async def test_a_later_reply_auto_resolves_and_says_the_person_replied(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    move(engine, START + ESCALATE_AFTER)
    await silence_escalation_step(engine, engine.clock.now())
    [opened] = await escalations(engine)

    move(engine, START + ESCALATE_AFTER + timedelta(hours=3))
    await reply(engine, person_id)

    [closed] = await escalations(engine)
    assert closed.state is EscalationState.AUTO_RESOLVED
    assert closed.open_key is None and closed.resolved_at == engine.clock.now()
    expected = engine.text(
        "ja",
        "escalation.replied",
        person=f"Aikoさん（ID {person_id}）",
        person_id=person_id,
        escalation_id=opened.id,
        mood="",
    )
    assert expected in texts(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER))
    person = await get_person(engine, person_id)
    assert person.silent_since is None and person.silence_due_at is None

    # A new silence after the reply is a new episode: one new escalation, not zero.
    for day in (3, 4, 5, 6):
        move(engine, START + timedelta(days=day))
        await run_steps(engine)
        await deliver_checkins(engine)
    reasons = [(e.reason, e.state) for e in await escalations(engine)]
    assert reasons == [
        (EscalationReason.SILENCE, EscalationState.AUTO_RESOLVED),
        (EscalationReason.SILENCE, EscalationState.OPEN),
    ]


async def test_paused_people_are_neither_nudged_nor_escalated(engine: Services) -> None:
    person_id = await a_sent_check_in(engine)
    async with engine.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.status = PersonStatus.PAUSED
    for hours in (6, 48, 72):
        move(engine, START + timedelta(hours=hours))
        await run_steps(engine)
    assert await outbox(engine, purpose=Purpose.NUDGE) == []
    assert await escalations(engine) == []
    assert len(await checkins(engine)) == 1, "no check-ins while paused"


async def test_an_overdue_nudge_does_not_follow_a_newer_check_in(engine: Services) -> None:
    """Only the newest check-in is nudged (bot/checkins.checkins_sent): an older one's
    nudge arriving with a newer question reads as pressure (待つ)."""
    await a_sent_check_in(engine)  # Monday 10:00; its nudge is due at 16:00
    # The bot is down from Monday 15:00 until Tuesday 10:05 and ticks once it is back.
    move(engine, START + timedelta(days=1, minutes=5))
    await run_steps(engine)
    assert len(await outbox(engine, purpose=Purpose.CHECKIN)) == 2, "Tuesday's goes out"
    assert await outbox(engine, purpose=Purpose.NUDGE) == []


async def answer_days(svc: Services, person_id: int, days: int, after: timedelta) -> None:
    """A check-in a day, each answered `after` it went out (the dispatch, delivery and
    reply paths, as in production)."""
    for _ in range(days):
        person = await get_person(svc, person_id)
        assert person.next_checkin_at is not None
        move(svc, person.next_checkin_at)
        await dispatch_all_due(svc, svc.clock.now())
        assert len(await deliver_checkins(svc)) == 1
        move(svc, svc.clock.now() + after)
        await reply(svc, person_id)


async def test_the_persons_own_rhythm_sets_nudge_and_silence_and_the_worker_sees_why(
    engine: Services,
) -> None:
    """Issue 13, item 5: someone who always answers within the hour is nudged after their
    usual delay and the worker hears of a silence after three times it (at least the
    organisation's 12 h), told why; until five replies, the configured delays."""
    person_id = await a_sent_check_in(engine)
    move(engine, START + timedelta(minutes=40))
    await reply(engine, person_id)
    await answer_days(engine, person_id, 3, timedelta(minutes=30))
    assert (await get_person(engine, person_id)).usual_reply_s is None  # four replies
    await answer_days(engine, person_id, 1, timedelta(minutes=50))
    # Five replies: 40, 30, 30, 30, 50 minutes; the 90th percentile is 50 minutes.
    assert (await get_person(engine, person_id)).usual_reply_s == 50 * 60

    person = await get_person(engine, person_id)
    assert person.next_checkin_at is not None
    sent = person.next_checkin_at
    move(engine, sent)
    await dispatch_all_due(engine, sent)
    [checkin_id] = await deliver_checkins(engine)
    [checkin] = [c for c in await checkins(engine, person_id) if c.id == checkin_id]
    assert checkin.nudge_due_at == sent + timedelta(hours=1)  # never within the hour
    person = await get_person(engine, person_id)
    assert person.silence_due_at == sent + timedelta(hours=12)  # 3 x 50 min, raised to 12 h

    move(engine, sent + timedelta(hours=1))
    await nudge_step(engine, engine.clock.now())
    assert len(await outbox(engine, purpose=Purpose.NUDGE)) == 1
    move(engine, sent + timedelta(hours=12))
    await silence_escalation_step(engine, engine.clock.now())
    [escalation] = await escalations(engine)
    assert escalation.reason is EscalationReason.SILENCE
    [notice] = await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)
    usual = engine.text("ja", "duration.minutes", minutes=50)
    silent = engine.text("ja", "duration.hours", hours=12)
    assert texts([notice])[0].endswith(engine.text("ja", "rhythm.line", usual=usual, silent=silent))


async def test_no_rhythm_when_the_organisation_switches_it_off(
    db: Database, clock: ControllableClock
) -> None:
    svc = engine_services(db, clock, checkin__rhythm_replies=0)
    person_id = await a_sent_check_in(svc)
    move(svc, START + timedelta(minutes=40))
    await reply(svc, person_id)
    await answer_days(svc, person_id, 6, timedelta(minutes=30))
    person = await get_person(svc, person_id)
    assert person.usual_reply_s is None
    assert person.next_checkin_at is not None
    move(svc, person.next_checkin_at)
    await dispatch_all_due(svc, svc.clock.now())
    await deliver_checkins(svc)
    assert (await get_person(svc, person_id)).silence_due_at == svc.clock.now() + ESCALATE_AFTER


async def test_two_instances_at_once_nudge_and_escalate_once(engine: Services) -> None:
    """Overlapping ticks (two worker instances on PostgreSQL): one nudge, one escalation."""
    person_id = await a_sent_check_in(engine)
    move(engine, START + NUDGE_AFTER)
    await asyncio.gather(*(nudge_step(engine, engine.clock.now()) for _ in range(3)))
    assert len(await outbox(engine, purpose=Purpose.NUDGE)) == 1
    move(engine, START + ESCALATE_AFTER)
    await asyncio.gather(*(silence_escalation_step(engine, engine.clock.now()) for _ in range(3)))
    assert len(await escalations(engine, person_id)) == 1
    assert len(await outbox(engine, purpose=Purpose.NOTIFY, chat_id=WORKER)) == 1
