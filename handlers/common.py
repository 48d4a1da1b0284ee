"""Commands everyone has: /help, /language, and the reply to anyone the bot does not know."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import LANGUAGES
from domain.people import Role
from handlers.turn import AlreadyHandled, Turn, answer_quietly, inline_keyboard

LANGUAGE_PREFIX = "lang:"
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}


def help_key(role: Role) -> str:
    return f"help.{role.value}"


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            turn.reply(session, turn.text(help_key(actor.role)))
    except AlreadyHandled:
        pass


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            await turn.actor(session)
            turn.reply(
                session,
                turn.text("language.prompt"),
                markup=inline_keyboard(
                    [[(LANGUAGE_NAMES[code], f"{LANGUAGE_PREFIX}{code}") for code in LANGUAGES]]
                ),
            )
    except AlreadyHandled:
        pass


async def language_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = Turn(update, context)
    chosen = query.data.removeprefix(LANGUAGE_PREFIX)
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            if chosen not in LANGUAGES:
                return
            # Strangers have no record to keep a choice in; they are answered in it once.
            if actor.person is not None:
                actor.person.language = chosen
            elif actor.staff is not None:
                actor.staff.language = chosen
                actor.staff.menu_role = None  # their command menu is per language
            turn.language = chosen
            turn.reply(session, turn.text("language.set"))
    except AlreadyHandled:
        pass
    finally:
        await answer_quietly(update)


async def stranger_or_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Last resort for anything no other handler took.

    Strangers get the polite explanation and nothing else: no data is shown, and their
    message is not stored (the raw update is dropped once handled).
    """
    turn = Turn(update, context)
    message = update.effective_message
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            if actor.role is Role.STRANGER:
                if message is not None:
                    turn.reply(session, turn.text("stranger.intro"))
                return
            if message is not None and message.text and message.text.startswith("/"):
                turn.reply(session, turn.text("common.unknown_command"))
    except AlreadyHandled:
        pass
    finally:
        if update.callback_query is not None:
            await answer_quietly(update)
