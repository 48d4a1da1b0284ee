"""The python-telegram-bot Application, built from settings.

PTB's Updater is left out on purpose: updates reach handlers only after they are stored
(bot/intake.py), and replies leave only through the outbox (scheduler/delivery.py).
"""

from __future__ import annotations

import os
from typing import Any

from telegram.ext import Application, ApplicationBuilder

import handlers
from bot.services import Services

# PTB 22 warns when duration attributes are ints; asking for timedelta silences that
# without hiding other warnings (tests run with warnings as errors).
os.environ.setdefault("PTB_TIMEDELTA", "1")

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(svc: Services) -> TelegramApp:
    tg = svc.settings.telegram
    app: TelegramApp = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .updater(None)
        .connection_pool_size(max(8, svc.settings.delivery.concurrency + 4))
        .pool_timeout(10.0)
        .concurrent_updates(False)
        .build()
    )
    app.bot_data["services"] = svc
    handlers.register(app)
    return app
