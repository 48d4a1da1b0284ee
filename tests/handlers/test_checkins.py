"""Check-ins end to end: the real runtime, the Bot API stand-in, SQLite and PostgreSQL.

PRODUCT.md flows 2 and 3: a scheduled check-in with five moods (best to worst) and "I'd
like to talk"; a press is answered, shown and acknowledged; silence brings one nudge, then
the worker; a late reply says "all clear". Delivery survives 429s, 5xx, blocks and a restart.
"""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from domain.escalation import EscalationReason, EscalationState, Priority
from domain.mood import MOOD_KEYS
from domain.people import PersonStatus, StaffRole
from infra.clock import ControllableClock
from standin.sandbox import Sandbox, sandbox_settings
from storage.checkins import CheckinState
from storage.outbox import OutboxState, Purpose
from tests.conftest import START, fast_pacing
from tests.handlers.checkin_helpers import (
    COORDINATOR,
    OTHER,
    OTHER_WORKER,
    PERSON,
    TUESDAY,
    WORKER,
    advance,
    cadence_rows,
    checkin_rows,
    checkins_in,
    enrol,
    escalation_rows,
    has_ack_button,
    is_checkin,
    next_message,
    no_apology,
    outbox_rows,
    person_row,
    staffed,
    text,
    variants,
    worker_hears,
)
from tests.scheduler import pg_shared
from usecases.working_hours import talk_acknowledgement

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


def talk_ok(sb: Sandbox, language: str) -> str:
    """/talk's answer: it names the worker and when workers usually reply, never "at once"."""
    svc = sb.runtime.svc
    return talk_acknowledgement(svc.catalog, language, svc.settings.escalation, "Sato")


async def test_a_scheduled_check_in_and_a_mood_press(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    assert checkins_in(sb, PERSON) == []

    await advance(sb, TUESDAY)
    checkin = await next_message(sb, PERSON, is_checkin)
    original = checkin.text  # the stand-in's message object shows later edits
    assert original in variants(sb, "ja", "checkin.morning")
    [row] = await checkin_rows(sb)
    assert row.state is CheckinState.SENT and row.message_id == checkin.message_id
    # The contract scripts rely on: five moods best to worst, then "I'd like to talk".
    assert [data for _, data in checkin.buttons] == [
        f"mood:{row.id}:{key}" for key in MOOD_KEYS
    ] + [f"talk:{row.id}"]
    assert [label for label, _ in checkin.buttons] == [
        text(sb, "ja", f"mood.{key}") for key in MOOD_KEYS
    ] + [text(sb, "ja", "checkin.talk_button")]

    # Two presses in quick succession (a double tap, or a late second thought).
    first = await user.press(checkin, 1)
    second = await user.press(checkin, 4)
    answer = await sb.standin.wait_for_callback_answer(first)
    assert not answer.text
    edited = await sb.standin.wait_for_edit(PERSON, lambda m: m.message_id == checkin.message_id)
    assert edited.text == text(
        sb, "ja", "checkin.answered", original=original, mood=text(sb, "ja", "mood.good")
    )
    assert edited.buttons == [], "the answered check-in cannot be pressed again"
    ack = await next_message(sb, PERSON)
    assert ack.text in variants(sb, "ja", "ack.good")
    late = await sb.standin.wait_for_callback_answer(second)
    assert late.text == text(sb, "ja", "checkin.already_answered")
    await sb.settle()

    [row] = await checkin_rows(sb)
    assert (row.state, row.mood) == (CheckinState.REPLIED, 2), "the first answer counts, once"
    acks = [m for m in sb.standin.messages_to(PERSON) if m.text in variants(sb, "ja", "ack.good")]
    assert len(acks) == 1
    assert not any(m.text in variants(sb, "ja", "ack.bad") for m in sb.standin.messages_to(PERSON))
    person = await person_row(sb)
    assert person.last_reply_at == TUESDAY
    no_apology(sb, PERSON, WORKER)


async def test_asking_to_talk_reaches_the_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    user = await enrol(sb)
    await advance(sb, TUESDAY)
    checkin = await next_message(sb, PERSON, is_checkin)

    query = await user.press(checkin, 5)  # "I'd like to talk"
    reply = (await next_message(sb, PERSON)).text or ""
    assert reply == talk_ok(sb, "ja")
    assert "Satoさんに伝えます" in reply and "平日の9:00〜18:00" in reply
    await sb.standin.wait_for_callback_answer(query)
    notice = await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.state) == (
        EscalationReason.WANTS_CONTACT,
        EscalationState.OPEN,
    )
    assert notice.buttons[0][1] == f"ack:{escalation.id}"
    assert f"#{escalation.id}" in (notice.text or "")
    assert (await checkin_rows(sb))[0].state is CheckinState.REPLIED, "a press is a reply"

    # /talk again while it is open joins the same escalation.
    await user.send_command("talk")
    assert (await next_message(sb, PERSON)).text == talk_ok(sb, "ja")
    await sb.settle()
    assert len(await escalation_rows(sb)) == 1

    # The notification's first button acknowledges it.
    ack = await worker.press(notice, 0)
    answer = await sb.standin.wait_for_callback_answer(ack)
    assert answer.text == text(sb, "ja", "escalation.you_acknowledged")
    await sb.settle()
    [escalation] = await escalation_rows(sb)
    assert escalation.state is EscalationState.ACKNOWLEDGED
    no_apology(sb, PERSON, WORKER)


