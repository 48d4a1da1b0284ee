"""The workers' escalation queue end to end (PRODUCT.md flow 5): the real runtime against the
Bot API stand-in, on SQLite and PostgreSQL.

Acknowledge (others see it; a second claim is "already taken"), relay to the person signed
with the worker's name, the person's answer back to that worker, resolve with an outcome;
/queue by priority then age, paged; details with notes; resolve by buttons; one episode per
person that later reasons join; reassign.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from cli.main import Cli, build_parser
from domain.escalation import EscalationReason, EscalationState, Outcome, Priority
from domain.people import StaffRole
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.escalations import Escalation, EscalationNote
from storage.people import Person
from tests.handlers.checkin_helpers import enrol, escalation_rows, next_message, no_apology
from usecases.escalations import open_or_join

WORKER = 500
BACKUP = 501
OTHER_WORKER = 502
COORDINATOR = 600
PERSON = 1001
PERSON_2 = 1002
STRANGERS_PERSON = 1003


def t(sb: Sandbox, key: str, /, **params: Any) -> str:
    return sb.runtime.svc.text("ja", key, **params)


def is_notice(escalation_id: int) -> Any:
    def check(message: SentMessage) -> bool:
        return bool(message.buttons) and message.buttons[0][1] == f"ack:{escalation_id}"

    return check


async def cli_json(sb: Sandbox, *argv: str) -> Any:
    """Run a `tsunagari ... --json` command against the sandbox's database, in this loop."""
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    out = io.StringIO()
    env = {"TSUNAGARI_DATABASE_URL": sb.database_url}
    cli = Cli(args, env, out)
    cli.config_path = lambda: None  # type: ignore[method-assign]
    assert await args.handler(cli) == 0
    return json.loads(out.getvalue())


async def team(sb: Sandbox) -> tuple[SimulatedUser, SimulatedUser, SimulatedUser, SimulatedUser]:
    """Worker Sato with backup Suzuki, another worker Mori, coordinator Ito; Aiko enrolled."""
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    user = await enrol(sb)
    coordinator = sb.user(COORDINATOR, "Ito")
    await coordinator.send_command("assign", f"{PERSON} {WORKER} {BACKUP}")
    await next_message(sb, COORDINATOR, lambda m: "Suzuki" in (m.text or ""))
    await next_message(sb, WORKER)
    await sb.settle()
    return user, sb.user(WORKER, "Sato"), sb.user(BACKUP, "Suzuki"), coordinator


async def one(sb: Sandbox, model: Any, **where: Any) -> Any:
    async with sb.runtime.db.sessions() as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return (await session.execute(query)).scalars().one()


async def audit_actions(sb: Sandbox) -> list[str]:
    async with sb.runtime.db.sessions() as session:
        rows = await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))
        return list(rows.scalars())


