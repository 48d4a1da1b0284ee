"""Intake cannot be blocked (issue 12, item 1): an update that fails every time is set
aside after `telegram.max_update_attempts` attempts, kept with its payload for an operator,
and the updates after it are answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from bot.intake import store_updates
from standin.sandbox import Sandbox
from storage.inbound import InboundRepository, InboundUpdate

STRANGERS = (901, 902, 903)
POISON = 5_000_002


def help_update(update_id: int, user_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100_000,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "A"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def poison_update(update_id: int) -> dict[str, Any]:
    # Well-formed JSON with the right secret, but not an update the library can read.
    return {"update_id": update_id, "message": {"text": "no chat, no date"}}


async def test_a_poison_update_is_set_aside_and_the_next_ones_flow(sandbox: Sandbox) -> None:
    sb = sandbox
    svc = sb.runtime.svc
    for user_id in STRANGERS:
        sb.user(user_id, "A")
    updates = [
        help_update(POISON - 1, STRANGERS[0]),
        poison_update(POISON),
        help_update(POISON + 1, STRANGERS[1]),
        help_update(POISON + 2, STRANGERS[2]),
    ]
    assert await store_updates(svc, updates) == 4
    sb.runtime.processor.wakeup.set()
    await sb.settle()

    intro = svc.text("ja", "help.stranger")
    for user_id in STRANGERS:
        assert [m.text for m in sb.standin.messages_to(user_id)] == [intro]
    async with svc.db.transaction() as session:
        aside = await InboundRepository(session).set_aside()
        others = (
            await session.execute(select(InboundUpdate).where(InboundUpdate.update_id != POISON))
        ).scalars()
        assert all(u.processed_at is not None and u.error is None for u in others)
    assert [(u.update_id, u.attempts, u.error) for u in aside] == [(POISON, 3, "KeyError")]
    assert aside[0].payload is not None and "no chat" in aside[0].payload
    assert aside[0].processed_at is not None
    assert svc.metrics.value("tsunagari_updates_set_aside_total", stage="intake") == 1
    assert sb.standin.violations == []


async def test_a_retried_update_is_handled_again(sandbox: Sandbox) -> None:
    """An operator's retry offers a set-aside update again, with a fresh count."""
    sb = sandbox
    svc = sb.runtime.svc
    sb.user(STRANGERS[0], "A")
    async with svc.db.transaction() as session:
        await InboundRepository(session).record(
            [help_update(POISON, STRANGERS[0])], now=svc.clock.now(), postgres=svc.db.is_postgres
        )
        await InboundRepository(session).set_aside_after_error(
            POISON, now=svc.clock.now(), error="OperationalError"
        )
    async with svc.db.transaction() as session:
        assert await InboundRepository(session).retry(POISON)
        assert not await InboundRepository(session).retry(POISON + 1)
    sb.runtime.processor.wakeup.set()
    await sb.settle()
    assert [m.text for m in sb.standin.messages_to(STRANGERS[0])] == [
        svc.text("ja", "help.stranger")
    ]
    async with svc.db.transaction() as session:
        assert await InboundRepository(session).set_aside() == []


def group_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A message in a group the bot was added to: stored, but no handler of the bot (a
    private chat's bot) takes it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1_800_000_000,
            "chat": {"id": -100_123, "type": "group", "title": "G"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
            "text": "hello all",
        },
    }


async def test_every_update_is_marked_once_whether_a_handler_took_it_or_not(
    sandbox: Sandbox,
) -> None:
    """A handler's turn marks its update with its effects, so the processor adds no write of
    its own; an update no handler takes is marked by the processor, and never offered again."""
    sb = sandbox
    svc = sb.runtime.svc
    sb.user(STRANGERS[0], "A")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("UPDATE inbound_updates"):
            statements.append(statement)

    event.listen(svc.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        updates = [help_update(POISON, STRANGERS[0]), group_update(POISON + 1, STRANGERS[0])]
        assert await store_updates(svc, updates) == 2
        sb.runtime.processor.wakeup.set()
        await sb.settle()
    finally:
        event.remove(svc.db.engine.sync_engine, "before_cursor_execute", seen)
    assert len(statements) == 2  # one mark each: the handler's, then the processor's
    assert svc.claimed_updates == set()
    async with svc.db.transaction() as session:
        assert await InboundRepository(session).unprocessed(limit=10) == []
    assert [m.text for m in sb.standin.messages_to(STRANGERS[0])] == [
        svc.text("ja", "help.stranger")
    ]
