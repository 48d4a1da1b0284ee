"""The escalation ladder end to end (PRODUCT.md flow 5): the real runtime against the Bot API
stand-in, on SQLite and PostgreSQL, with the test clock (Monday 10:00 in Tokyo).

Nobody acknowledges within the priority's deadline → the worker is notified again, then the
backup worker, then every coordinator. P2 waits for working hours (09:00-18:00 Mon-Fri,
Tokyo); P1 steps up at any hour. Time only moves through the clock and one tick at a time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import StaffRole
from infra.clock import ControllableClock
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.escalations import Escalation, EscalationNotification
from tests.conftest import START, running_sandbox
from tests.handlers.checkin_helpers import advance, enrol, is_checkin, next_message, no_apology

WORKER = 500
BACKUP = 501
COORDINATOR = 600
COORDINATOR_2 = 601
PERSON = 1001

ACK_P2 = timedelta(hours=4)
ACK_P1 = timedelta(minutes=15)
SATURDAY_10 = START + timedelta(days=5)  # Saturday 10:00 in Tokyo
MONDAY_20 = START + timedelta(hours=10)  # Monday 20:00 in Tokyo
NEXT_MONDAY_9 = START + timedelta(days=7, hours=-1)
TUESDAY_9 = START + timedelta(days=1, hours=-1)


def notices(sb: Sandbox, chat_id: int, escalation_id: int) -> list[SentMessage]:
    """Notifications of this escalation in a chat (as first sent: ack button first)."""
    found = []
    for message in sb.standin.messages_to(chat_id):
        markup = message.edits[0].reply_markup if message.edits else message.reply_markup
        rows = (markup or {}).get("inline_keyboard", [])
        buttons = [b.get("callback_data") for row in rows for b in row]
        if buttons and buttons[0] == f"ack:{escalation_id}":
            found.append(message)
    return found


def counts(sb: Sandbox, escalation_id: int, *chats: int) -> list[int]:
    return [len(notices(sb, chat, escalation_id)) for chat in chats]


async def the_escalation(sb: Sandbox) -> Escalation:
    async with sb.runtime.db.sessions() as session:
        return (await session.execute(select(Escalation).order_by(Escalation.id))).scalars().one()


async def ladder(sb: Sandbox, escalation_id: int) -> list[tuple[int, int]]:
    """(level, staff telegram id) of every notification, in order."""
    from storage.staff import Staff

    async with sb.runtime.db.sessions() as session:
        rows = await session.execute(
            select(EscalationNotification.level, Staff.telegram_id)
            .join(Staff, Staff.id == EscalationNotification.staff_id)
            .where(EscalationNotification.escalation_id == escalation_id)
            .order_by(EscalationNotification.id)
        )
        return [(level, tg) for level, tg in rows]


async def cast(sb: Sandbox, *, backup: bool = True) -> SimulatedUser:
    """Worker Sato, backup Suzuki (optional), coordinators Ito and Kato; Aiko enrolled."""
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    await sb.add_staff(COORDINATOR_2, StaffRole.COORDINATOR, "Kato")
    user = await enrol(sb)
    if backup:
        coordinator = sb.user(COORDINATOR, "Ito")
        await coordinator.send_command("assign", f"{PERSON} {WORKER} {BACKUP}")
        await next_message(sb, COORDINATOR, lambda m: "Suzuki" in (m.text or ""))
        await next_message(sb, WORKER)  # "you are now the worker of ..."
    await sb.settle()
    return user


async def test_silence_steps_up_worker_again_backup_then_every_coordinator(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    user = await cast(sb)
    coordinator = sb.user(COORDINATOR, "Ito")
    worker = sb.user(WORKER, "Sato")
    # Short silence delays so the silence escalation opens on Monday morning.
    changed = sb.runtime.svc.text("ja", "schedule.changed")
    for change in ("nudge 30m", "escalate 1h"):
        await coordinator.send_command("schedule", f"{PERSON} {change}")
        await next_message(sb, COORDINATOR, lambda m: (m.text or "").startswith(changed))
    await worker.send_command("checkin_now", str(PERSON))
    await next_message(sb, PERSON, is_checkin)
    sent_at = sb.runtime.svc.clock.now()
    await advance(sb, sent_at + timedelta(minutes=30))  # the one gentle nudge
    await advance(sb, sent_at + timedelta(hours=1))

    escalation = await the_escalation(sb)
    assert (escalation.reason, escalation.priority, escalation.level) == (
        EscalationReason.SILENCE,
        Priority.P2,
        0,
    )
    opened = escalation.created_at
    [first] = notices(sb, WORKER, escalation.id)
    assert first.buttons[0][1] == f"ack:{escalation.id}", "the first button acknowledges"
    assert first.buttons[1][1] == f"esc:{escalation.id}"
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR, COORDINATOR_2) == [1, 0, 0, 0]

    # Just before the P2 deadline nothing happens.
    await advance(sb, opened + ACK_P2 - timedelta(minutes=1))
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [1, 0, 0]
    # Deadline (Monday 15:00, working hours): the worker again.
    await advance(sb, opened + ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [2, 0, 0]
    assert (await the_escalation(sb)).level == 1
    # Four more hours is 19:00 — after hours: the backup waits for Tuesday 09:00.
    await advance(sb, opened + 2 * ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [2, 0, 0]
    assert (await the_escalation(sb)).next_step_at == TUESDAY_9
    await advance(sb, TUESDAY_9)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [2, 1, 0]
    # Four hours later: every coordinator.
    await advance(sb, TUESDAY_9 + ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR, COORDINATOR_2) == [2, 1, 1, 1]
    escalation = await the_escalation(sb)
    assert escalation.level == 3 and escalation.next_step_at is None
    assert escalation.state is EscalationState.OPEN
    # The top of the ladder: nobody is paged again (re-notification ends there).
    await advance(sb, TUESDAY_9 + 3 * ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR, COORDINATOR_2) == [2, 1, 1, 1]
    assert await ladder(sb, escalation.id) == [
        (0, WORKER),
        (1, WORKER),
        (2, BACKUP),
        (3, COORDINATOR),
        (3, COORDINATOR_2),
    ]
    # A coordinator acknowledges from the notification's first button.
    coordinator_notice = notices(sb, COORDINATOR, escalation.id)[0]
    query = await coordinator.press(coordinator_notice, 0)
    answer = await sb.standin.wait_for_callback_answer(query)
    assert answer.text == sb.runtime.svc.text("ja", "escalation.you_acknowledged")
    await sb.settle()
    assert (await the_escalation(sb)).state is EscalationState.ACKNOWLEDGED
    assert user is not None
    no_apology(sb, PERSON, WORKER, BACKUP, COORDINATOR)


async def test_without_a_backup_the_ladder_goes_straight_to_coordinators(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    user = await cast(sb, backup=False)
    await user.send_command("talk")
    await sb.settle()
    escalation = await the_escalation(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.WANTS_CONTACT, Priority.P2)
    opened = escalation.created_at

    await advance(sb, opened + ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [2, 0, 0]
    await advance(sb, TUESDAY_9)  # 19:00 was after hours
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR, COORDINATOR_2) == [2, 0, 1, 1]
    assert (await the_escalation(sb)).level == 3
    assert [level for level, _ in await ladder(sb, escalation.id)] == [0, 1, 3, 3]
    no_apology(sb, PERSON, WORKER, COORDINATOR)


@pytest.mark.parametrize(
    ("opened_at", "resumes_at"),
    [(SATURDAY_10, NEXT_MONDAY_9), (MONDAY_20, TUESDAY_9)],
    ids=["saturday", "monday-20h"],
)
async def test_p2_outside_working_hours_waits_for_the_next_working_start(
    sandbox: Sandbox, opened_at, resumes_at
) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    assert sb.clock is not None
    sb.clock.set(opened_at)  # type: ignore[attr-defined]
    user = await enrol(sb)
    await user.send_command("talk")
    await sb.settle()
    escalation = await the_escalation(sb)
    assert escalation.priority is Priority.P2
    # The first notification is not held back: the worker sees it at once.
    assert counts(sb, escalation.id, WORKER) == [1]
    assert escalation.next_step_at == resumes_at

    for hours in (4, 8, 12):
        if opened_at + timedelta(hours=hours) < resumes_at:
            await advance(sb, opened_at + timedelta(hours=hours))
    await advance(sb, resumes_at - timedelta(minutes=1))
    assert counts(sb, escalation.id, WORKER, COORDINATOR) == [1, 0]
    assert (await the_escalation(sb)).level == 0
    await advance(sb, resumes_at)
    assert counts(sb, escalation.id, WORKER, COORDINATOR) == [2, 0]
    assert (await the_escalation(sb)).level == 1
    assert (await the_escalation(sb)).next_step_at == resumes_at + ACK_P2
    no_apology(sb, PERSON, WORKER)


async def test_p2_waits_through_a_monday_holiday_and_does_not_step_up_on_it(
    database_url: str, clock: ControllableClock
) -> None:
    """With Japan's holidays on (the suite's default leaves them out): opened on Friday
    20 November 2026 at 15:00, due at 19:00, after hours; Monday 23 is 勤労感謝の日."""
    friday_15 = START - timedelta(days=3, hours=-5)
    clock.set(friday_15)
    async with running_sandbox(
        database_url, clock, {"escalation": {"national_holidays": "jp"}}
    ) as sb:
        await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
        await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
        user = await enrol(sb)
        await user.send_command("talk")
        await sb.settle()
        escalation = await the_escalation(sb)
        assert escalation.priority is Priority.P2
        assert escalation.next_step_at == TUESDAY_9
        await advance(sb, START)  # the holiday, at 10:00
        await advance(sb, START + timedelta(hours=5))
        assert counts(sb, escalation.id, WORKER, COORDINATOR) == [1, 0]
        await advance(sb, TUESDAY_9)
        assert counts(sb, escalation.id, WORKER, COORDINATOR) == [2, 0]
        no_apology(sb, PERSON, WORKER)


async def test_p1_distress_steps_up_at_night(sandbox: Sandbox) -> None:
    sb = sandbox
    assert sb.clock is not None
    night = START + timedelta(days=5, hours=16)  # Sunday 02:00 in Tokyo
    sb.clock.set(night)  # type: ignore[attr-defined]
    user = await cast(sb)
    await user.send_text("死にたい")
    await sb.settle()
    escalation = await the_escalation(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.DISTRESS, Priority.P1)
    opened = escalation.created_at
    # Distress reaches the worker, the backup and every coordinator at once.
    everyone = (WORKER, BACKUP, COORDINATOR, COORDINATOR_2)
    assert counts(sb, escalation.id, *everyone) == [1, 1, 1, 1]

    await advance(sb, opened + ACK_P1 - timedelta(seconds=1))
    assert counts(sb, escalation.id, *everyone) == [1, 1, 1, 1]
    await advance(sb, opened + ACK_P1)
    assert counts(sb, escalation.id, *everyone) == [2, 1, 1, 1]
    await advance(sb, opened + 2 * ACK_P1)
    assert counts(sb, escalation.id, *everyone) == [2, 2, 1, 1]
    await advance(sb, opened + 3 * ACK_P1)
    assert counts(sb, escalation.id, *everyone) == [2, 2, 2, 2]
    await advance(sb, opened + 6 * ACK_P1)
    assert counts(sb, escalation.id, *everyone) == [2, 2, 2, 2]
    assert (await the_escalation(sb)).level == 3
    no_apology(sb, PERSON, WORKER, BACKUP, COORDINATOR)


async def test_an_acknowledged_escalation_stops_the_ladder(sandbox: Sandbox) -> None:
    sb = sandbox
    user = await cast(sb)
    await user.send_command("talk")
    await sb.settle()
    escalation = await the_escalation(sb)
    [notice] = notices(sb, WORKER, escalation.id)
    query = await sb.user(WORKER, "Sato").press(notice, 0)
    await sb.standin.wait_for_callback_answer(query)
    await sb.settle()
    acknowledged = await the_escalation(sb)
    assert acknowledged.state is EscalationState.ACKNOWLEDGED
    assert acknowledged.next_step_at is None

    await advance(sb, escalation.created_at + ACK_P2)
    await advance(sb, TUESDAY_9 + 2 * ACK_P2)
    assert counts(sb, escalation.id, WORKER, BACKUP, COORDINATOR) == [1, 0, 0]
    no_apology(sb, PERSON, WORKER)