async def test_acknowledge_relay_answer_and_resolve(sandbox: Sandbox) -> None:
    sb = sandbox
    user, worker, backup, _coordinator = await team(sb)
    await user.send_text("死にたい")
    await sb.settle()
    [escalation] = await escalation_rows(sb)
    eid = escalation.id
    assert escalation.priority is Priority.P1
    w_notice = await next_message(sb, WORKER, is_notice(eid))
    b_notice = await next_message(sb, BACKUP, is_notice(eid))
    c_notice = await next_message(sb, COORDINATOR, is_notice(eid))

    # Both press "acknowledge" before either is handled: the first wins, atomically.
    w_query = await worker.press(w_notice, 0)
    b_query = await backup.press(b_notice, 0)
    assert (await sb.standin.wait_for_callback_answer(w_query)).text == t(
        sb, "escalation.you_acknowledged"
    )
    assert (await sb.standin.wait_for_callback_answer(b_query)).text == t(
        sb, "escalation.already_taken"
    )
    await sb.settle()
    # Every notified staff member sees "Sato is on it"; acknowledging goes, details stay.
    on_it = t(sb, "escalation.acknowledged_by", by="Sato")
    for chat, notice in ((BACKUP, b_notice), (COORDINATOR, c_notice), (WORKER, w_notice)):
        edited = await sb.standin.wait_for_edit(
            chat, lambda m, n=notice: m.message_id == n.message_id
        )
        assert on_it in (edited.text or "")
        assert [d for _, d in edited.buttons] == [f"esc:{eid}"]
    acknowledged = await one(sb, Escalation, id=eid)
    assert acknowledged.state is EscalationState.ACKNOWLEDGED
    worker_row = acknowledged.acknowledged_by

    # Relay: the person reads it signed with the worker's name.
    await worker.send_command("relay", f"{eid} 明日お電話してもいいですか？")
    to_person = t(sb, "relay.to_person", worker="Sato", text="明日お電話してもいいですか？")
    await next_message(sb, PERSON, lambda m: m.text == to_person)
    person = await one(sb, Person, telegram_id=PERSON)
    assert (await next_message(sb, WORKER)).text == t(sb, "relay.done", person_id=person.id)

    # The person's answer comes back to that worker (and nobody else).
    await user.send_text("はい、午後なら大丈夫です")
    back = t(
        sb,
        "relay.from_person",
        person=f"Aikoさん（ID {person.id}）",
        person_id=person.id,
        text="はい、午後なら大丈夫です",
    )
    await next_message(sb, WORKER, lambda m: m.text == back)
    await sb.settle()
    for chat in (BACKUP, COORDINATOR):
        assert all(m.text != back for m in sb.standin.messages_to(chat))

    # A wrong outcome is named, with the outcomes there are, in one line; nothing changes.
    await worker.send_command("resolve", f"{eid} fixed")
    choices = "・".join(
        t(sb, "args.choice", token=o.value, word=t(sb, f"outcome.{o.value}")) for o in Outcome
    )
    wrong = t(sb, "args.bad", value="fixed", form=t(sb, "args.form.outcome", choices=choices))
    reply = (await next_message(sb, WORKER)).text or ""
    assert reply == wrong and "\n" not in reply
    assert "「fixed」" in reply and "contacted（連絡した）" in reply
    assert (await one(sb, Escalation, id=eid)).state is not EscalationState.RESOLVED

    await worker.send_command("resolve", f"{eid} contacted 電話で話せた")
    done = t(sb, "resolve.done", id=eid, outcome=t(sb, "outcome.contacted"))
    await next_message(sb, WORKER, lambda m: m.text == done)
    await sb.settle()
    resolved = await one(sb, Escalation, id=eid)
    assert (resolved.state, resolved.outcome, resolved.open_key) == (
        EscalationState.RESOLVED,
        Outcome.CONTACTED,
        None,
    )
    assert resolved.acknowledged_by == worker_row
    note = await one(sb, EscalationNote, escalation_id=eid)
    assert note.text == "電話で話せた"
    edited = await sb.standin.wait_for_edit(
        COORDINATOR, lambda m: m.message_id == c_notice.message_id
    )
    assert t(sb, "escalation.resolved_by", by="Sato", outcome=t(sb, "outcome.contacted")) in (
        edited.text or ""
    )

    # Once resolved, the person's words no longer go to the worker.
    await user.send_text("ありがとう")
    await sb.settle()
    assert not any("ありがとう" in (m.text or "") for m in sb.standin.messages_to(WORKER))
    # A second resolve says it is closed already.
    await worker.send_command("resolve", f"{eid} other")
    assert (await next_message(sb, WORKER)).text == t(sb, "resolve.already", id=eid)

    [row] = await cli_json(sb, "escalations", "list", "--all", "--json")
    assert (row["id"], row["state"], row["acknowledged_by"], row["reason"], row["priority"]) == (
        eid,
        "resolved",
        WORKER,
        "distress",
        "P1",
    )
    assert row["person_telegram_id"] == PERSON
    assert await cli_json(sb, "escalations", "list", "--json") == []
    actions = [a["action"] for a in await cli_json(sb, "audit", "list", "--json")]
    for action in ("escalation.acknowledged", "escalation.relay", "escalation.resolved"):
        assert action in actions
    no_apology(sb, PERSON, WORKER, BACKUP, COORDINATOR)


async def _open(sb: Sandbox, telegram_id: int, reason: EscalationReason, priority: Priority) -> int:
    svc = sb.runtime.svc
    async with svc.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.telegram_id == telegram_id))
        ).scalar_one()
        opened = await open_or_join(
            svc, session, person, reason, svc.clock.now(), priority=priority
        )
        await session.flush()
        return opened.escalation.id


