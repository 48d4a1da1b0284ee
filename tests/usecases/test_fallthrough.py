"""Staff reachability and fall-through end to end (PRODUCT.md, escalation queue; issue 9):
the real runtime against the Bot API stand-in, on SQLite and PostgreSQL, test clock.

Telegram lets a bot write only to someone who wrote to it first: a staff member registered
with `tsunagari staff add` who never opened the bot has no chat at the stand-in, so every
send to them fails with "chat not found" — as it does at Telegram.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from cli.main import Cli, build_parser
from domain.escalation import EscalationReason, Priority
from domain.people import StaffRole
from domain.reachability import Reachability, Unreachable
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.escalations import Escalation, EscalationNotification
from storage.people import Person
from storage.staff import Staff
from tests.handlers.checkin_helpers import advance, has_ack_button, next_message, no_apology

WORKER = 500
BACKUP = 501
COORDINATOR = 600
PERSON = 1001
AT_ONCE = 3.0  # seconds: well inside one scheduler tick (a minute here)


@pytest.fixture
def sandbox_config() -> dict[str, Any]:
    """The ops listener on a free port and a one-minute tick: what arrives within seconds
    was sent by the handler or the delivery hook, not by a later tick."""
    return {"scheduler": {"tick": "60s"}, "http": {"listen": "127.0.0.1:0"}}


def text(sb: Sandbox, key: str, /, **params: Any) -> str:
    return sb.runtime.svc.text("ja", key, **params)


async def enrol(
    sb: Sandbox, worker: int, person: int = PERSON, name: str = "Aiko"
) -> SimulatedUser:
    """Open an invite of `worker`'s and consent (the worker may not hear of it)."""
    token = await sb.create_invite(worker)
    user = sb.user(person, name)
    await user.send_command("start", token)
    await user.press(await next_message(sb, person), 0)
    await next_message(sb, person, lambda m: not m.buttons)
    await sb.settle()
    return user


async def http_get(sb: Sandbox, path: str) -> tuple[int, str]:
    port = sb.runtime._listeners[0].port
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as r:
        return r.status, await r.text()


async def staff_list(sb: Sandbox) -> dict[int, dict[str, Any]]:
    """`tsunagari staff list --json` on the sandbox's database."""
    import json

    out = io.StringIO()
    args = build_parser().parse_args(["staff", "list", "--json"])
    cli = Cli(args, {"TSUNAGARI_DATABASE_URL": sb.database_url}, out)
    assert await cli.staff_list() == 0
    return {row["telegram_id"]: row for row in json.loads(out.getvalue())}


async def staff_row(sb: Sandbox, telegram_id: int) -> Staff:
    async with sb.runtime.db.sessions() as session:
        query = select(Staff).where(Staff.telegram_id == telegram_id)
        return (await session.execute(query)).scalar_one()


async def the_escalation(sb: Sandbox) -> Escalation:
    async with sb.runtime.db.sessions() as session:
        return (await session.execute(select(Escalation))).scalar_one()


def colleague_note(sb: Sandbox, name: str, escalation_id: int, cause: str) -> str:
    return text(
        sb,
        "reachability.colleague_unreachable",
        name=name,
        escalation_id=escalation_id,
        person="Aikoさん（ID 1）",
        person_id=1,
        cause=text(sb, f"reachability.cause.{cause}"),
    )


def is_notice_of(escalation_id: int) -> Any:
    def check(message: SentMessage) -> bool:
        return has_ack_button(message) and message.buttons[0][1] == f"ack:{escalation_id}"

    return check


async def test_a_worker_who_never_opened_the_bot_and_a_crisis(sandbox: Sandbox) -> None:
    """The worker was registered from the command line and never opened the bot: the
    coordinator is told at once, and learns that the worker could not be reached."""
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato", opened=False)
    user = await enrol(sb, WORKER)  # "Aiko agreed to join" could not reach Sato
    await user.send_text("もう消えたい")
    await next_message(sb, PERSON, timeout=AT_ONCE)  # the crisis card
    escalation = await the_escalation(sb)
    assert (escalation.reason, escalation.priority) == (EscalationReason.DISTRESS, Priority.P1)
    await next_message(sb, COORDINATOR, is_notice_of(escalation.id), timeout=AT_ONCE)
    expected = colleague_note(sb, "Sato", escalation.id, "chat_not_found")
    await next_message(sb, COORDINATOR, lambda m: m.text == expected, timeout=AT_ONCE)

    rows = await staff_list(sb)
    assert rows[WORKER]["reachable"] is False
    assert rows[WORKER]["unreachable_cause"] == Unreachable.CHAT_NOT_FOUND.value
    assert rows[WORKER]["last_seen_at"] is None
    assert rows[COORDINATOR]["reachable"] is True
    assert datetime.fromisoformat(rows[COORDINATOR]["last_seen_at"]).utcoffset() is not None
    assert await skipped_in_audit(sb, escalation.id) == [(await staff_row(sb, WORKER)).id]
    status, _ = await http_get(sb, "/healthz")
    assert status == 200  # the coordinator can act: nothing waits
    no_apology(sb, PERSON, COORDINATOR)