async def test_the_talk_command_alone_opens_wants_contact(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language="en")
    await user.send_command("talk")
    assert (await next_message(sb, PERSON)).text == talk_ok(sb, "en")
    notice = await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert escalation.reason is EscalationReason.WANTS_CONTACT
    assert notice.buttons[0][1] == f"ack:{escalation.id}"


async def test_silence_nudge_escalation_and_all_clear(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await advance(sb, TUESDAY)
    await next_message(sb, PERSON, is_checkin)

    nudges = variants(sb, "ja", "nudge.text")
    await advance(sb, TUESDAY + timedelta(hours=6))
    assert (await next_message(sb, PERSON)).text in nudges
    await advance(sb, TUESDAY + timedelta(hours=7))
    assert len([m for m in sb.standin.messages_to(PERSON) if m.text in nudges]) == 1
    assert await escalation_rows(sb) == []

    # Two days after the check-in: the worker is told, with the acknowledge button first.
    await advance(sb, TUESDAY + timedelta(days=2))
    notice = await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.SILENCE, Priority.P2)
    assert notice.buttons[0][1] == f"ack:{escalation.id}"
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE, "silence lowers nothing"

    # Check-ins go on (つながり続ける) and nothing is opened twice.
    await advance(sb, TUESDAY + timedelta(days=3))
    await next_message(sb, PERSON, is_checkin)
    assert len(await escalation_rows(sb)) == 1

    # A late reply (a sticker is a sign of life too) closes it; the worker hears, neutrally,
    # that the person replied.
    await user.send_sticker()
    assert (await next_message(sb, PERSON)).text in variants(sb, "ja", "ack.text")
    await worker_hears(
        sb,
        "escalation.replied",
        person=f"Aikoさん（ID {person.id}）",
        person_id=person.id,
        escalation_id=escalation.id,
        mood="",
    )
    edited = await sb.standin.wait_for_edit(WORKER, lambda m: m.message_id == notice.message_id)
    assert text(sb, "ja", "escalation.replied_edit") in (edited.text or "")
    assert edited.buttons == []
    [escalation] = await escalation_rows(sb)
    assert escalation.state is EscalationState.AUTO_RESOLVED
    no_apology(sb, PERSON, WORKER)


