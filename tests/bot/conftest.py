"""Fixtures for the bot package's tests: a stand-in that runs on its own thread, for the
command line (whose `main()` runs its own event loop with `asyncio.run`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from standin import BotApiStandIn
from tests.conftest import TOKEN


@pytest.fixture
def threaded_bot_api() -> Iterator[BotApiStandIn]:
    """A running stand-in served from a background thread with its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="standin", daemon=True)
    thread.start()

    async def start() -> BotApiStandIn:
        server = BotApiStandIn(token=TOKEN, bot_username="tsunagari_cli_bot")
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