async def test_queue_by_priority_then_age_paged(sandbox: Sandbox) -> None:
    sb = sandbox
    clock = sb.clock
    assert clock is not None
    user, worker, _backup, coordinator = await team(sb)
    others = [2001 + i for i in range(6)]
    for i, telegram_id in enumerate(others):
        await enrol(sb, telegram_id, f"Ken{i}")
    await enrol(sb, STRANGERS_PERSON, "Yui", worker=OTHER_WORKER)
    # One episode per person: seven of Sato's people, one of Mori's.
    plan = [
        (PERSON, EscalationReason.RECONNECT, Priority.P3),
        (others[0], EscalationReason.SILENCE, Priority.P2),
        (others[1], EscalationReason.CONCERN, Priority.P2),
        (others[2], EscalationReason.DISTRESS, Priority.P1),
        (others[3], EscalationReason.WANTS_CONTACT, Priority.P2),
        (others[4], EscalationReason.DISTRESS, Priority.P1),
        (others[5], EscalationReason.UNREACHABLE, Priority.P2),
        (STRANGERS_PERSON, EscalationReason.WANTS_CONTACT, Priority.P1),
    ]
    ids = []
    for telegram_id, reason, priority in plan:
        ids.append(await _open(sb, telegram_id, reason, priority))
        clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await sb.settle()
    mine = ids[:7]
    expected = [ids[3], ids[5], ids[1], ids[2], ids[4], ids[6], ids[0]]

    await worker.send_command("queue")
    header = t(sb, "queue.header", count=7, page=1, pages=2)
    page1 = await next_message(sb, WORKER, lambda m: (m.text or "").startswith(header))
    assert [d for _, d in page1.buttons] == [f"esc:{i}" for i in expected[:5]] + ["queue:1"]
    assert page1.buttons[-1][0] == "▶"
    lines = (page1.text or "").splitlines()[1:]
    assert [line.split("【")[0] for line in lines] == [f"#{i}" for i in expected[:5]]
    assert "【P1】" in lines[0] and "【P3】" not in page1.text

    await worker.press(page1, data="queue:1")
    header2 = t(sb, "queue.header", count=7, page=2, pages=2)
    page2 = await next_message(sb, WORKER, lambda m: (m.text or "").startswith(header2))
    assert [d for _, d in page2.buttons] == [f"esc:{i}" for i in expected[5:]] + ["queue:0"]
    assert page2.buttons[-1][0] == "◀"
    assert f"#{ids[7]}" not in (page2.text or ""), "another worker's person is not listed"
    await worker.press(page2, data="queue:0")
    await next_message(sb, WORKER, lambda m: (m.text or "").startswith(header))

    # The coordinator sees all eight.
    await coordinator.send_command("queue")
    all_header = t(sb, "queue.header", count=8, page=1, pages=2)
    page = await next_message(sb, COORDINATOR, lambda m: (m.text or "").startswith(all_header))
    assert page.buttons[0][1] == f"esc:{ids[3]}"
    assert set(mine) <= {e.id for e in await escalation_rows(sb)}
    assert user is not None
    no_apology(sb, WORKER, COORDINATOR)


