"""Fixtures for the Bot API stand-in tests.

``PTB_TIMEDELTA`` is set before anything imports ``telegram`` so that python-telegram-bot
returns durations as ``timedelta`` instead of warning (warnings are errors in this suite).
"""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

from collections.abc import AsyncIterator

import pytest
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
