"""An online SQLite backup of a running bot restores into a bot that runs (issue 12, item 8).

The operator's commands are in docs/OPERATOR-GUIDE.ja.md (バックアップと復元): the backup is
taken with SQLite's online backup API (`sqlite3 db ".backup FILE"`, here
`sqlite3.Connection.backup`, the same call) while the bot keeps writing.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from domain.escalation import EscalationReason, Priority
from infra.clock import ControllableClock
from standin.sandbox import Sandbox
from storage.db import Database
from storage.escalations import Escalation
from storage.inbound import PersonMessage
from storage.migrate import current_revision, head_revision
from storage.people import Person
from tests.conftest import START, fast_pacing
from tests.handlers.checkin_helpers import (
    OTHER,
    PERSON,
    WORKER,
    enrol,
    next_message,
    staffed,
    text,
)


def online_backup(source: Path, target: Path) -> None:
    """What `sqlite3 SOURCE ".backup TARGET"` does: a consistent copy while others write."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


async def started(path: Path, clock: ControllableClock, first_update_id: int = 100_001) -> Sandbox:
    box = Sandbox(database_url=f"sqlite+aiosqlite:///{path}", clock=clock)
    # Telegram's update ids go on increasing whatever happens to the bot's database; a new
    # stand-in would start again at 100001, ids the restored database has already seen.
    box.standin._update_ids = itertools.count(first_update_id)
    await box.start()
    deliverer = box.runtime.deliverer
    deliverer.monotonic = fast_pacing()
    return box


async def counts(sb: Sandbox) -> tuple[int, int, int]:
    async with sb.runtime.db.sessions() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Person)) or 0),
            int(await session.scalar(select(func.count()).select_from(Escalation)) or 0),
            int(await session.scalar(select(func.count()).select_from(PersonMessage)) or 0),
        )


async def test_an_online_backup_restores_into_a_running_bot(tmp_path: Path) -> None:
    live, backup, restored = (tmp_path / n for n in ("live.db", "backup.db", "restored.db"))
    sb = await started(live, ControllableClock(START))
    try:
        await staffed(sb)
        user = await enrol(sb, PERSON, "Aiko")
        await enrol(sb, OTHER, "Kenji")
        await user.send_text("もう死にたい")
        await next_message(sb, PERSON)
        await sb.settle()
        at_backup = await counts(sb)
        online_backup(live, backup)  # the bot is running, its connections open
        # The bot goes on after the backup; what it writes now is not in the backup.
        await user.send_text("ありがとう")
        await sb.settle()
        assert (await counts(sb))[2] == at_backup[2] + 1
    finally:
        await sb.stop()
    assert at_backup == (2, 1, 1)

    online_backup(backup, restored)  # restoring is the same copy, into the bot's new file
    db = Database(f"sqlite+aiosqlite:///{restored}")
    try:
        assert await current_revision(db) == head_revision(), "migrations are current"
    finally:
        await db.dispose()

    again = await started(restored, ControllableClock(START + timedelta(hours=1)), 200_001)
    try:
        assert await counts(again) == at_backup
        async with again.runtime.db.sessions() as session:
            [escalation] = (await session.execute(select(Escalation))).scalars()
            names = set((await session.execute(select(Person.display_name))).scalars())
        assert (escalation.reason, escalation.priority) == (
            EscalationReason.DISTRESS,
            Priority.P1,
        )
        assert names == {"Aiko", "Kenji"}
        # The restored bot knows the person: /help answers with the person's help.
        again.user(WORKER, "Sato")
        await again.user(PERSON, "Aiko").send_command("help")
        reply = await next_message(again, PERSON)
        assert reply.text == text(again, "ja", "help.person")
    finally:
        await again.stop()
