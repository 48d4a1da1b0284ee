"""Fixtures for the check-in engine's steps (dispatch, nudges, silence, pauses): a
`Services` on the test database and the controllable clock, no Telegram involved."""

from __future__ import annotations

import pytest

from infra.clock import ControllableClock
from storage.db import Database
from tests.scheduler.engine import engine_services
from usecases.services import Services


@pytest.fixture
def engine(db: Database, clock: ControllableClock) -> Services:
    """Services as `Runtime` builds them: default check-in settings, jitter off."""
    return engine_services(db, clock)
