"""Scenes the web view's tests share: a team with an episode just opened, and /web."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select

from domain.focus import FocusKind
from domain.miniapp import sign
from domain.people import StaffRole
from domain.ties import ResourceFields, ResourceKind, TieState
from standin import SentMessage
from standin.sandbox import SANDBOX_TOKEN, Sandbox
from storage.audit import AuditEntry
from storage.escalations import Escalation
from storage.focus import FocusPeriod, FocusRepository
from storage.resources import ResourceRepository
from storage.ties import TieRepository
from tests.handlers.checkin_helpers import WORKER, enrol, escalation_rows, next_message
from tests.usecases.test_checkins import answered

__all__ = [
    "COORDINATOR",
    "OTHER_WORKER",
    "WORKER",
    "audit_rows",
    "episode",
    "form_token",
    "mini_app_data",
    "moods_tie_and_review",
    "sign_in_link",
]

OTHER_WORKER = 502
COORDINATOR = 600
_LINK = re.compile(r"https?://\S+/login/[A-Za-z0-9_-]+")
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


async def episode(sb: Sandbox) -> tuple[Escalation, SentMessage]:
    """Worker Sato (Aiko's), worker Mori, coordinator Ito; Aiko writes something that opens
    a P1 episode. Returns the episode and Sato's notification of it."""
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    user = await enrol(sb)
    await user.send_text("死にたい")
    await sb.settle()
    [escalation] = await escalation_rows(sb)
    notice = await next_message(
        sb, WORKER, lambda m: bool(m.buttons) and m.buttons[0][1] == f"ack:{escalation.id}"
    )
    return escalation, notice


async def sign_in_link(sb: Sandbox, telegram_id: int) -> str:
    """What a staff member's /web brings: the one-time link in the bot's answer."""
    await sb.user(telegram_id, "staff").send_command("web")
    answer = await next_message(sb, telegram_id, lambda m: "/login/" in (m.text or ""))
    found = _LINK.search(answer.text or "")
    assert found is not None
    return found.group(0)


def form_token(html: str) -> str:
    found = _FORM_TOKEN.search(html)
    assert found is not None, "no form token in the page"
    return found.group(1)


def mini_app_data(telegram_id: int, auth_date: int, token: str = SANDBOX_TOKEN) -> str:
    fields = {
        "user": json.dumps({"id": telegram_id, "first_name": "Sato"}),
        "auth_date": str(auth_date),
    }
    fields["hash"] = sign(fields, token)
    return urlencode(fields)


async def audit_rows(sb: Sandbox, action: str) -> list[AuditEntry]:
    async with sb.runtime.db.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(query)).scalars())


async def moods_tie_and_review(sb: Sandbox, person_id: int, moods: list[int]) -> datetime:
    """Tapped moods, an active tie to a food bank and a focus period; its review date."""
    now = sb.clock.now()  # type: ignore[union-attr]
    review_at = now + timedelta(days=14)
    await answered(sb.runtime.svc, person_id, moods, now - timedelta(days=len(moods)))
    async with sb.runtime.db.transaction() as session:
        [food] = await ResourceRepository(session).add_all(
            [ResourceFields(name="フードバンク東", kind=ResourceKind.FOOD)], now=now
        )
        ties = TieRepository(session)
        tie = await ties.propose(
            person_id=person_id, resource_id=food.id, proposed_by=None, now=now
        )
        await ties.move(
            tie.id,
            person_id=person_id,
            from_state=TieState.PROPOSED,
            to_state=TieState.ACTIVE,
            now=now,
        )
        FocusRepository(session).add(
            FocusPeriod(
                person_id=person_id, kind=FocusKind.FOCUS, started_at=now, review_at=review_at
            )
        )
    return review_at