async def skipped_in_audit(sb: Sandbox, escalation_id: int) -> list[int]:
    import json

    async with sb.runtime.db.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "escalation.responder_skipped")
        )
        details = [json.loads(d) for d in rows.scalars() if d]
    return [d["staff_id"] for d in details if d["escalation_id"] == escalation_id]


async def test_a_failed_notification_falls_through_at_once(sandbox: Sandbox) -> None:
    """The worker's chat fails for good at the moment of sending (reassigned to someone who
    never opened the bot): in the transaction that records the failure the worker becomes
    unreachable, the backup is notified at once and the coordinator learns why."""
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    first = await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato", opened=False)
    user = await enrol(sb, BACKUP)
    async with sb.runtime.db.transaction() as session:
        person = (await session.execute(select(Person))).scalar_one()
        worker = (await session.execute(select(Staff).where(Staff.telegram_id == WORKER))).one()
        person.worker_id, person.backup_worker_id = worker[0].id, first.id
    assert (await staff_row(sb, WORKER)).reachability is Reachability.UNKNOWN
    await user.send_text("お金がなくて何も食べてない")  # concern: P2, to the worker only
    escalation = await wait_for_escalation(sb)
    assert escalation.priority is Priority.P2
    await next_message(sb, BACKUP, is_notice_of(escalation.id), timeout=AT_ONCE)
    expected = colleague_note(sb, "Sato", escalation.id, "chat_not_found")
    await next_message(sb, COORDINATOR, lambda m: m.text == expected, timeout=AT_ONCE)
    await sb.settle()
    sato = await staff_row(sb, WORKER)
    assert (sato.reachability, sato.unreachable_cause) == (
        Reachability.UNREACHABLE,
        Unreachable.CHAT_NOT_FOUND,
    )
    assert (await the_escalation(sb)).level == 2  # the ladder goes on from the backup
    async with sb.runtime.db.sessions() as session:
        levels = (
            await session.execute(
                select(EscalationNotification.level, Staff.telegram_id)
                .join(Staff, Staff.id == EscalationNotification.staff_id)
                .order_by(EscalationNotification.id)
            )
        ).all()
    assert [tuple(r) for r in levels] == [(0, WORKER), (2, BACKUP)]
    # Not a single coordinator notice yet: the backup holds the line.
    assert not [m for m in sb.standin.messages_to(COORDINATOR) if has_ack_button(m)]
    no_apology(sb, PERSON, BACKUP, COORDINATOR)


async def wait_for_escalation(sb: Sandbox) -> Escalation:
    await next_message(sb, PERSON, timeout=AT_ONCE)
    await sb.settle()
    return await the_escalation(sb)


