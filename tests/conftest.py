"""Shared fixtures: databases (SQLite and PostgreSQL), a controllable clock, settings,
and a running bot against the local Bot API stand-in.

PostgreSQL: each test gets a fresh database on the server named by
TSUNAGARI_TEST_POSTGRES_URL (default: the local server, database `test`). Without a
server the PostgreSQL variants skip with the reason; on CI (CI=true) they fail instead,
because the suite must run on both databases there.
"""

from __future__ import annotations

import os
import random
import socket
import time

os.environ.setdefault("PTB_TIMEDELTA", "1")

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from infra.clock import ControllableClock
from infra.settings import Settings, settings_from_mapping
from signals.training.blas import pin_openblas_kernels
from storage.db import Database
from storage.migrate import upgrade_schema
from storage.scratch import scratch_database

# Before any test module loads numpy (none of the imports above does): the training tests
# rebuild the shipped model bit for bit, whatever the CPU (signals/training/blas.py).
pin_openblas_kernels()

PG_URL = os.environ.get("TSUNAGARI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "123456:TEST-TOKEN"
# 10:00 in Tokyo on a Monday: inside every default window, outside quiet hours.
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

# START is Monday 23 November 2026, which is also 勤労感謝の日. The suite's clock was
# chosen as an ordinary working Monday, so its settings leave national holidays out;
# tests of the holiday calendar (tests/infra/test_holidays.py) switch them back on.
ORDINARY_DAYS = {"national_holidays": "none"}

_pg_state: dict[str, str | None] = {}


async def _pg_unavailable() -> str | None:
    if "reason" not in _pg_state:
        try:
            conn = await asyncpg.connect(PG_URL, timeout=3)
            await conn.close()
            _pg_state["reason"] = None
        except (OSError, asyncpg.PostgresError) as exc:
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} unavailable: {type(exc).__name__}"
    return _pg_state["reason"]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    reason = await _pg_unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    async with scratch_database(PG_URL, "tsunagari_t") as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade_schema(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(START)


def make_settings(
    *,
    database_url: str = "sqlite+aiosqlite:///:memory:",
    base_url: str = "http://127.0.0.1:9/bot",
    **overrides: Any,
) -> Settings:
    data: dict[str, Any] = {
        "telegram": {"token": TOKEN, "base_url": base_url, "poll_timeout": 1},
        "database": {"url": database_url},
        "scheduler": {"tick": "1s"},
        "checkin": {"jitter": "0s"},
        "escalation": dict(ORDINARY_DAYS),
    }
    for dotted, value in overrides.items():
        section, _, key = dotted.partition("__")
        data.setdefault(section, {})[key] = value
    return settings_from_mapping(data, {})


@pytest.fixture
def settings_factory() -> Callable[..., Settings]:
    return make_settings


@pytest.fixture
def tmp_cwd(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


__all__ = [
    "ORDINARY_DAYS",
    "START",
    "TOKEN",
    "fast_pacing",
    "make_settings",
    "replace",
    "running_sandbox",
]


def fast_pacing() -> Callable[[], float]:
    """A monotonic clock a thousand times faster than real time, for a sandbox's deliverer
    (`Deliverer.monotonic`): per-chat pacing stays on (a second write to a chat is still
    held and the chat's rows still go in order) while a conversation takes milliseconds.
    Tests of pacing itself drive it with the test clock instead."""
    return lambda: time.monotonic() * 1000


# --- fixtures added for the foundation suite (tests/bot, storage, handlers, scheduler) ----


@pytest.fixture
async def bot_api() -> AsyncIterator[Any]:
    """A running Bot API stand-in for `TOKEN` (username `tsunagari_test_bot`)."""
    from standin import BotApiStandIn

    server = BotApiStandIn(token=TOKEN, bot_username="tsunagari_test_bot")
    await server.start(host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(params=["aiohttp", "httpx"])
async def telegram_bot(bot_api: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A `telegram.Bot` talking to `bot_api` over each transport the bot can use (aiohttp,
    the default, and httpx), built as the bot builds its own."""
    from telegram import Bot

    from infra.transport import build_request

    settings = make_settings(base_url=bot_api.base_url, telegram__transport=request.param)
    async with Bot(
        TOKEN,
        base_url=bot_api.base_url,
        request=build_request(settings),
        get_updates_request=build_request(settings, for_updates=True),
    ) as client:
        yield client


@pytest.fixture
def services(db: Database, clock: ControllableClock, bot_api: Any) -> Any:
    """`Services` on the test database, the controllable clock and the stand-in."""
    from infra.i18n import Catalog
    from usecases.services import Services

    return Services(
        settings=make_settings(database_url=db.url, base_url=bot_api.base_url),
        db=db,
        clock=clock,
        catalog=Catalog("ja"),
    )


@contextmanager
def standin_in_thread(**options: Any) -> Iterator[Any]:
    """A running stand-in (`BotApiStandIn(token=TOKEN, **options)`) served from a background
    thread with its own loop, for code that runs its own event loop (the command line's
    `main()`, child processes); it must have seen no violation by the end."""
    import asyncio
    import threading

    from standin import BotApiStandIn

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="standin", daemon=True)
    thread.start()

    async def start() -> BotApiStandIn:
        server = BotApiStandIn(token=TOKEN, **options)
        await server.start(host="127.0.0.1", port=0)
        return server

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
    assert server.violations == []


@pytest.fixture
def threaded_bot_api() -> Iterator[Any]:
    """A running stand-in served from a background thread with its own loop, for the
    command line (whose `main()` runs its own event loop with `asyncio.run`)."""
    with standin_in_thread(bot_username="tsunagari_cli_bot") as server:
        yield server


@asynccontextmanager
async def running_sandbox(
    database_url: str, clock: ControllableClock, extra: Mapping[str, Any] | None = None
) -> AsyncIterator[Any]:
    """The real bot against the stand-in (`standin.sandbox.Sandbox`), started, with per-chat
    pacing on a fast clock (`fast_pacing`); stopped on the way out."""
    from standin.sandbox import Sandbox

    tables = dict(extra or {})
    tables["escalation"] = {**ORDINARY_DAYS, **tables.get("escalation", {})}
    box = Sandbox(database_url=database_url, clock=clock, extra=tables)
    await box.start()
    box.runtime.deliverer.monotonic = fast_pacing()
    try:
        yield box
    finally:
        await box.stop()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a listener a test must name before it starts.

    Taken below the kernel's ephemeral range (32768 and up on Linux): a port-0 listener or a
    client socket elsewhere in the run is never handed the same port between this check and
    the test's bind, as one picked by binding port 0 could be."""
    pick = random.SystemRandom().randrange
    for _ in range(200):
        port = pick(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port between 20000 and 32000 on 127.0.0.1")


@pytest.fixture
def sandbox_config() -> dict[str, Any]:
    """Configuration tables the `sandbox` fixture adds; a test module overrides this
    fixture to run the bot differently (a slower tick, the ops listener)."""
    return {}


@pytest.fixture
async def sandbox(
    database_url: str, clock: ControllableClock, sandbox_config: dict[str, Any]
) -> AsyncIterator[Any]:
    """A started sandbox on SQLite and PostgreSQL, driven by the test clock."""
    async with running_sandbox(database_url, clock, sandbox_config) as box:
        yield box
