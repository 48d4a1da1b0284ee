"""Fixtures for end-to-end handler tests: the real runtime (`standin.sandbox.Sandbox`) against
the Bot API stand-in, on SQLite and PostgreSQL, with the test clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from infra.clock import ControllableClock
from standin.sandbox import Sandbox


@pytest.fixture
async def sandbox(database_url: str, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    """A started sandbox. Per-chat pacing (about one message a second, real time) is off so
    a conversation takes milliseconds; the delivery tests cover pacing."""
    box = Sandbox(database_url=database_url, clock=clock)
    await box.start()
    deliverer = box.runtime.deliverer
    deliverer.settings = replace(deliverer.settings, per_chat_interval=timedelta(0))
    try:
        yield box
    finally:
        await box.stop()
