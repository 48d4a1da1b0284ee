"""One turn of conversation: who wrote, in which language, and the replies it causes.

A handler reads the clock once, opens one transaction, claims the update (so a
redelivered update does nothing), writes its effects and its replies as outbox rows, and
commits. Replies are sent by the delivery loop, never inside the transaction.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from domain.people import Role
from handlers.args import BadArgument, bad_argument_text
from infra.i18n import normalise_language
from storage.audit import AuditRepository
from storage.inbound import InboundRepository
from storage.outbox import OutboxRepository, Purpose, new_message, new_photo
from storage.people import Person, PersonRepository
from storage.staff import Staff, StaffRepository
from usecases.fallthrough import staff_opened, staff_update
from usecases.services import Services, services
from usecases.words import moment


@dataclass
class Actor:
    role: Role
    staff: Staff | None = None
    person: Person | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None


class AlreadyHandled(Exception):
    """The update was processed before (Telegram redelivered it); do nothing."""


class Turn:
    def __init__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.update = update
        self.svc: Services = services(context)
        self._bot = context.bot
        self.now: datetime = self.svc.clock.now()
        user = update.effective_user
        chat = update.effective_chat
        self.user_id: int = user.id if user else 0
        self.chat_id: int = chat.id if chat else self.user_id
        self.telegram_language = normalise_language(
            user.language_code if user else None, self.svc.settings.default_language
        )
        self.language = self.telegram_language
        self.sent = False
        # What a button press is answered with (the small toast), if anything.
        self.callback_answer: str | None = None
        # A staff member wrote while not known reachable: they opened the bot, and are
        # greeted with what waits for them (unless the handler already did, as /start does).
        self.staff_opened = False
        self.greeted = False

    def staff_time(self, value: datetime | None) -> str:
        """An instant as staff read it, in the organisation's zone: 12月5日(土) 10:00 /
        Sat 5 Dec, 10:00; a missing one in words (なし / none)."""
        zone = self.svc.settings.escalation.timezone
        return moment(self.svc.catalog, self.language, value, zone, missing="common.none")

    @property
    def bot_username(self) -> str:
        """For deep links; known once the application is initialised (getMe)."""
        return str(self._bot.username)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The turn's transaction; raises AlreadyHandled if the update was processed."""
        async with self.svc.db.transaction() as session:
            if not await InboundRepository(session).claim(self.update.update_id, now=self.now):
                raise AlreadyHandled()
            yield session
        self.svc.claimed_updates.add(self.update.update_id)
        if self.sent:
            self.svc.wake_delivery()

    async def actor(self, session: AsyncSession) -> Actor:
        staff = await StaffRepository(session).by_telegram_id(self.user_id)
        if staff is not None:
            self.language = staff.language
            member = self.update.my_chat_member
            status = member.new_chat_member.status if member is not None else None
            self.staff_opened = staff_update(staff, self.now, status)
            return Actor(Role(staff.role), staff=staff)
        person = await PersonRepository(session).by_telegram_id(self.user_id)
        if person is not None:
            self.language = person.language
            return Actor(Role.PERSON, person=person)
        return Actor(Role.STRANGER)

    def text(self, key: str, **params: object) -> str:
        return self.svc.text(self.language, key, **params)

    def reply(
        self,
        session: AsyncSession,
        text: str,
        *,
        markup: dict[str, Any] | None = None,
        purpose: Purpose = Purpose.REPLY,
        person_id: int | None = None,
        priority: int | None = None,
    ) -> None:
        self.send(
            session,
            self.chat_id,
            text,
            markup=markup,
            purpose=purpose,
            person_id=person_id,
            priority=priority,
        )

    def reply_photo(
        self, session: AsyncSession, png: bytes, caption: str, *, person_id: int | None = None
    ) -> None:
        """A picture with its caption, through the outbox like every send."""
        OutboxRepository(session).add(
            new_photo(
                chat_id=self.chat_id, png=png, caption=caption, now=self.now, person_id=person_id
            )
        )
        self.sent = True

    def send(
        self,
        session: AsyncSession,
        chat_id: int,
        text: str,
        *,
        markup: dict[str, Any] | None = None,
        purpose: Purpose = Purpose.REPLY,
        person_id: int | None = None,
        priority: int | None = None,
    ) -> None:
        message = new_message(
            chat_id=chat_id,
            text=text,
            now=self.now,
            purpose=purpose,
            reply_markup=markup,
            person_id=person_id,
        )
        if priority is not None:
            message.priority = priority
        OutboxRepository(session).add(message)
        self.sent = True


def inline_keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """Bot API InlineKeyboardMarkup as plain JSON (stored in the outbox as such)."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }


async def answer_quietly(update: Update, text: str | None = None) -> None:
    """Answer a button press; a stale query (a redelivery hours later) is not an error."""
    from telegram.error import BadRequest, NetworkError

    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except (BadRequest, NetworkError) as exc:
        logging.getLogger(__name__).info(
            "callback answer for update %s failed: %s", update.update_id, type(exc).__name__
        )


async def _refuse_argument(turn: Turn, exc: BadArgument) -> None:
    try:
        async with turn.transaction() as session:
            turn.reply(session, bad_argument_text(turn, exc))
    except AlreadyHandled:
        pass


Action = Callable[["Turn", AsyncSession, Actor, list[str]], Awaitable[None]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
Gate = Callable[[Actor], str | None]


def audit_refusal(
    session: AsyncSession, actor: Actor, action: str, refusal: str, now: datetime
) -> None:
    """Someone tried a command or button their role does not allow: the audit log keeps
    who (a stranger by role only: the bot keeps nothing about strangers), what and when."""
    AuditRepository(session).record(
        action="command.refused",
        now=now,
        actor=actor.role.value,
        staff_id=actor.staff.id if actor.staff is not None else None,
        person_id=actor.person.id if actor.person is not None else None,
        detail={"handler": action, "refusal": refusal},
    )


def turn_handler(gate: Gate | None = None) -> Callable[[Action], Handler]:
    """Wrap an action in one turn: one transaction that claims the update, a role gate
    (which names the catalog key of its kind refusal), and the button-press answer.

    A redelivered update does nothing; a refusal changes nothing but the reply.
    """

    def wrap(action: Action) -> Handler:
        @functools.wraps(action)
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            turn = Turn(update, context)
            try:
                async with turn.transaction() as session:
                    actor = await turn.actor(session)
                    refusal = gate(actor) if gate is not None else None
                    if refusal is not None:
                        turn.reply(session, turn.text(refusal))
                        audit_refusal(session, actor, action.__name__, refusal, turn.now)
                    else:
                        await action(turn, session, actor, list(context.args or []))
                    # Even a refused command opens the bot: what waited for them goes out.
                    if turn.staff_opened and not turn.greeted and actor.staff is not None:
                        turn.reply(
                            session, await staff_opened(turn.svc, session, actor.staff, turn.now)
                        )
            except AlreadyHandled:
                pass
            except BadArgument as exc:
                # Nothing the action did before it met the bad argument is kept: the
                # reply naming it is the turn's only effect.
                await _refuse_argument(turn, exc)
            finally:
                if update.callback_query is not None:
                    await answer_quietly(update, turn.callback_answer)

        return handler

    return wrap
