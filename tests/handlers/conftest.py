"""Fixtures for end-to-end handler tests: the real runtime (`standin.sandbox.Sandbox`) against
the Bot API stand-in, on SQLite and PostgreSQL, with the test clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from infra.clock import ControllableClock
from standin.sandbox import Sandbox
from tests.conftest import fast_pacing


@pytest.fixture
async def sandbox(database_url: str, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    """A started sandbox. Per-chat pacing (about one message a second, real time) is off so
    a conversation takes milliseconds; the delivery tests cover pacing."""
    box = Sandbox(database_url=database_url, clock=clock)
    await box.start()
    deliverer = box.runtime.deliverer
    deliverer.monotonic = fast_pacing()
    try:
        yield box
    finally:
        await box.stop()