async def test_a_worker_who_blocked_the_bot_falls_through(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    user = await enrol(sb, WORKER)
    sb.standin.block(WORKER)
    await user.send_command("talk")  # wants_contact: P2, to the worker; no backup
    escalation = await wait_for_escalation(sb)
    await next_message(sb, COORDINATOR, is_notice_of(escalation.id), timeout=AT_ONCE)
    expected = colleague_note(sb, "Sato", escalation.id, "blocked")
    await next_message(sb, COORDINATOR, lambda m: m.text == expected, timeout=AT_ONCE)
    await sb.settle()
    assert (await staff_row(sb, WORKER)).unreachable_cause is Unreachable.BLOCKED
    assert (await the_escalation(sb)).level == 3


async def test_nobody_reachable_then_a_coordinator_opens_the_bot(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito", opened=False)
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato", opened=False)
    user = await enrol(sb, WORKER)
    with caplog.at_level(logging.ERROR, logger="usecases.reachability"):
        await user.send_text("もう消えたい")
        escalation = await wait_for_escalation(sb)
    ids = {(await staff_row(sb, t)).id for t in (WORKER, COORDINATOR)}
    [error] = [
        r
        for r in caplog.records
        if r.name == "usecases.reachability" and r.levelno == logging.ERROR
    ]
    message = error.getMessage()
    assert f"escalation {escalation.id}" in message
    assert all(str(i) in message for i in ids)
    assert "Sato" not in message and "Ito" not in message and "Aiko" not in message

    status, body = await http_get(sb, "/healthz")
    assert status == 503
    import json

    assert json.loads(body) == {
        "ok": False,
        "status": "degraded",
        "reason": f"escalation {escalation.id}: no reachable responder",
    }
    _, metrics = await http_get(sb, "/metrics")
    assert "tsunagari_escalations_unreachable_total 1.0" in metrics.splitlines()
    assert "tsunagari_escalations_waiting_for_responder 1.0" in metrics.splitlines()

    # A tick finds nobody to try: the escalation keeps waiting, counted once.
    await advance(sb, timedelta(minutes=1))
    assert (await http_get(sb, "/healthz"))[0] == 503
    assert sb.runtime.svc.metrics.value("tsunagari_escalations_unreachable_total") == 1

    # The coordinator opens the bot: greeted with what waits, and the notice goes out.
    ito = sb.user(COORDINATOR, "Ito")
    await ito.send_command("start")
    await next_message(sb, COORDINATOR, is_notice_of(escalation.id), timeout=AT_ONCE)
    await sb.settle()
    greeting = [
        m.text or ""
        for m in sb.standin.messages_to(COORDINATOR)
        if (m.text or "").startswith(text(sb, "reachability.opened"))
    ]
    assert len(greeting) == 1 and f"#{escalation.id}" in greeting[0]
    status, body = await http_get(sb, "/healthz")
    assert (status, json.loads(body)["status"]) == (200, "ok")
    _, metrics = await http_get(sb, "/metrics")
    assert "tsunagari_escalations_waiting_for_responder 0.0" in metrics.splitlines()
    assert (await staff_list(sb))[COORDINATOR]["reachable"] is True
    no_apology(sb, PERSON, COORDINATOR)


async def test_a_staff_member_is_greeted_with_what_waits(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato", opened=False)
    await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki", opened=False)
    user = await enrol(sb, WORKER)
    ken = await enrol(sb, WORKER, PERSON + 1, "Ken")
    await user.send_text("お金がなくて何も食べてない")  # concern, P2
    concern = await wait_for_escalation(sb)
    await ken.send_text("もう消えたい")  # distress, P1: the most urgent
    await next_message(sb, PERSON + 1, timeout=AT_ONCE)
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        distress = (
            await session.execute(
                select(Escalation).where(Escalation.reason == EscalationReason.DISTRESS)
            )
        ).scalar_one()
    assert distress.id != concern.id

    sato = sb.user(WORKER, "Sato")
    await sato.send_command("queue")  # any message opens the bot, not only /start
    opened = text(sb, "reachability.opened")
    greeting = await next_message(
        sb, WORKER, lambda m: (m.text or "").startswith(opened), timeout=AT_ONCE
    )
    assert greeting.text == opened + "\n" + text(
        sb,
        "reachability.waiting",
        count=2,
        id=distress.id,
        priority="P1",
        reason=text(sb, "reason.distress"),
        person="Kenさん（ID 2）",
        person_id=2,
    )
    suzuki = sb.user(BACKUP, "Suzuki")  # nobody assigned to them: nothing waits
    await suzuki.send_command("start")
    hello = await next_message(sb, BACKUP, timeout=AT_ONCE)
    assert (hello.text or "").startswith(
        opened + "\n" + text(sb, "reachability.nothing_waiting") + "\n\n"
    )
    await sb.settle()
    rows = await staff_list(sb)
    assert rows[WORKER]["reachable"] is True and rows[BACKUP]["reachable"] is True
    assert rows[WORKER]["last_seen_at"] is not None
    no_apology(sb, WORKER, BACKUP)


async def test_a_step_up_passes_over_a_worker_known_unreachable(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato", opened=False)
    user = await enrol(sb, WORKER)  # Sato is now known unreachable (chat not found)
    await user.send_command("talk")  # P2: the worker, who is passed over for Ito
    escalation = await wait_for_escalation(sb)
    await next_message(sb, COORDINATOR, is_notice_of(escalation.id), timeout=AT_ONCE)
    assert not sb.runtime.svc.metrics.value("tsunagari_escalations_unreachable_total")

    await advance(sb, timedelta(hours=4, minutes=1))  # nobody acknowledged: level 1
    await next_message(sb, COORDINATOR, is_notice_of(escalation.id), timeout=AT_ONCE)
    sato = (await staff_row(sb, WORKER)).id
    assert await skipped_in_audit(sb, escalation.id) == [sato, sato]  # at levels 0 and 1
    async with sb.runtime.db.sessions() as session:
        notified = (
            await session.execute(
                select(EscalationNotification.level, Staff.telegram_id)
                .join(Staff, Staff.id == EscalationNotification.staff_id)
                .order_by(EscalationNotification.id)
            )
        ).all()
    assert [tuple(r) for r in notified] == [(0, COORDINATOR), (1, COORDINATOR)]
    # Told once, when the escalation opened; the step-up only records the skip.
    expected = colleague_note(sb, "Sato", escalation.id, "chat_not_found")
    assert [m.text for m in sb.standin.messages_to(COORDINATOR)].count(expected) == 1
    assert (await http_get(sb, "/healthz"))[0] == 200
