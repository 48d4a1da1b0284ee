"""Commands everyone has: /help, /language, and the reply to anything no handler took."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import Role
from handlers.args import pressed, stale_button
from handlers.turn import Actor, Turn, inline_keyboard, turn_handler
from infra.i18n import LANGUAGES
from usecases.buttons import ButtonKind, button_data

LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}


@turn_handler()
async def help_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """Help differs by role; strangers learn only what the bot is for."""
    turn.reply(session, turn.text(f"help.{actor.role.value}"))


@turn_handler()
async def language_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    turn.reply(
        session,
        turn.text("language.prompt"),
        markup=inline_keyboard(
            [[(LANGUAGE_NAMES[code], button_data(ButtonKind.LANGUAGE, code)) for code in LANGUAGES]]
        ),
    )


@turn_handler()
async def language_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    button = pressed(turn, ButtonKind.LANGUAGE)
    chosen = button.choice if button is not None else None
    if chosen is None or chosen not in LANGUAGES:
        stale_button(turn)
        return
    # Strangers have no record to keep a choice in; they are answered in it once.
    if actor.person is not None:
        actor.person.language = chosen
    elif actor.staff is not None:
        actor.staff.language = chosen
        actor.staff.menu_role = None  # their command menu is per language
    turn.language = chosen
    turn.reply(session, turn.text("language.set"))


@turn_handler()
async def stranger_or_unknown(
    turn: Turn, session: AsyncSession, actor: Actor, _: list[str]
) -> None:
    """Last resort for anything no other handler took.

    Strangers get the polite explanation and nothing else: no data is shown, and their
    message is not stored (the raw update is dropped once handled).
    """
    message = turn.update.effective_message
    if turn.update.callback_query is not None:
        # A button the bot never wrote, or one it no longer acts on.
        stale_button(turn)
        return
    if actor.role is Role.STRANGER:
        if turn.update.message is not None:
            turn.reply(session, turn.text("stranger.intro"))
        return
    if message is not None and message.text and message.text.startswith("/"):
        turn.reply(session, turn.text("common.unknown_command"))
