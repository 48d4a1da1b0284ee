"""Authorisation on every staff action (issue 5, item 6), one test per refusal.

Strangers get the stranger's explanation, enrolled people "staff only", workers using
coordinators' tools "coordinators only", and a worker reaching for another worker's person
or escalation gets exactly the "not found" words — and nothing changes. The backup worker and
coordinators may see the person.

The per-command refusals run on SQLite (each needs a fresh bot); the combined scenario runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from domain.escalation import EscalationState
from domain.people import StaffRole
from handlers import COMMANDS
from infra.clock import ControllableClock
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.checkins import Checkin
from storage.escalations import Escalation, EscalationNote, EscalationNotification
from storage.invites import Invite
from storage.people import CadenceChange, Person
from storage.resources import Resource
from storage.staff import Staff
from storage.ties import Tie
from tests.conftest import running_sandbox
from tests.handlers.checkin_helpers import enrol, next_message, no_apology

WORKER = 500
BACKUP = 501
OTHER_WORKER = 502
COORDINATOR = 600
PERSON = 1001
ENROLLED = 1002  # another enrolled person, trying staff commands
STRANGER = 900

SNAPSHOT_MODELS = (
    Person,
    Resource,
    Tie,
    Staff,
    Escalation,
    EscalationNote,
    EscalationNotification,
    Checkin,
    Invite,
    AuditEntry,
    CadenceChange,
)
# The menu sync may touch staff rows on any tick; reachability is learnt from any delivery
# (a digest on a tick) and any staff update (a refused command still opens the bot).
VOLATILE = {"menu_role", "updated_at", "reachability", "reachability_at", "last_seen_at"}


@pytest.fixture
async def sqlite_sandbox(tmp_path: Path, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    async with running_sandbox(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}", clock, None) as box:
        yield box


def t(sb: Sandbox, key: str, /, **params: Any) -> str:
    return sb.runtime.svc.text("ja", key, **params)


@dataclass
class World:
    sb: Sandbox
    person: SimulatedUser
    escalation_id: int
    person_id: int

    def user(self, telegram_id: int) -> SimulatedUser:
        return self.sb.standin.user(telegram_id, f"U{telegram_id}", language_code="ja")


async def world(sb: Sandbox) -> World:
    """Sato (worker) with backup Suzuki for Aiko, who asked to talk; Mori, another worker;
    Ito, coordinator; Ken, another enrolled person of Sato's."""
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    person = await enrol(sb)
    await enrol(sb, ENROLLED, "Ken")
    async with sb.runtime.db.transaction() as session:
        aiko = (
            await session.execute(select(Person).where(Person.telegram_id == PERSON))
        ).scalar_one()
        backup = (
            await session.execute(select(Staff).where(Staff.telegram_id == BACKUP))
        ).scalar_one()
        aiko.backup_worker_id = backup.id
        person_id = aiko.id
    sb.user(STRANGER, "Nobody")
    await person.send_command("talk")
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        escalation_id = (await session.execute(select(Escalation.id))).scalar_one()
    for chat_id in (WORKER, BACKUP, OTHER_WORKER, COORDINATOR, PERSON, ENROLLED, STRANGER):
        seen(sb, chat_id)
    return World(sb, person, escalation_id, person_id)


def seen(sb: Sandbox, chat_id: int) -> None:
    """Move the chat's read cursor past everything sent so far."""
    chat = sb.standin.chat(chat_id)
    if chat.sent:
        chat.read_cursor = max(m.message_id for m in chat.sent)


