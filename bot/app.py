"""The python-telegram-bot Application, built from settings.

PTB's Updater is left out on purpose: updates reach handlers only after they are stored
(bot/intake.py), and replies leave only through the outbox (delivery/deliverer.py).
"""

from __future__ import annotations

import os
from typing import Any

from telegram.ext import Application, ApplicationBuilder

import handlers
from infra.transport import build_request
from usecases.services import Services

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
        # aiohttp by default (telegram.transport); long polls get a connection of their own.
        .request(build_request(svc.settings))
        .get_updates_request(build_request(svc.settings, for_updates=True))
        .concurrent_updates(False)
        .build()
    )
    app.bot_data["services"] = svc
    handlers.register(app)
    return app
