"""Telegram handlers: thin functions that parse, call the domain and storage, and reply."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import common, enrolment, staff
from handlers.errors import on_error


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", enrolment.start_command, filters=private))
    app.add_handler(CommandHandler("help", common.help_command, filters=private))
    app.add_handler(CommandHandler("language", common.language_command, filters=private))
    app.add_handler(CommandHandler("invite", staff.invite_command, filters=private))
    app.add_handler(
        CallbackQueryHandler(enrolment.consent_callback, pattern=r"^consent:(yes|no):\d+$")
    )
    app.add_handler(CallbackQueryHandler(common.language_callback, pattern=r"^lang:[a-z]{2}$"))
    # Last in the group, so it only sees what no handler above took.
    app.add_handler(MessageHandler(filters.ALL, common.stranger_or_unknown))
    app.add_handler(CallbackQueryHandler(common.stranger_or_unknown))
    app.add_error_handler(on_error)
