"""Helpers for end-to-end check-in tests: the real runtime against the stand-in.

Time moves only through `advance` (settle first, then move the clock and run one tick), so
every scene's sends and delivery hooks happen at that scene's time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from domain.people import StaffRole
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.checkins import Checkin
from storage.escalations import Escalation
from storage.inbound import PersonMessage
from storage.outbox import OutboxMessage
from storage.people import CadenceChange, Person
from tests.conftest import START

WORKER = 500
OTHER_WORKER = 501
COORDINATOR = 600
PERSON = 1001
OTHER = 1002
# The first scheduled check-in after enrolling on Monday 10:00 is Tuesday 10:00 + jitter
# (at most 10 minutes); a quarter past is safely after it and well before it goes stale.
TUESDAY = START + timedelta(days=1, minutes=15)


def text(sb: Sandbox, language: str, key: str, /, **params: Any) -> str:
    return sb.runtime.svc.catalog.text(language, key, **params)


def variants(sb: Sandbox, language: str, key: str) -> list[str]:
    return sb.runtime.svc.catalog.variants(language, key)


async def advance(sb: Sandbox, to: datetime | timedelta) -> None:
    """Finish the current scene, move the clock, run the periodic steps once, deliver."""
    await sb.settle()
    clock = sb.clock
    assert clock is not None
    target = clock.now() + to if isinstance(to, timedelta) else to
    clock.set(target)  # type: ignore[attr-defined]
    # The runtime also ticks on its own every second. A tick begun before the clock moved
    # finishes first, or it could hold rows this tick skips (SKIP LOCKED on PostgreSQL); and
    # one begun meanwhile, at the new time, may be the one doing the scene's work, which
    # settling alone does not wait for (an escalation opened but not yet committed).
    await sb.runtime.ticks_done()
    await sb.runtime.tick()
    await sb.runtime.ticks_done()
    await sb.settle()


async def next_message(
    sb: Sandbox,
    chat_id: int,
    predicate: Callable[[SentMessage], bool] | None = None,
    timeout: float = 5.0,  # noqa: ASYNC109 - passed on to the stand-in's wait
) -> SentMessage:
    return await sb.standin.wait_for_message(chat_id, predicate, timeout=timeout)


def is_checkin(message: SentMessage) -> bool:
    return any((data or "").startswith("mood:") for _, data in message.buttons)


def has_ack_button(message: SentMessage) -> bool:
    return bool(message.buttons) and (message.buttons[0][1] or "").startswith("ack:")


def checkins_in(sb: Sandbox, chat_id: int) -> list[SentMessage]:
    return [m for m in sb.standin.messages_to(chat_id) if is_checkin(m) or _was_checkin(m)]


def _was_checkin(message: SentMessage) -> bool:
    """An answered check-in lost its buttons in an edit; its first state had them."""
    for earlier in message.edits:
        rows = (earlier.reply_markup or {}).get("inline_keyboard", [])
        if any((b.get("callback_data") or "").startswith("mood:") for row in rows for b in row):
            return True
    return False


async def enrol(
    sb: Sandbox,
    user_id: int = PERSON,
    name: str = "Aiko",
    *,
    language: str = "ja",
    worker: int = WORKER,
) -> SimulatedUser:
    """Create the invite, open the link, consent; returns the enrolled user."""
    token = await sb.create_invite(worker)
    user = sb.user(user_id, name, language_code=language)
    await user.send_command("start", token)
    consent = await next_message(sb, user_id)
    await user.press(consent, 0)
    await next_message(sb, user_id, lambda m: not m.buttons)
    # The worker hears of it ("... agreed to join"); move their cursor past it.
    await next_message(sb, worker, lambda m: (m.text or "").startswith(name))
    await sb.settle()
    return user


async def staffed(sb: Sandbox) -> SimulatedUser:
    """The worker Sato (500); returns their simulated user."""
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    return sb.user(WORKER, "Sato")


async def worker_hears(
    sb: Sandbox, key: str, /, chat_id: int = WORKER, **params: Any
) -> SentMessage:
    expected = text(sb, "ja", key, **params)
    return await next_message(sb, chat_id, lambda m: m.text == expected)


async def person_row(sb: Sandbox, telegram_id: int = PERSON) -> Person:
    async with sb.runtime.db.sessions() as session:
        query = select(Person).where(Person.telegram_id == telegram_id)
        return (await session.execute(query)).scalar_one()


async def escalation_rows(sb: Sandbox) -> list[Escalation]:
    async with sb.runtime.db.sessions() as session:
        return list((await session.execute(select(Escalation).order_by(Escalation.id))).scalars())


async def checkin_rows(sb: Sandbox, person_id: int | None = None) -> list[Checkin]:
    query = select(Checkin).order_by(Checkin.id)
    if person_id is not None:
        query = query.where(Checkin.person_id == person_id)
    async with sb.runtime.db.sessions() as session:
        return list((await session.execute(query)).scalars())


async def cadence_rows(sb: Sandbox) -> list[CadenceChange]:
    async with sb.runtime.db.sessions() as session:
        return list(
            (await session.execute(select(CadenceChange).order_by(CadenceChange.id))).scalars()
        )


async def message_count(sb: Sandbox, person_id: int) -> int:
    async with sb.runtime.db.sessions() as session:
        query = select(func.count()).select_from(PersonMessage)
        return int(await session.scalar(query.where(PersonMessage.person_id == person_id)) or 0)


async def outbox_rows(sb: Sandbox) -> list[OutboxMessage]:
    async with sb.runtime.db.sessions() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


def no_apology(sb: Sandbox, *chat_ids: int) -> None:
    """No handler failed: the catalog's apology was never sent, and no traceback either."""
    apologies = {text(sb, lang, "common.error") for lang in ("ja", "en")}
    for chat_id in chat_ids:
        for message in sb.standin.messages_to(chat_id):
            assert message.text not in apologies, f"a handler failed in chat {chat_id}"
            assert "Traceback" not in (message.text or "")
    assert sb.standin.violations == []
