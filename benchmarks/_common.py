"""Shared helpers for the check-in engine benchmarks (not a test module).

The machine line, the stand-in child process, bulk-loading people, and fresh databases
(a temporary SQLite file, or a throwaway PostgreSQL database created and dropped here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from domain.people import PersonStatus, StaffRole
from storage.db import Database
from storage.people import Person
from storage.scratch import scratch_database
from storage.staff import Staff

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("python-telegram-bot", "httpx", "httpcore", "SQLAlchemy", "aiosqlite", "asyncpg",
             "APScheduler", "aiohttp", "alembic")


def machine_line() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    try:
        import sniffio  # noqa: F401

        sniff = "sniffio installed"
    except ImportError:
        sniff = "sniffio absent"
    return (
        f"machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}; "
        f"Python {platform.python_version()}; " + ", ".join(versions) + f"; {sniff}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def standin_process(token: str, port: int, *, max_messages_per_chat: int = 2) -> Iterator[str]:
    """`python -m standin` in a child process (its own core); yields its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "standin", "--port", str(port), "--token", token,
         "--no-record", "--lenient-chats",
         "--max-messages-per-chat", str(max_messages_per_chat)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"{url}/_control/stats") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("the stand-in did not start")


async def accepted_sends(session: aiohttp.ClientSession, url: str) -> int:
    """sendMessage requests the stand-in answered with 200."""
    async with session.get(f"{url}/_control/stats") as response:
        stats: dict[str, Any] = await response.json()
    return int(stats["requests"].get("sendMessage", 0)) - int(
        stats["errors"].get("sendMessage", 0)
    )


@contextlib.asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[str]:
    """A temporary SQLite file, or a new PostgreSQL database next to `url` (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="tsunagari-bench-") as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        yield url
        return
    async with scratch_database(url, "tsunagari_bench") as scratch:
        yield scratch

async def load_people(
    db: Database,
    total: int,
    *,
    now: datetime,
    due: int,
    chunk: int = 20_000,
    chat_base: int = 5_000_000_000,
) -> None:
    """Insert a worker and `total` active people; the first `due` are due a minute ago,
    the others later today or tomorrow (spread over 24 hours)."""
    async with db.transaction() as session:
        staff = Staff(telegram_id=900_000_001, name="Bench Worker", role=StaffRole.WORKER,
                      language="ja", active=True, created_at=now - timedelta(days=30))
        session.add(staff)
        await session.flush()
        worker_id = staff.id
    created = now - timedelta(days=30)
    # A daily slot that has just passed (outside the default quiet hours): a check-in
    # dispatched during the run is followed by the next one about a day later, never by a
    # second one minutes later, as a due time loaded off the schedule would be if the run
    # straddled today's slot.
    hour_ago = now.astimezone(ZoneInfo("Asia/Tokyo")) - timedelta(hours=1)
    slot = hour_ago.strftime("%H:%M") if 7 <= hour_ago.hour < 22 else "21:00"
    for start in range(0, total, chunk):
        rows = []
        for i in range(start, min(total, start + chunk)):
            if i < due:
                next_at = now - timedelta(minutes=1)
            else:
                next_at = now + timedelta(minutes=5) + timedelta(seconds=(i * 7919) % 86_400)
            rows.append(
                {
                    "telegram_id": chat_base + i,
                    "chat_id": chat_base + i,
                    "language": "ja" if i % 4 else "en",
                    "status": PersonStatus.ACTIVE,
                    "worker_id": worker_id,
                    "consented_at": created,
                    "created_at": created,
                    "next_checkin_at": next_at,
                    "last_checkin_at": next_at - timedelta(days=1),
                    "checkin_times": slot,
                    "checkin_days": "daily",
                    "timezone": "Asia/Tokyo",
                    "quiet_hours": "22:00-07:00",
                    "nudge_after_s": 6 * 3600,
                    "escalate_after_s": 2 * 86_400,
                    "cadence_level": "base",
                    "cadence_tightest": "closest",
                    "cadence_loosest": "loose",
                }
            )
        async with db.transaction() as session:
            await session.execute(insert(Person), rows)


def rss_mib() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB."""
    values: dict[str, float] = {}
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds_of(word: str) -> float:
    """CPU seconds (user + system) used so far by every process on this machine whose
    command line contains `word` (" <database> " for the PostgreSQL backends serving one
    database, whose titles name it between spaces; "standin"): what the rest of the round
    costs beside the bot, on the same cores."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if word.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / tick
