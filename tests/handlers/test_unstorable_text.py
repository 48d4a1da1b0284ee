"""Text that any database stores (issue 12, item 4).

PostgreSQL refuses NUL (U+0000) in text, and nothing can encode a lone surrogate as UTF-8.
Before the fix a distress text containing NUL got only the apology on PostgreSQL: storing
it failed and rolled back the crisis reply and the escalation. Now what is stored has
U+FFFD in their place, the classifier sees the words without them, and the crisis reply
and the P1 never depend on storing the text at all. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from domain.escalation import EscalationReason, Priority
from standin.sandbox import Sandbox
from storage.inbound import InboundUpdate, PersonMessage
from tests.handlers.checkin_helpers import (
    PERSON,
    WORKER,
    enrol,
    escalation_rows,
    has_ack_button,
    next_message,
    no_apology,
    person_row,
    staffed,
)
from tests.handlers.test_distress import assert_crisis_card


async def stored_texts(sb: Sandbox) -> list[str | None]:
    async with sb.runtime.db.sessions() as session:
        query = select(PersonMessage.text).order_by(PersonMessage.id)
        return list((await session.execute(query)).scalars())


async def assert_crisis_and_p1(sb: Sandbox) -> None:
    assert_crisis_card(await next_message(sb, PERSON))
    await next_message(sb, WORKER, has_ack_button)
    [escalation] = await escalation_rows(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.DISTRESS, Priority.P1)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("もう消え\x00たい", "もう消え\ufffdたい"),
        ("\x00死に\x00たい\x00", "\ufffd死に\ufffdたい\ufffd"),
        ("死に\ud800たい", "死に\ufffdたい"),
        ("死に\u200bたい", "死に\u200bたい"),
    ],
    ids=["nul", "nuls", "lone-surrogate", "zero-width-space"],
)
async def test_a_distress_text_with_unstorable_characters_gets_the_crisis_reply_and_a_p1(
    sandbox: Sandbox, sent: str, stored: str
) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.send_text(sent)
    await assert_crisis_and_p1(sb)
    await sb.settle()
    assert await stored_texts(sb) == [stored]
    no_apology(sb, PERSON, WORKER)


async def test_the_crisis_reply_does_not_depend_on_storing_the_text(sandbox: Sandbox) -> None:
    """The database refuses the message row itself (a trigger stands in for any refusal):
    the person still gets the crisis lines and the worker the P1."""
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    async with sb.runtime.db.transaction() as session:
        if sb.runtime.db.is_postgres:
            await session.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
                )
            )
            await session.execute(
                text(
                    "CREATE TRIGGER refuse_text BEFORE INSERT ON person_messages "
                    "FOR EACH ROW WHEN (NEW.text IS NOT NULL) EXECUTE FUNCTION refuse()"
                )
            )
        else:
            await session.execute(
                text(
                    "CREATE TRIGGER refuse_text BEFORE INSERT ON person_messages "
                    "WHEN NEW.text IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    await user.send_text("もう消えたい")
    await assert_crisis_and_p1(sb)
    await sb.settle()
    assert await stored_texts(sb) == []
    person = await person_row(sb)
    assert person.last_reply_at is not None, "still a sign of life"
    no_apology(sb, PERSON, WORKER)


async def test_names_and_payloads_with_nul_are_stored(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    token = await sb.create_invite(WORKER)
    user = sb.user(PERSON, "A\x00ko\ud800")
    await user.send_command("start", token)
    await user.press(await next_message(sb, PERSON), 0)
    told = await next_message(sb, WORKER)
    assert (told.text or "").startswith("A\x00ko\ufffd")  # sent as JSON, which escapes NUL
    await sb.settle()
    person = await person_row(sb)
    assert person.display_name == "A\ufffdko\ufffd"
    async with sb.runtime.db.sessions() as session:
        errors = (await session.execute(select(InboundUpdate.error))).scalars()
        assert [e for e in errors if e is not None] == []
    no_apology(sb, PERSON, WORKER)
