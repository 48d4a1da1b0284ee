"""Fixtures for the check-in engine's steps (dispatch, nudges, silence, pauses): a
`Services` on the test database and the controllable clock, no Telegram involved."""

from __future__ import annotations

import pytest

from bot.clock import ControllableClock
from bot.services import Services
from storage.db import Database
from tests.scheduler.engine import engine_services


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    """Services as `Runtime` builds them: default check-in settings, jitter off."""
    return engine_services(db, clock)