async def test_an_empty_queue(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.user(WORKER, "Sato").send_command("queue")
    assert (await next_message(sb, WORKER)).text == t(sb, "queue.empty")


async def test_details_show_notes_and_resolve_by_buttons(sandbox: Sandbox) -> None:
    sb = sandbox
    user, worker, _backup, _coordinator = await team(sb)
    await user.send_command("talk")
    await sb.settle()
    [escalation] = await escalation_rows(sb)
    eid = escalation.id
    await worker.send_command("note", f"{eid} 夕方に電話する")
    assert (await next_message(sb, WORKER, lambda m: "メモ" in (m.text or ""))).text == t(
        sb, "note.done", id=eid
    )
    await worker.send_command("queue")
    page = await next_message(sb, WORKER, lambda m: (m.text or "").startswith("エスカレーション"))
    await worker.press(page, data=f"esc:{eid}")
    details = await next_message(sb, WORKER, lambda m: "状態" in (m.text or ""))
    assert "夕方に電話する" in (details.text or "") and "Sato" in (details.text or "")
    assert t(sb, "state.open") in (details.text or "")
    assert [d for _, d in details.buttons] == [f"ack:{eid}", f"resolve:{eid}"]

    query = await worker.press(details, data=f"ack:{eid}")
    assert (await sb.standin.wait_for_callback_answer(query)).text == t(
        sb, "escalation.you_acknowledged"
    )
    await worker.press(details, data=f"resolve:{eid}")
    menu = await next_message(sb, WORKER, lambda m: m.text == t(sb, "queue.pick_outcome", id=eid))
    assert [d for _, d in menu.buttons] == [f"res:{eid}:{o.value}" for o in Outcome]
    await worker.press(menu, data=f"res:{eid}:met_in_person")
    done = t(sb, "resolve.done", id=eid, outcome=t(sb, "outcome.met_in_person"))
    await next_message(sb, WORKER, lambda m: m.text == done)
    await sb.settle()
    resolved = await one(sb, Escalation, id=eid)
    assert (resolved.state, resolved.outcome) == (EscalationState.RESOLVED, Outcome.MET_IN_PERSON)
    # The details of a resolved one have no buttons; the resolve menu refuses.
    await worker.press(page, data=f"esc:{eid}")
    closed = await next_message(sb, WORKER, lambda m: "状態" in (m.text or ""))
    assert t(sb, "state.resolved") in (closed.text or "") and closed.buttons == []
    query = await worker.press(details, data=f"resolve:{eid}")
    assert (await sb.standin.wait_for_callback_answer(query)).text == t(sb, "queue.not_found")
    actions = await audit_actions(sb)
    for action in (
        "escalation.note",
        "escalation.read",
        "escalation.acknowledged",
        "escalation.resolved",
    ):
        assert action in actions
    no_apology(sb, PERSON, WORKER)


async def test_one_episode_per_person_that_every_reason_joins(sandbox: Sandbox) -> None:
    sb = sandbox
    user, _worker, _backup, _coordinator = await team(sb)
    await user.send_command("talk")
    await sb.settle()
    await user.send_command("talk")
    await sb.settle()
    [episode] = await escalation_rows(sb)
    assert episode.reason is EscalationReason.WANTS_CONTACT
    assert len([m for m in sb.standin.messages_to(WORKER) if is_notice(episode.id)(m)]) == 1

    # A concern, then a critical text: they join the episode, which becomes P1 and pages
    # everyone as a new distress does.
    await user.send_text("食べるものが何もない")
    await sb.settle()
    await user.send_text("死にたい")
    await sb.settle()
    [episode] = await escalation_rows(sb)
    assert (episode.reason, episode.priority) == (EscalationReason.WANTS_CONTACT, Priority.P1)
    for chat in (WORKER, BACKUP, COORDINATOR):
        assert any(
            is_notice(episode.id)(m) and "P1" in (m.text or "")
            for m in sb.standin.messages_to(chat)
        )
    await user.send_text("家賃を三か月滞納してる")
    await sb.settle()
    [row] = await cli_json(sb, "escalations", "list", "--json")
    assert (row["reason"], row["reasons"]) == (
        "wants_contact",
        ["wants_contact", "concern", "distress"],
    )
    no_apology(sb, PERSON, WORKER)


async def test_reassign_hands_it_to_another_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    user, worker, _backup, _coordinator = await team(sb)
    await user.send_command("talk")
    await sb.settle()
    [escalation] = await escalation_rows(sb)
    eid = escalation.id
    notice = await next_message(sb, WORKER, is_notice(eid))
    await worker.press(notice, 0)
    await sb.settle()
    await worker.send_command("reassign", f"{eid} {OTHER_WORKER}")
    assert (await next_message(sb, WORKER, lambda m: "#" in (m.text or ""))).text == t(
        sb, "reassign.done", id=eid, worker="Mori"
    )
    await next_message(sb, OTHER_WORKER, is_notice(eid))
    await sb.settle()
    row = await one(sb, Escalation, id=eid)
    assert row.state is EscalationState.OPEN and row.acknowledged_by is None
    mori = sb.user(OTHER_WORKER, "Mori")
    await mori.send_command("queue")
    page = await next_message(
        sb, OTHER_WORKER, lambda m: (m.text or "").startswith("エスカレーション")
    )
    assert page.buttons[0][1] == f"esc:{eid}"
    await worker.send_command("reassign", f"{eid} 99999")
    assert (await next_message(sb, WORKER)).text == t(sb, "invite.unknown_worker", ref="99999")
    await worker.send_command("reassign", str(eid))
    assert (await next_message(sb, WORKER)).text == t(sb, "reassign.usage")
    assert "escalation.reassigned" in await audit_actions(sb)
    no_apology(sb, PERSON, WORKER, OTHER_WORKER)
