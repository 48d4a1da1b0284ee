"""A life for the person page's tests: Aiko answers a check-in with a mood, stays silent
after the next (a silence episode, closed when she writes), is connected to a community
place, pauses for a few days and comes back; a note is written on her episode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from domain.people import StaffRole
from standin.sandbox import Sandbox
from storage.staff import Staff
from tests.handlers.checkin_helpers import (
    WORKER,
    advance,
    enrol,
    escalation_rows,
    is_checkin,
    next_message,
    person_row,
)
from tests.web.scenes import COORDINATOR, OTHER_WORKER

__all__ = ["Life", "life", "speaks"]

PERSON = 1001


@dataclass(frozen=True)
class Life:
    person_id: int
    escalation_id: int


async def speaks(sb: Sandbox, telegram_id: int, language: str) -> None:
    """The staff member chose `language` (as /language does)."""
    async with sb.runtime.db.transaction() as session:
        await session.execute(
            update(Staff).where(Staff.telegram_id == telegram_id).values(language=language)
        )


async def _checkin(sb: Sandbox) -> int:
    """The worker sends a check-in at once; returns its message id in Aiko's chat."""
    before = {m.message_id for m in sb.standin.messages_to(PERSON)}
    await sb.user(WORKER, "Sato").send_command("checkin_now", str(PERSON))
    checkin = await next_message(sb, PERSON, lambda m: is_checkin(m) and m.message_id not in before)
    return checkin.message_id


async def life(sb: Sandbox) -> Life:
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    coordinator = sb.user(COORDINATOR, "Ito")
    await coordinator.send_command("resource", "add place 居場所カフェ")
    await next_message(sb, COORDINATOR)
    aiko = await enrol(sb)
    pid = (await person_row(sb)).id

    # A mood: "good".
    await aiko.press(await _checkin(sb), 1)
    await advance(sb, timedelta(days=1))
    # Silence: no answer, a nudge, then the worker is told; she writes back later.
    await _checkin(sb)
    await advance(sb, timedelta(hours=7))
    await advance(sb, timedelta(days=2))
    [episode] = await escalation_rows(sb)
    await sb.user(WORKER, "Sato").send_command("note", f"{episode.id} 電話で話せた")
    await next_message(sb, WORKER, lambda m: "#" in (m.text or ""))
    await aiko.send_text("ごめんなさい、寝込んでいました")
    await advance(sb, timedelta(days=1))
    # A tie: the worker suggests the café, Aiko agrees.
    await sb.user(WORKER, "Sato").send_command("connect", f"{PERSON} カフェ")
    asked = await next_message(sb, PERSON, lambda m: bool(m.buttons) and not is_checkin(m))
    await aiko.press(asked, 0)
    await advance(sb, timedelta(days=1))
    # A pause of three days, and back.
    await aiko.send_command("pause", "3")
    await advance(sb, timedelta(days=4))
    await aiko.send_command("resume")
    await advance(sb, timedelta(hours=2))
    await aiko.press(await _checkin(sb), 3)  # "low"
    await sb.settle()
    return Life(person_id=pid, escalation_id=episode.id)
