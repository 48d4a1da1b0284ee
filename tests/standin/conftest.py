"""Fixtures for the Bot API stand-in tests.

``PTB_TIMEDELTA`` is set before anything imports ``telegram`` so that python-telegram-bot
returns durations as ``timedelta`` instead of warning (warnings are errors in this suite).
"""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot

from standin import BotApiStandIn

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    """A running stand-in; fails the test at teardown if any spec violation was recorded.

    Tests that provoke violations on purpose clear ``standin.violations`` after checking them.
    """
    server = BotApiStandIn(token=TOKEN, bot_username="tsunagari_test_bot")
    await server.start(host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        await server.stop()
    assert server.violations == [], f"unexpected Bot API spec violations: {server.violations}"


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=standin.base_url) as client:
        yield client


@dataclass
class Receiver:
    """A webhook endpoint that records what the stand-in POSTs (and can fail on purpose)."""

    url: str
    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = field(
        default_factory=asyncio.Queue
    )
    fail_next: int = 0
    attempts: int = 0


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver(url="")

    async def handle(request: web.Request) -> web.Response:
        state.attempts += 1
        if state.fail_next:
            state.fail_next -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await state.received.put((secret, await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield state
    await runner.cleanup()