async def snapshot(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    async with sb.runtime.db.sessions() as session:
        for model in SNAPSHOT_MODELS:
            rows = (await session.execute(select(model))).scalars().all()
            columns = [c.key for c in model.__table__.columns if c.key not in VOLATILE]
            data[model.__name__] = sorted(
                ({c: getattr(r, c) for c in columns} for r in rows), key=lambda d: str(d)
            )
    return data


async def refused(
    w: World, who: int, command: str, args: str, expected: str, *, by_role: bool = True
) -> None:
    """Send the command, expect exactly `expected` back and no change anywhere."""
    sb = w.sb
    await sb.settle()
    before = await snapshot(sb)
    to_person = len(sb.standin.messages_to(PERSON))
    await w.user(who).send_command(command, args or None)
    reply = await next_message(sb, who, lambda m: not (m.text or "").startswith("📋"))
    assert reply.text == expected, f"/{command} {args}"
    assert reply.buttons == []
    await sb.settle()
    after = await snapshot(sb)
    audit_before, audit_after = before.pop("AuditEntry"), after.pop("AuditEntry")
    assert after == before, f"/{command} {args} changed something"
    new = [e for e in audit_after if e not in audit_before]
    if not by_role:  # "not found", the same as for what does not exist: nothing to audit
        assert new == []
    else:
        [entry] = new
        assert entry == await refusal_entry(sb, who, command) | {
            "id": entry["id"],
            "at": entry["at"],
        }
    assert len(sb.standin.messages_to(PERSON)) == to_person, "the person was sent something"
    no_apology(sb, who)


ROLES = {STRANGER: "stranger", ENROLLED: "person", WORKER: "worker"}


async def refusal_entry(sb: Sandbox, who: int, command: str) -> dict[str, Any]:
    """The audit entry a refusal leaves: the role and ids of who tried, and the command;
    a stranger by role only."""
    async with sb.runtime.db.sessions() as session:
        staff = await session.scalar(select(Staff.id).where(Staff.telegram_id == who))
        person = await session.scalar(select(Person.id).where(Person.telegram_id == who))
    refusal = {"stranger": "stranger.intro", "person": "common.staff_only"}
    return {
        "action": "command.refused",
        "actor": ROLES[who],
        "actor_staff_id": staff,
        "person_id": person,
        "detail": json.dumps(
            {
                "handler": f"{command}_command",
                "refusal": refusal.get(ROLES[who], "common.coordinator_only"),
            },
            sort_keys=True,
        ),
    }


STAFF_COMMANDS = [
    ("queue", ""),
    ("people", ""),
    ("person", "{person}"),
    ("note", "{esc} memo"),
    ("relay", "{esc} hello"),
    ("reassign", "{esc} {other}"),
    ("resolve", "{esc} contacted"),
    ("assign", "{person} {other}"),
    ("schedule", "{person} times 08:00"),
    ("stats", ""),
    ("staff_invite", "worker"),
    ("deactivate", "{other}"),
    ("checkin_now", "{person}"),
    ("invite", ""),
    ("resources", ""),
    ("resource", "add food フードバンク"),
    ("connect", "{person} フードバンク"),
    ("ties", "{person}"),
    ("focus", "{person} 7"),
    ("web", ""),
]
COORDINATOR_COMMANDS = [
    ("assign", "{person} {other}"),
    ("schedule", "{person} times 08:00"),
    ("schedule", "{person}"),
    ("stats", ""),
    ("staff_invite", "worker"),
    ("deactivate", "{backup}"),
    ("resource", "add food フードバンク"),
]


def fill(w: World, args: str) -> str:
    return args.format(person=PERSON, esc=w.escalation_id, other=OTHER_WORKER, backup=BACKUP)


@pytest.mark.parametrize(("command", "args"), STAFF_COMMANDS, ids=[c for c, _ in STAFF_COMMANDS])
async def test_a_stranger_gets_the_explanation(
    sqlite_sandbox: Sandbox, command: str, args: str
) -> None:
    w = await world(sqlite_sandbox)
    await refused(w, STRANGER, command, fill(w, args), t(w.sb, "stranger.intro"))


@pytest.mark.parametrize(("command", "args"), STAFF_COMMANDS, ids=[c for c, _ in STAFF_COMMANDS])
async def test_an_enrolled_person_gets_staff_only(
    sqlite_sandbox: Sandbox, command: str, args: str
) -> None:
    w = await world(sqlite_sandbox)
    await refused(w, ENROLLED, command, fill(w, args), t(w.sb, "common.staff_only"))


@pytest.mark.parametrize(
    ("command", "args"),
    COORDINATOR_COMMANDS,
    ids=[f"{c}-{i}" for i, (c, _) in enumerate(COORDINATOR_COMMANDS)],
)
async def test_a_worker_gets_coordinators_only(
    sqlite_sandbox: Sandbox, command: str, args: str
) -> None:
    w = await world(sqlite_sandbox)
    # Even the person's own worker may not use coordinators' tools.
    await refused(w, WORKER, command, fill(w, args), t(w.sb, "common.coordinator_only"))


# A worker reaching for another worker's person: the "not found" words, nothing changes.
OTHERS_PERSON = [
    ("person", "{person}", "staff.unknown_person"),
    ("checkin_now", "{person}", "staff.unknown_person"),
    ("relay", "{esc} hello", "queue.not_found"),
    ("note", "{esc} memo", "queue.not_found"),
    ("resolve", "{esc} contacted", "queue.not_found"),
    ("reassign", "{esc} {other}", "queue.not_found"),
    ("connect", "{person} フードバンク", "staff.unknown_person"),
    ("ties", "{person}", "staff.unknown_person"),
    ("focus", "{person} 7", "staff.unknown_person"),
]


@pytest.mark.parametrize(
    ("command", "args", "key"), OTHERS_PERSON, ids=[c for c, _, _ in OTHERS_PERSON]
)
async def test_a_worker_cannot_reach_another_workers_person(
    sqlite_sandbox: Sandbox, command: str, args: str, key: str
) -> None:
    w = await world(sqlite_sandbox)
    filled = fill(w, args)
    ref = filled.split()[0]
    await refused(w, OTHER_WORKER, command, filled, t(w.sb, key, ref=ref), by_role=False)
    # The same words as for something that does not exist at all.
    missing = filled.replace(ref, "99999", 1)
    await refused(w, OTHER_WORKER, command, missing, t(w.sb, key, ref="99999"), by_role=False)


def _forge_press(sb: Sandbox, user: SimulatedUser, message: SentMessage, data: str) -> str:
    """A button press with callback data the user's client never showed them (a crafted
    client can send any data): the bot must not trust it."""
    query_id = sb.standin.open_callback_query(user.id)
    sb.standin.enqueue_update(
        "callback_query",
        {
            "id": query_id,
            "from": user.as_dict(),
            "message": sb.standin.message_dict(message),
            "chat_instance": f"{user.id * 7919 % 10**12:012d}",
            "data": data,
        },
    )
    return query_id


@pytest.mark.parametrize("button", ["esc", "ack", "resolve", "res"])
async def test_a_worker_cannot_press_another_workers_escalation_buttons(
    sqlite_sandbox: Sandbox, button: str
) -> None:
    w = await world(sqlite_sandbox)
    sb = w.sb
    mori = w.user(OTHER_WORKER)
    await mori.send_command("queue")
    own = await next_message(sb, OTHER_WORKER)
    assert own.text == t(sb, "queue.empty"), "Mori's queue does not show Aiko's escalation"
    await sb.settle()
    before = await snapshot(sb)
    sent_before = len(sb.standin.messages_to(OTHER_WORKER))
    data = f"{button}:{w.escalation_id}" + (":contacted" if button == "res" else "")
    query = _forge_press(sb, mori, own, data)
    answer = await sb.standin.wait_for_callback_answer(query)
    await sb.settle()
    if button == "res":
        assert len(sb.standin.messages_to(OTHER_WORKER)) == sent_before + 1
        assert sb.standin.messages_to(OTHER_WORKER)[-1].text == t(sb, "queue.not_found")
    else:
        assert answer.text == t(sb, "queue.not_found")
        assert len(sb.standin.messages_to(OTHER_WORKER)) == sent_before
    assert await snapshot(sb) == before
    no_apology(sb, OTHER_WORKER)


async def test_another_worker_refused_backup_and_coordinator_allowed(sandbox: Sandbox) -> None:
    """The combined scenario on both databases."""
    w = await world(sandbox)
    sb = w.sb
    eid = w.escalation_id
    # Mori: the same words as for someone who does not exist.
    unknown = t(sb, "staff.unknown_person", ref=str(PERSON))
    await refused(w, OTHER_WORKER, "person", str(PERSON), unknown, by_role=False)
    await refused(w, OTHER_WORKER, "relay", f"{eid} hi", t(sb, "queue.not_found"), by_role=False)
    await refused(w, STRANGER, "person", str(PERSON), t(sb, "stranger.intro"))

    # Pressing someone else's acknowledge button (Sato's notification, forged into Mori's
    # chat) is refused and claims nothing.
    [notice] = [
        m for m in sb.standin.messages_to(WORKER) if m.buttons and m.buttons[0][1] == f"ack:{eid}"
    ]
    mori = w.user(OTHER_WORKER)
    await mori.send_command("queue")
    own = await next_message(sb, OTHER_WORKER)
    query = _forge_press(sb, mori, own, notice.buttons[0][1] or "")
    assert (await sb.standin.wait_for_callback_answer(query)).text == t(sb, "queue.not_found")
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        escalation = await session.get(Escalation, eid)
        assert escalation is not None and escalation.state is EscalationState.OPEN

    # The backup worker can see the person, their escalation and add a note.
    suzuki = w.user(BACKUP)
    await suzuki.send_command("person", str(PERSON))
    card = await next_message(sb, BACKUP, lambda m: "Aiko" in (m.text or ""))
    assert "Suzuki" in (card.text or "") and "Sato" in (card.text or "")
    # The card is followed by the person's timeline picture (issue 14).
    assert (await next_message(sb, BACKUP, lambda m: m.photo is not None)).caption
    await suzuki.send_command("note", f"{eid} 見ておきます")
    assert (await next_message(sb, BACKUP)).text == t(sb, "note.done", id=eid)
    await suzuki.send_command("queue")
    queue = await next_message(sb, BACKUP, lambda m: (m.text or "").startswith("エスカレーション"))
    assert queue.buttons[0][1] == f"esc:{eid}"
    # The coordinator sees everyone.
    ito = w.user(COORDINATOR)
    await ito.send_command("person", str(w.person_id))
    await next_message(sb, COORDINATOR, lambda m: "Aiko" in (m.text or ""))
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        reads = (
            await session.execute(
                select(AuditEntry.actor_staff_id, AuditEntry.person_id).where(
                    AuditEntry.action == "person.read"
                )
            )
        ).all()
        staff = dict((await session.execute(select(Staff.telegram_id, Staff.id))).all())
    assert sorted(reads) == sorted(
        [(staff[BACKUP], w.person_id), (staff[COORDINATOR], w.person_id)]
    ), "allowed reads are audited, refused ones are not"
    no_apology(sb, PERSON, WORKER, BACKUP, OTHER_WORKER, COORDINATOR)


# Commands anyone may send, and the person's own (their gate answers staff and strangers).
OPEN_COMMANDS = {"start", "help", "language"}
PERSON_COMMANDS = {"pause", "resume", "time", "talk", "stop", "mydata", "forget"}


def test_every_staff_and_coordinator_command_has_its_refusal_tests() -> None:
    """A new command lands in one of the lists above, so it gets a refusal test per role."""
    staff = {command for command, _ in STAFF_COMMANDS}
    assert set(COMMANDS) == OPEN_COMMANDS | PERSON_COMMANDS | staff
    assert not (OPEN_COMMANDS | PERSON_COMMANDS) & staff
    # The coordinators' tools, and the directory's changes (handlers/ties.py).
    coordinators = {
        c for c, handler in COMMANDS.items() if handler.__module__.endswith("coordination")
    } | {"resource"}
    assert {command for command, _ in COORDINATOR_COMMANDS} == coordinators
