"""Distress end to end (safety first): a critical message gets crisis lines at once, emergency
numbers first, and a P1 escalation; a concern gets a gentle word and P2; a failing classifier
still counts as concern. PRODUCT.md flow 4; SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.escalation import EscalationReason, EscalationState, Priority
from infra.clock import ControllableClock
from signals import Severity
from signals.crisis import Situation
from standin.models import SentMessage
from standin.sandbox import Sandbox
from storage.inbound import PersonMessage
from storage.outbox import OutboxRepository
from storage.people import Person
from tests.conftest import running_sandbox
from tests.handlers.checkin_helpers import (
    PERSON,
    WORKER,
    advance,
    cadence_rows,
    enrol,
    escalation_rows,
    has_ack_button,
    is_checkin,
    next_message,
    no_apology,
    person_row,
    staffed,
    text,
    variants,
)
from tests.scheduler import pg_shared
from usecases.crisis_reply import crisis_reply_message

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite

AT_ONCE = 3.0  # seconds; the scheduler tick below is a minute


@pytest.fixture
async def slow_tick(database_url: str, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    """A sandbox whose periodic tick is a minute: anything that arrives within a few seconds
    was sent because the handler woke delivery, not because a tick came by."""
    async with running_sandbox(database_url, clock, {"scheduler": {"tick": "60s"}}) as box:
        yield box


def assert_crisis_card(message: SentMessage) -> None:
    body = message.text or ""
    assert "110" in body and "119" in body
    first_24h = body.index("0120-279-338")  # よりそいホットライン (24 h)
    assert body.index("119") < first_24h and body.index("110") < first_24h
    assert "0120-279-338" in body.splitlines(), "a number on a line of its own"
    assert message.buttons == [(message.buttons[0][0], "crisis:all")]


async def stored_messages(sb: Sandbox) -> list[PersonMessage]:
    async with sb.runtime.db.sessions() as session:
        query = select(PersonMessage).order_by(PersonMessage.id)
        return list((await session.execute(query)).scalars())


async def test_critical_gets_crisis_lines_at_once_and_a_p1_escalation(slow_tick: Sandbox) -> None:
    sb = slow_tick
    await staffed(sb)
    user = await enrol(sb)
    person = await person_row(sb)

    await user.send_text("もう消えたい")
    crisis = await next_message(sb, PERSON, timeout=AT_ONCE)
    assert_crisis_card(crisis)
    assert (crisis.text or "").startswith(text(sb, "ja", "crisis.reply", lines="").split("\n")[0])
    notice = await next_message(sb, WORKER, has_ack_button, timeout=AT_ONCE)
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.priority, escalation.state) == (
        EscalationReason.DISTRESS,
        Priority.P1,
        EscalationState.OPEN,
    )
    assert escalation.person_id == person.id
    assert notice.buttons[0][1] == f"ack:{escalation.id}"
    assert "P1" in (notice.text or "")

    # A second critical message joins the open escalation, and still gets the lines.
    await user.send_text("死にたい")
    assert_crisis_card(await next_message(sb, PERSON, timeout=AT_ONCE))
    await sb.settle()
    assert len(await escalation_rows(sb)) == 1
    [first, second] = await stored_messages(sb)
    assert (first.severity, first.text) == ("critical", "もう消えたい")
    assert first.rules and second.severity == "critical"
    no_apology(sb, PERSON, WORKER)


async def test_an_english_critical_message_gets_english_crisis_lines(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language="en")
    await user.send_text("I want to die")
    crisis = await next_message(sb, PERSON)
    assert_crisis_card(crisis)
    assert "Ambulance" in (crisis.text or "")
    assert crisis.buttons[0][0] == text(sb, "en", "crisis.all_button")
    await next_message(sb, WORKER, has_ack_button)


async def test_at_3am_the_card_shows_what_is_open_and_the_button_shows_every_line(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    # Wednesday 03:00 in Tokyo: いのちの電話 (16-21) and #いのちSOS (closed 0-6) are shut.
    await advance(sb, datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    await user.send_text("もう消えたい")
    crisis = await next_message(sb, PERSON)
    assert_crisis_card(crisis)
    body = crisis.text or ""
    assert "0120-783-556" not in body and "0120-061-338" not in body
    assert text(sb, "ja", "crisis.when_24h") in body
    assert "連絡しました" not in body, "nothing is confirmed when the card goes out"

    query = await user.press(crisis, data="crisis:all")
    await sb.standin.wait_for_callback_answer(query)
    everything = await next_message(sb, PERSON)
    rows = (everything.text or "").splitlines()
    for line in sb.runtime.svc.crisis_lines:
        assert line.number in rows
    assert any(r.startswith("いのちの電話") and "いまは時間外" in r for r in rows)
    assert (everything.text or "").startswith("相談先の一覧です（いま3:00）")


async def test_a_stranger_may_press_the_button_too(sandbox: Sandbox) -> None:
    """The card also goes to strangers in crisis: its button answers anyone, in their
    Telegram language, and creates no record of them."""
    sb = sandbox
    await staffed(sb)
    stranger = sb.standin.user(424242, "Ken", language_code="en")
    await stranger.send_text("hello")
    await next_message(sb, stranger.id)  # the stranger introduction
    svc = sb.runtime.svc
    async with svc.db.transaction() as session:
        OutboxRepository(session).add(
            crisis_reply_message(
                svc,
                chat_id=stranger.id,
                language="en",
                now=svc.clock.now(),
                tz=ZoneInfo("Asia/Tokyo"),
                situations={Situation.VIOLENCE},
            )
        )
    svc.wake_delivery()
    card = await next_message(sb, stranger.id, lambda m: bool(m.buttons))
    query = await stranger.press(card, data="crisis:all:violence")
    await sb.standin.wait_for_callback_answer(query)
    reply = await next_message(sb, stranger.id)
    body = reply.text or ""
    assert body.startswith("All the lines")
    # The situation's line comes right after the emergency numbers.
    known = {line.number for line in svc.crisis_lines}
    numbers = [r for r in body.splitlines() if r in known]
    assert numbers[:3] == ["119", "110", "0120-279-889"]
    async with svc.db.sessions() as session:
        assert (await session.execute(select(Person))).scalars().all() == []


async def test_a_concern_gets_a_gentle_reply_and_a_p2_escalation(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await advance(sb, timedelta(hours=1))  # a while after consenting
    await user.send_text("お金がなくて何も食べてない")
    reply = await next_message(sb, PERSON)
    assert reply.text in variants(sb, "ja", "concern.reply")
    assert "110" not in (reply.text or ""), "no crisis card for a concern"
    notice = await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.CONCERN, Priority.P2)
    assert notice.buttons[0][1] == f"ack:{escalation.id}"
    # A sign of hardship tightens the cadence, logged with its reason (関わりは濃くなる).
    [change] = await cadence_rows(sb)
    assert (change.to_level, change.reason) == ("close", "concern_signal")
    no_apology(sb, PERSON, WORKER)


async def test_a_failing_classifier_counts_as_concern(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)

    def broken(_text: str, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rules file unreadable")

    monkeypatch.setattr("signals.classify", broken)
    classifier = getattr(sb.runtime.svc, "classifier", None)  # the runtime's loaded rules
    if classifier is not None:
        monkeypatch.setattr(classifier, "classify", broken)
    await user.send_text("なんでもないです")
    assert (await next_message(sb, PERSON)).text in variants(sb, "ja", "concern.reply")
    await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert escalation.reason is EscalationReason.CONCERN
    [stored] = await stored_messages(sb)
    assert (stored.severity, stored.rules) == ("concern", "classifier_error")
    no_apology(sb, PERSON, WORKER)


async def test_a_stopped_person_in_crisis_still_gets_the_lines(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.send_command("stop")
    await next_message(sb, PERSON)
    await user.send_text("もう消えたい")
    assert_crisis_card(await next_message(sb, PERSON))
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.DISTRESS, Priority.P1)
    await sb.settle()
    assert await stored_messages(sb) == [], "consent withdrawn: the words are not kept"


async def test_a_stopped_persons_crisis_lines_arrive_at_once(slow_tick: Sandbox) -> None:
    sb = slow_tick
    await staffed(sb)
    user = await enrol(sb)
    await user.send_command("stop")
    await next_message(sb, PERSON)
    await sb.settle()
    await user.send_text("もう消えたい")
    assert_crisis_card(await next_message(sb, PERSON, timeout=AT_ONCE))


async def test_a_critical_message_tightens_the_cadence(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await advance(sb, timedelta(hours=1))  # a while after consenting
    await user.send_text("もう消えたい")
    await next_message(sb, PERSON)
    await sb.settle()
    [change] = await cadence_rows(sb)
    assert (change.to_level, change.reason) == ("close", "concern_signal")


async def test_a_worst_mood_tap_then_despair_is_one_signal(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    user = await enrol(sb)
    person = await person_row(sb)
    assert sb.runtime.svc.classifier.classify("もう無理").severity is not Severity.CRITICAL
    await worker.send_command("checkin_now", str(person.id))
    checkin = await next_message(sb, PERSON, is_checkin)
    await user.press(checkin, 4)  # 😢, the worst mood
    await next_message(sb, PERSON)  # its acknowledgement
    await user.send_text("もう無理")
    assert_crisis_card(await next_message(sb, PERSON))
    [escalation] = await escalation_rows(sb)
    assert escalation.priority is Priority.P1
    [*_, stored] = await stored_messages(sb)
    assert stored.severity == "critical" and "context:mood" in (stored.rules or "")
