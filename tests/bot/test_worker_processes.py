"""Two worker processes (`tsunagari run --role worker`) on one PostgreSQL database share a
round of 10,000 due check-ins: each person gets exactly one check-in, no message is sent
twice, and both processes do part of the work.

Real processes, as an operator runs them: each has its own event loop, connection pool and
deliverer, so the only thing keeping them apart is the database (`FOR UPDATE SKIP LOCKED`
on the people and outbox claims, leases). The stand-in runs in a thread of the test process
and counts the messages each chat received; each worker's /metrics says how many it sent.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from domain.people import PersonStatus, StaffRole
from standin import BotApiStandIn
from storage.checkins import Checkin
from storage.db import Database
from storage.migrate import upgrade_schema
from storage.outbox import OutboxMessage, OutboxState
from storage.people import Person
from storage.staff import Staff
from tests.conftest import TOKEN, free_port, standin_in_thread

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 10_000
CHAT_BASE = 7_000_000_000
SENT = re.compile(r'^tsunagari_messages_sent_total\{purpose="checkin"\} (\S+)$', re.MULTILINE)


@pytest.fixture
def lenient_bot_api() -> Iterator[BotApiStandIn]:
    """A stand-in in its own thread that takes a message to any chat id (no user has to
    write first), keeps every message (the per-chat count is the assertion) and records no
    request log (10,000 requests)."""
    with standin_in_thread(record_requests=False, strict_chats=False) as server:
        yield server


async def _load_due_people(url: str, now: datetime) -> None:
    """The schema, one worker, and PEOPLE active people whose check-in was due a minute ago
    (a daily slot an hour ago, so the next one is about a day away)."""
    db = Database(url)
    try:
        await upgrade_schema(db)  # once, before the processes start (they find it current)
        async with db.transaction() as session:
            staff = Staff(telegram_id=900_000_001, name="Worker", role=StaffRole.WORKER,
                          language="ja", active=True, created_at=now - timedelta(days=30))
            session.add(staff)
            await session.flush()
            worker_id = staff.id
        hour_ago = now.astimezone(ZoneInfo("Asia/Tokyo")) - timedelta(hours=1)
        slot = hour_ago.strftime("%H:%M")
        rows = [
            {
                "telegram_id": CHAT_BASE + i, "chat_id": CHAT_BASE + i,
                "language": "ja" if i % 4 else "en", "status": PersonStatus.ACTIVE,
                "worker_id": worker_id, "consented_at": now - timedelta(days=30),
                "created_at": now - timedelta(days=30),
                "next_checkin_at": now - timedelta(minutes=1),
                "last_checkin_at": now - timedelta(days=1),
                "checkin_times": slot, "checkin_days": "daily", "timezone": "Asia/Tokyo",
                "quiet_hours": None, "nudge_after_s": 6 * 3600,
                "escalate_after_s": 2 * 86_400, "cadence_level": "base",
                "cadence_tightest": "closest", "cadence_loosest": "loose",
            }
            for i in range(PEOPLE)
        ]
        async with db.transaction() as session:
            await session.execute(insert(Person), rows)
    finally:
        await db.dispose()


async def _outcome(url: str) -> tuple[int, int, dict[OutboxState, int]]:
    """(check-ins written, people with more than one, outbox rows by state)."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            checkins = await session.scalar(select(func.count()).select_from(Checkin))
            doubled = await session.scalar(
                select(func.count()).select_from(
                    select(Checkin.person_id).group_by(Checkin.person_id)
                    .having(func.count() > 1).subquery()))
            grouped = await session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
            states = {state: int(count) for state, count in grouped}
    finally:
        await db.dispose()
    return int(checkins or 0), int(doubled or 0), states



def _start_worker(tmp_path: Path, name: str, base_url: str, database_url: str,
                  ops_port: int) -> subprocess.Popen[str]:
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{base_url}"\n'
        '[scheduler]\ntick = "1s"\n'
        # The token bucket lifted: the test is about sharing, not pacing.
        f'[delivery]\nrate_per_second = 100000.0\nconcurrency = 8\ninstance = "{name}"\n'
        f'[http]\nlisten = "127.0.0.1:{ops_port}"\n'
        '[logging]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGARI_")}
    env |= {"TSUNAGARI_TELEGRAM_TOKEN": TOKEN, "TSUNAGARI_DATABASE_URL": database_url,
            "PTB_TIMEDELTA": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "--config", str(config), "run", "--role", "worker"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def _sent_by(ops_port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{ops_port}/metrics", timeout=10) as answer:
        found = SENT.search(answer.read().decode())
    return int(float(found.group(1))) if found else 0


def _delivered(server: BotApiStandIn) -> int:
    return server.stats.requests["sendMessage"] - server.stats.errors["sendMessage"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_worker_processes_send_each_of_10000_check_ins_exactly_once(
    tmp_path: Path, database_url: str, lenient_bot_api: BotApiStandIn
) -> None:
    await _load_due_people(database_url, datetime.now(UTC))
    ports = [free_port(), free_port()]
    workers = [
        _start_worker(tmp_path, f"w{n}", lenient_bot_api.base_url, database_url, port)
        for n, port in enumerate(ports)
    ]
    try:
        deadline = time.monotonic() + 90
        while _delivered(lenient_bot_api) < PEOPLE and time.monotonic() < deadline:
            assert all(w.poll() is None for w in workers), "a worker stopped"
            await asyncio.sleep(0.2)
        assert _delivered(lenient_bot_api) >= PEOPLE, "not all delivered within 90 s"
        await asyncio.sleep(2.0)  # room for a second send of anything, were there one
        for _ in range(50):  # results recorded a batch at a time, shortly after the sends
            sent = [await asyncio.to_thread(_sent_by, port) for port in ports]
            if sum(sent) >= PEOPLE:
                break
            await asyncio.sleep(0.2)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        errors = [process.communicate(timeout=60)[1] for process in workers]

    for process, err in zip(workers, errors, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err, err[-4000:]
    assert _delivered(lenient_bot_api) == PEOPLE
    per_chat = [len(lenient_bot_api.messages_to(CHAT_BASE + i)) for i in range(PEOPLE)]
    assert per_chat == [1] * PEOPLE
    # Both processes took part, and their own counts add up to the stand-in's.
    assert sum(sent) == PEOPLE
    assert min(sent) > 0, sent
    checkins, doubled, states = await _outcome(database_url)
    assert (checkins, doubled) == (PEOPLE, 0)
    assert states == {OutboxState.SENT: PEOPLE}
