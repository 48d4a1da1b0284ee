"""What handlers and steps share: settings, database, clock, catalog, metrics, wake-ups.

Stored in `Application.bot_data["services"]`; handlers reach it through `services()`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.i18n import Catalog
from bot.metrics import Metrics
from bot.settings import Settings
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    catalog: Catalog
    metrics: Metrics = field(default_factory=Metrics)
    bot_username: str = ""
    # Set when the outbox has new rows, so delivery does not wait for the next tick.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def wake_delivery(self) -> None:
        self.outbox_wakeup.set()

    def text(self, language: str, key: str, /, **params: object) -> str:
        return self.catalog.text(language, key, **params)


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    svc = context.application.bot_data["services"]
    assert isinstance(svc, Services)
    return svc
