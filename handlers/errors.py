"""The one global error handler: log ids and the error type, apologise kindly, keep the update."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from infra.i18n import normalise_language
from storage.inbound import InboundRepository
from storage.outbox import OutboxRepository, new_message
from usecases.services import services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # exc_info gives the developer a traceback in the log; the chat only ever sees the
    # catalog's apology, and neither contains the person's words.
    log.error("handler failed for update %s: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    svc = services(context)
    now = svc.clock.now()
    user = update.effective_user
    language = normalise_language(
        user.language_code if user else None, svc.settings.default_language
    )
    async with svc.db.transaction() as session:
        first_time = await InboundRepository(session).set_aside_after_error(
            update.update_id, now=now, error=type(error).__name__
        )
        if not first_time:
            return
        svc.metrics.inc("tsunagari_updates_set_aside_total", stage="handler")
        OutboxRepository(session).add(
            new_message(
                chat_id=update.effective_chat.id, text=svc.text(language, "common.error"), now=now
            )
        )
    svc.wake_delivery()