async def test_a_429_storm_delays_but_delivers_exactly_once(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    await enrol(sb, PERSON, "Aiko")
    await enrol(sb, OTHER, "Ken")
    fault = sb.standin.faults.add(method="sendMessage", kind="retry_after", retry_after=5, count=4)

    await advance(sb, TUESDAY)
    for _ in range(20):
        if checkins_in(sb, PERSON) and checkins_in(sb, OTHER):
            break
        await advance(sb, timedelta(seconds=6))
    await sb.settle()
    assert fault.fired == 4
    assert len(checkins_in(sb, PERSON)) == 1
    assert len(checkins_in(sb, OTHER)) == 1
    rows = [r for r in await outbox_rows(sb) if r.purpose is Purpose.CHECKIN]
    assert len(rows) == 2 and all(r.state is OutboxState.SENT for r in rows)
    assert sum(r.attempts for r in rows) == 2 + 4
    assert all(c.state is CheckinState.SENT for c in await checkin_rows(sb))
    assert sb.standin.violations == []


async def test_a_server_error_is_retried(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    await enrol(sb)
    fault = sb.standin.faults.add(
        method="sendMessage", kind="server_error", count=2, chat_id=PERSON
    )
    await advance(sb, TUESDAY)
    for _ in range(10):
        if checkins_in(sb, PERSON):
            break
        await advance(sb, timedelta(seconds=5))
    assert fault.fired == 2
    assert len(checkins_in(sb, PERSON)) == 1
    [row] = [r for r in await outbox_rows(sb) if r.purpose is Purpose.CHECKIN]
    assert (row.state, row.attempts) == (OutboxState.SENT, 3)


async def test_a_blocked_person_becomes_unreachable_and_comes_back(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    sb.standin.block(PERSON)  # sends now fail with 403, no update announces it

    await advance(sb, TUESDAY)
    notice = await next_message(sb, WORKER, has_ack_button)
    person = await person_row(sb)
    assert person.status is PersonStatus.UNREACHABLE
    [escalation] = await escalation_rows(sb)
    assert escalation.reason is EscalationReason.UNREACHABLE
    assert notice.buttons[0][1] == f"ack:{escalation.id}"
    assert text(sb, "ja", "reason.unreachable") in (notice.text or "")
    [row] = await checkin_rows(sb)
    assert row.state is CheckinState.QUEUED and row.sent_at is None

    # Unreachable people are not dispatched to.
    await advance(sb, TUESDAY + timedelta(days=1))
    assert len(await checkin_rows(sb)) == 1

    await user.unblock()
    await worker_hears(
        sb,
        "escalation.replied",
        person=f"Aikoさん（ID {person.id}）",
        person_id=person.id,
        escalation_id=escalation.id,
        mood="",
    )
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE
    assert person.next_checkin_at is not None and person.next_checkin_at > sb.clock.now()  # type: ignore[union-attr]
    [escalation] = await escalation_rows(sb)
    assert escalation.state is EscalationState.AUTO_RESOLVED
    await advance(sb, person.next_checkin_at + timedelta(minutes=1))
    await next_message(sb, PERSON, is_checkin)
    no_apology(sb, WORKER)


async def test_blocking_the_bot_in_telegram_tells_the_worker_at_once(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.block()
    notice = await next_message(sb, WORKER, has_ack_button)
    assert text(sb, "ja", "reason.unreachable") in (notice.text or "")
    assert (await person_row(sb)).status is PersonStatus.UNREACHABLE
    await user.block()  # a repeated update opens nothing new
    await sb.settle()
    assert len(await escalation_rows(sb)) == 1


async def test_checkin_now_only_by_the_persons_staff(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    other_worker = sb.user(OTHER_WORKER, "Suzuki")
    coordinator = sb.user(COORDINATOR, "Ito")
    user = await enrol(sb)
    person = await person_row(sb)

    await other_worker.send_command("checkin_now", str(PERSON))
    await worker_hears(sb, "staff.unknown_person", chat_id=OTHER_WORKER, ref=str(PERSON))
    await user.send_command("checkin_now", str(PERSON))
    assert (await next_message(sb, PERSON)).text == text(sb, "ja", "common.staff_only")
    await sb.settle()
    assert checkins_in(sb, PERSON) == []

    await worker.send_command("checkin_now", str(PERSON))
    await worker_hears(sb, "checkin_now.queued", person_id=person.id)
    await next_message(sb, PERSON, is_checkin)
    # A coordinator may too, by the internal id.
    await coordinator.send_command("checkin_now", str(person.id))
    await worker_hears(sb, "checkin_now.queued", chat_id=COORDINATOR, person_id=person.id)
    await next_message(sb, PERSON, is_checkin)
    await worker.send_command("checkin_now")
    await worker_hears(sb, "checkin_now.usage")
    await sb.settle()
    assert len(checkins_in(sb, PERSON)) == 2
    no_apology(sb, PERSON, WORKER, OTHER_WORKER, COORDINATOR)


async def test_two_low_moods_tighten_the_cadence_and_tell_the_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    for day, index in ((0, 3), (1, 4)):  # "low", then "really hard"
        await advance(sb, TUESDAY + timedelta(days=day))
        checkin = await next_message(sb, PERSON, is_checkin)
        await user.press(checkin, index)
        await next_message(sb, PERSON, lambda m: not m.buttons)
    await sb.settle()
    [change] = await cadence_rows(sb)
    assert (change.from_level, change.to_level, change.reason) == ("base", "close", "low_moods")
    person = await person_row(sb)
    assert person.cadence_level == "close"
    await worker_hears(
        sb,
        "cadence.changed",
        person=f"Aikoさん（ID {person.id}）",
        person_id=person.id,
        level=text(sb, "ja", "cadence.level.close"),
        reason=text(sb, "ja", "cadence.reason.low_moods"),
    )


async def test_a_restart_between_dispatch_and_delivery_loses_and_repeats_nothing(
    database_url: str, clock: ControllableClock
) -> None:

    sb = Sandbox(database_url=database_url, clock=clock)
    await sb.start()
    try:
        sb.runtime.deliverer.monotonic = fast_pacing()
        await staffed(sb)
        ids = (PERSON, OTHER, 1003)
        for user_id in ids:
            await enrol(sb, user_id, f"U{user_id}")
        # Delivery is held: dispatch writes the check-ins and their outbox rows, no send.
        sb.runtime.deliverer.paused_until = START + timedelta(days=365)
        clock.set(TUESDAY)
        await sb.runtime.tick()
        pending = [r for r in await outbox_rows(sb) if r.purpose is Purpose.CHECKIN]
        assert len(pending) == 3 and all(r.state is OutboxState.PENDING for r in pending)
        await sb.runtime.stop()  # the process goes away; the stand-in (Telegram) stays

        runtime = Runtime(
            sandbox_settings(database_url=database_url, base_url=sb.standin.base_url),
            clock=clock,
        )
        sb._runtime = runtime
        await runtime.start()
        runtime.deliverer.monotonic = fast_pacing()
        await runtime.tick()
        await sb.settle()
        for user_id in ids:
            await next_message(sb, user_id, is_checkin)
        # Another tick at the same time, and a later one: nothing is sent twice.
        await runtime.tick()
        await advance(sb, TUESDAY + timedelta(minutes=5))
        for user_id in ids:
            assert len(checkins_in(sb, user_id)) == 1
        rows = await checkin_rows(sb)
        assert len(rows) == 3 and all(r.state is CheckinState.SENT for r in rows)
        assert sb.standin.violations == []
    finally:
        await sb.stop()
