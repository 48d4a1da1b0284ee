"""/forget end to end: no table keeps the person's words or name; anonymous counts stay.

PRODUCT.md flow 7 and issue 12 item 8. The real runtime against the stand-in; SQLite and
PostgreSQL. Every text column of every table is scanned, so a table added later is covered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain.people import PersonStatus
from standin.sandbox import Sandbox
from storage.base import Base
from storage.checkins import Checkin, CheckinState
from storage.inbound import InboundRepository, InboundUpdate
from tests.handlers.checkin_helpers import (
    OTHER,
    PERSON,
    TUESDAY,
    advance,
    enrol,
    is_checkin,
    next_message,
    person_row,
    staffed,
    text,
)
from tests.scheduler import pg_shared

database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite

NAME = "Aikonamae"
WORDS = "秘密の話をひとつ"
KEPT_WORDS = "うまく読めなかった話"  # in an update set aside after an error
OTHER_WORDS = "ほかの人のひとりごと"
STRANGER_WORDS = "もう死にたい、まだ登録していない"


def text_update(update_id: int, user_id: int, first_name: str, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "text": text,
        },
    }


async def text_cells(sb: Sandbox) -> list[tuple[str, str, str]]:
    """(table, column, value) of every string value stored anywhere."""
    cells: list[tuple[str, str, str]] = []
    async with sb.runtime.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = list(table.columns)  # enums and JSON are str too: take every value
            for row in (await session.execute(select(*columns))).all():
                cells += [
                    (table.name, c.name, v)
                    for c, v in zip(columns, row, strict=True)
                    if isinstance(v, str)
                ]
    return cells


async def set_aside(sb: Sandbox, update: dict[str, Any]) -> None:
    svc = sb.runtime.svc
    async with svc.db.transaction() as session:
        repo = InboundRepository(session)
        await repo.record([update], now=svc.clock.now(), postgres=svc.db.is_postgres)
        await repo.set_aside_after_error(
            update["update_id"], now=svc.clock.now(), error="OperationalError"
        )


async def test_forget_leaves_no_words_or_name_in_any_table_and_keeps_counts(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    await staffed(sb)
    # Before enrolling, as a stranger, they wrote in crisis: the coordinators were told.
    await sb.user(PERSON, NAME).send_text(STRANGER_WORDS)
    await next_message(sb, PERSON)
    await sb.settle()
    user = await enrol(sb, PERSON, NAME)
    await enrol(sb, OTHER, "Kenji")
    await advance(sb, TUESDAY)
    await user.press(await next_message(sb, PERSON, is_checkin), 1)
    await user.send_text(WORDS)
    await sb.settle()
    await set_aside(sb, text_update(9_000_001, PERSON, NAME, KEPT_WORDS))
    await set_aside(sb, text_update(9_000_002, OTHER, "Kenji", OTHER_WORDS))
    before = await text_cells(sb)
    for secret in (NAME, WORDS, KEPT_WORDS, STRANGER_WORDS):
        assert [c for c in before if secret in c[2]], f"{secret} was stored before /forget"

    await user.send_command("forget")
    confirm = await next_message(sb, PERSON, lambda m: m.text == text(sb, "ja", "forget.confirm"))
    await user.press(confirm, 0)
    await next_message(sb, PERSON, lambda m: m.text == text(sb, "ja", "forget.done"))
    await sb.settle()

    after = await text_cells(sb)
    for secret in (NAME, WORDS, KEPT_WORDS, STRANGER_WORDS):
        assert [c[:2] for c in after if secret in c[2]] == [], f"{secret} is still stored"
    assert [c[:2] for c in after if OTHER_WORDS in c[2]] == [("inbound_updates", "payload")]
    person = await person_row(sb)
    assert person.erased_at is not None and person.status is PersonStatus.ACTIVE
    async with sb.runtime.db.sessions() as session:
        checkins = (
            await session.execute(select(Checkin).where(Checkin.person_id == person.id))
        ).scalars()
        answered = [(c.state, c.mood) for c in checkins]
        kept = await session.get(InboundUpdate, 9_000_001)
    assert answered == [(CheckinState.REPLIED, 2)], "the check-in and its mood remain"
    assert kept is not None and kept.payload is None and kept.set_aside_at is not None
