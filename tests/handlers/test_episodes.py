"""Nobody in crisis is left alone (issue 9), end to end against the stand-in, SQLite and
PostgreSQL: one episode per person that later reasons join, a relay that acknowledges and
holds the step-up, a stranger's crisis, and messages written outside a check-in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import StaffRole
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.escalations import EscalationReasonEntry
from storage.inbound import PersonMessage
from tests.handlers.checkin_helpers import (
    PERSON,
    WORKER,
    advance,
    enrol,
    escalation_rows,
    has_ack_button,
    next_message,
    no_apology,
    person_row,
    staffed,
    text,
    variants,
)
from tests.handlers.test_distress import assert_crisis_card

COORDINATOR = 600
STRANGER = 9001


async def reasons(sb: Sandbox, escalation_id: int) -> list[EscalationReason]:
    async with sb.runtime.db.sessions() as session:
        rows = await session.execute(
            select(EscalationReasonEntry.reason)
            .where(EscalationReasonEntry.escalation_id == escalation_id)
            .order_by(EscalationReasonEntry.id)
        )
        return list(rows.scalars())


async def test_talk_during_a_p1_joins_the_episode(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.send_text("もう消えたい")
    assert_crisis_card(await next_message(sb, PERSON))
    await next_message(sb, WORKER, has_ack_button)
    await user.send_command("talk")
    await next_message(sb, PERSON)
    joined = await next_message(sb, WORKER, lambda m: "加わりました" in (m.text or ""))
    assert text(sb, "ja", "reason.wants_contact") in (joined.text or "")
    [episode] = await escalation_rows(sb)
    assert (episode.priority, episode.state) == (Priority.P1, EscalationState.OPEN)
    assert await reasons(sb, episode.id) == [
        EscalationReason.DISTRESS,
        EscalationReason.WANTS_CONTACT,
    ]
    no_apology(sb, PERSON, WORKER)


async def test_relay_acknowledges_and_holds_the_step_up(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    user = await enrol(sb)
    await user.send_text("もう消えたい")
    await next_message(sb, WORKER, has_ack_button)
    [episode] = await escalation_rows(sb)
    await worker.send_command("relay", f"{episode.id} いま話せますか？")
    relayed = await next_message(sb, PERSON, lambda m: "いま話せますか" in (m.text or ""))
    assert relayed.text == text(sb, "ja", "relay.to_person", worker="Sato", text="いま話せますか？")
    done = await next_message(sb, WORKER, lambda m: "送りました" in (m.text or ""))
    assert text(sb, "ja", "relay.acknowledged", id=episode.id) in (done.text or "")
    [held] = await escalation_rows(sb)
    assert (held.state, held.next_step_at) == (EscalationState.ACKNOWLEDGED, None)
    before = len(sb.standin.messages_to(WORKER))
    await advance(sb, sb.runtime.svc.settings.escalation.ack_p1 * 3)
    reminders = [m for m in sb.standin.messages_to(WORKER)[before:] if "再通知" in (m.text or "")]
    assert reminders == [], "no step-up while the worker is talking with the person"
    no_apology(sb, PERSON, WORKER)


async def test_a_strangers_crisis_gets_the_lines_and_the_coordinators_are_told(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    stranger = sb.user(STRANGER, "Mika")
    await stranger.send_text("もう消えたい")
    assert_crisis_card(await next_message(sb, STRANGER))
    notice = await next_message(sb, COORDINATOR, has_ack_button)
    assert "Mika" in (notice.text or "") and f"Telegram {STRANGER}" in (notice.text or "")
    [episode] = await escalation_rows(sb)
    assert (episode.person_id, episode.stranger_telegram_id, episode.priority) == (
        None,
        STRANGER,
        Priority.P1,
    )
    async with sb.runtime.db.sessions() as session:
        [kept] = (await session.execute(select(PersonMessage))).scalars().all()
    assert (kept.person_id, kept.stranger_telegram_id, kept.text) == (
        None,
        STRANGER,
        "もう消えたい",
    )
    # The coordinator can answer from the queue; the stranger is written to directly.
    coordinator = sb.user(COORDINATOR, "Ito")
    await coordinator.send_command("relay", f"{episode.id} 大丈夫ですか、ここにいます")
    await next_message(sb, STRANGER, lambda m: "ここにいます" in (m.text or ""))
    # Their answer comes back to the coordinator talking with them.
    await stranger.send_text("ありがとう、少し落ち着きました")
    back = await next_message(sb, COORDINATOR, lambda m: "落ち着きました" in (m.text or ""))
    assert f"Telegram {STRANGER}" in (back.text or "")
    no_apology(sb, STRANGER, COORDINATOR)


async def test_a_strangers_ordinary_message_creates_nothing(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    stranger = sb.user(STRANGER, "Mika")
    await stranger.send_text("こんにちは、これは何ですか")
    intro = await next_message(sb, STRANGER)
    assert intro.text == text(sb, "ja", "stranger.intro")
    await sb.settle()
    assert await escalation_rows(sb) == []
    async with sb.runtime.db.sessions() as session:
        assert (await session.execute(select(PersonMessage))).scalars().all() == []


async def test_a_free_message_gets_one_acknowledgement_and_shows_as_unread(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    worker = await staffed(sb)
    user = await enrol(sb)
    await advance(sb, timedelta(minutes=10))
    before = len(sb.standin.messages_to(PERSON))
    for line in ("きょうは天気がいいです", "散歩に行きました", "また書きます"):
        await user.send_text(line)
    await sb.settle()
    replies = sb.standin.messages_to(PERSON)[before:]
    assert [m.text in variants(sb, "ja", "ack.free") for m in replies] == [True]
    person = await person_row(sb)

    await worker.send_command("people")
    listing = await next_message(sb, WORKER, lambda m: "Aiko" in (m.text or ""))
    assert text(sb, "ja", "queue.unread", count=3) in (listing.text or "")
    await worker.send_command("person", str(person.id))
    record = await next_message(sb, WORKER, lambda m: "Telegram" in (m.text or ""))
    assert text(sb, "ja", "person_cmd.unread", count=3) in (record.text or "")
    assert "散歩に行きました" in (record.text or "")
    async with sb.runtime.db.sessions() as session:
        audit = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "person.read"))
        ).scalar_one()
    assert audit.person_id == person.id and '"marked_read": 3' in (audit.detail or "")
    await worker.send_command("people")
    again = await next_message(sb, WORKER, lambda m: "Aiko" in (m.text or ""))
    assert "未読" not in (again.text or "")
    # Later, a new line after the quiet spell gets its own acknowledgement.
    await advance(sb, timedelta(minutes=10))
    await user.send_text("こんばんは")
    assert (await next_message(sb, PERSON)).text in variants(sb, "ja", "ack.free")
    no_apology(sb, PERSON, WORKER)
