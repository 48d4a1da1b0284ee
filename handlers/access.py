"""Role checks for staff commands: one place decides who may do what."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from domain.people import Role
from handlers.turn import Actor, AlreadyHandled, Turn, answer_quietly

STAFF_ROLES = frozenset({Role.WORKER, Role.COORDINATOR})


def is_staff(actor: Actor) -> bool:
    return actor.role in STAFF_ROLES


def is_coordinator(actor: Actor) -> bool:
    return actor.role is Role.COORDINATOR


def may_see_person(actor: Actor, worker_id: int, backup_worker_id: int | None) -> bool:
    """Coordinators see everyone; workers see their own people and those they back up."""
    if actor.staff is None:
        return False
    if actor.role is Role.COORDINATOR:
        return True
    return actor.staff.id in (worker_id, backup_worker_id)


StaffAction = Callable[[Turn, AsyncSession, Actor, list[str]], Awaitable[None]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def staff_command(*, coordinator: bool = False) -> Callable[[StaffAction], Handler]:
    """Wrap a staff action: one transaction, the role check, the kind refusal.

    Strangers get the stranger's explanation and people the "staff only" line: a refusal
    never reveals anything about who is enrolled.
    """

    def wrap(action: StaffAction) -> Handler:
        @functools.wraps(action)
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            turn = Turn(update, context)
            try:
                async with turn.transaction() as session:
                    actor = await turn.actor(session)
                    if actor.staff is None:
                        key = "stranger.intro" if actor.person is None else "common.staff_only"
                        turn.reply(session, turn.text(key))
                        return
                    if coordinator and not is_coordinator(actor):
                        turn.reply(session, turn.text("common.coordinator_only"))
                        return
                    args = list(context.args or [])
                    await action(turn, session, actor, args)
            except AlreadyHandled:
                pass
            finally:
                if update.callback_query is not None:
                    await answer_quietly(update, turn.callback_answer)

        return handler

    return wrap
