"""つなげる end to end (issue 13 items 1, 2, 9): the directory from CSV (a bad row first)
and from the chat, /connect, agreement and decline told to the worker, a decline
respected until proposed again, /ties for workers (visibility as /person, audited), the
person ending a tie from /mydata, and `people show --json` — the real runtime against the
stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cli.main import Cli, build_parser
from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import StaffRole
from domain.ties import TieCheckAnswer, TieState
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.ties import Tie
from tests.handlers.checkin_helpers import (
    advance,
    enrol,
    escalation_rows,
    next_message,
    person_row,
)
from usecases.resources import ResourceImportError

WORKER = 500
OTHER_WORKER = 502
COORDINATOR = 600
PERSON = 1001
BEN = 1002
ACTIVE = (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


def t(sb: Sandbox, key: str, /, language: str = "ja", **params: Any) -> str:
    return sb.runtime.svc.text(language, key, **params)


def not_digest(message: SentMessage) -> bool:
    return not (message.text or "").startswith("📋")


async def run_cli(sb: Sandbox, *argv: str) -> str:
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    out = io.StringIO()
    cli = Cli(args, {"TSUNAGARI_DATABASE_URL": sb.database_url}, out)
    cli.config_path = lambda: None  # type: ignore[method-assign]
    assert await args.handler(cli) == 0
    return out.getvalue()


async def ask(sb: Sandbox, user: SimulatedUser, command: str, args: str | None = None) -> str:
    await user.send_command(command, args)
    return (await next_message(sb, user.id, not_digest)).text or ""


async def later(sb: Sandbox, minutes: int = 5) -> None:
    """Let what is under way finish, then move the clock: each step its own instant."""
    await sb.settle()
    clock = sb.clock
    assert clock is not None
    clock.set(clock.now() + timedelta(minutes=minutes))  # type: ignore[attr-defined]


def forge_press(sb: Sandbox, user: SimulatedUser, message: SentMessage, data: str) -> str:
    """A press with data the user's client never showed them (a crafted client)."""
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


async def ties(sb: Sandbox) -> list[Tie]:
    async with sb.runtime.db.sessions() as session:
        return list((await session.execute(select(Tie).order_by(Tie.id))).scalars())


async def import_directory(sb: Sandbox, tmp_path: Path) -> None:
    """A CSV with a bad row imports nothing; the corrected file imports every row."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,kind,area,contact,hours\nフードバンク東,food,東区,03-1111-2222,月〜金 10-16\n"
        "フードバンク西,meal,西区,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ResourceImportError, match="line 3: kind 'meal'"):
        await run_cli(sb, "resources", "import", str(bad))
    assert json.loads(await run_cli(sb, "resources", "list", "--json")) == []
    bad.write_text(bad.read_text(encoding="utf-8").replace(",meal,", ",food,"), encoding="utf-8")
    assert await run_cli(sb, "resources", "import", str(bad)) == "2 resources imported\n"


async def team(sb: Sandbox) -> tuple[SimulatedUser, SimulatedUser, SimulatedUser]:
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    return sb.user(COORDINATOR, "Ito"), sb.user(WORKER, "Sato"), sb.user(OTHER_WORKER, "Mori")


async def test_coordinators_keep_the_directory_from_the_chat(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox
    coordinator, worker, _ = await team(sb)
    assert await ask(sb, worker, "resources") == t(sb, "resources.empty")
    await import_directory(sb, tmp_path)
    reply = await ask(sb, coordinator, "resource", "add 居場所 若者の 居場所カフェ")
    added = t(sb, "resources.line", id=3, name="若者の 居場所カフェ", kind="居場所", area="-")
    assert reply == t(sb, "resource.added") + "\n" + added
    reply = await ask(sb, coordinator, "resource", "edit 3 area 中央区")
    changed = t(
        sb, "resources.line", id=3, name="若者の 居場所カフェ", kind="居場所", area="中央区"
    )
    assert reply == t(sb, "resource.changed") + "\n" + changed
    reply = await ask(sb, coordinator, "resource", "edit 3 active no")
    assert reply.endswith(t(sb, "resources.inactive"))
    usage = t(
        sb,
        "resource.usage",
        kinds="、".join(
            t(sb, f"resource_kind.{k}")
            for k in (
                "food",
                "housing",
                "work",
                "money",
                "health",
                "care",
                "place",
                "peer",
                "legal",
                "public",
                "other",
            )
        ),
    )
    assert await ask(sb, coordinator, "resource", "add shop 店") == usage
    assert await ask(sb, coordinator, "resource", "edit 3 colour red") == usage
    assert await ask(sb, coordinator, "resource", "edit 99 area x") == t(
        sb, "resource.unknown", ref="99"
    )
    # Workers read the directory; only coordinators change it.
    listing = await ask(sb, worker, "resources")
    assert listing.splitlines()[0] == t(sb, "resources.header", count=3)
    assert "フードバンク東（食べもの・東区）" in listing and "token" not in listing
    assert await ask(sb, worker, "resource", "add food X") == t(sb, "common.coordinator_only")
    listed = json.loads(await run_cli(sb, "resources", "list", "--json"))
    assert [(r["name"], r["kind"], r["area"], r["active"]) for r in listed] == [
        ("フードバンク東", "food", "東区", True),
        ("フードバンク西", "food", "西区", True),
        ("若者の 居場所カフェ", "place", "中央区", False),
    ]


async def test_connect_agree_decline_ties_and_ending_from_mydata(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox
    coordinator, worker, other = await team(sb)
    await import_directory(sb, tmp_path)
    await ask(sb, coordinator, "resource", "add place 居場所カフェ")
    aiko = await enrol(sb)
    pid = (await person_row(sb)).id

    assert await ask(sb, worker, "connect", str(PERSON)) == t(sb, "connect.usage")
    assert await ask(sb, worker, "connect", f"{PERSON} フードバンク") == t(
        sb,
        "connect.ambiguous",
        ref="フードバンク",
        names="#1 フードバンク東、#2 フードバンク西",
    )
    assert await ask(sb, worker, "connect", f"{PERSON} ジム") == t(
        sb, "connect.unknown_resource", ref="ジム"
    )
    # Not the worker's person: the same line as a missing one.
    assert await ask(sb, other, "connect", f"{PERSON} 東") == t(
        sb, "staff.unknown_person", ref=str(PERSON)
    )

    # Proposed: the person is asked in plain words; the first button agrees.
    assert await ask(sb, worker, "connect", f"{PERSON} 東") == t(
        sb,
        "connect.asked",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク東",
    )
    asked = await next_message(sb, PERSON, lambda m: bool(m.buttons))
    assert (asked.text or "").startswith("Satoさんから、つながり先のご紹介です。")
    assert "フードバンク東（食べもの）" in (asked.text or "") and "food" not in (asked.text or "")
    assert [label for label, _ in asked.buttons] == [
        t(sb, "tie_ask.agree"),
        t(sb, "tie_ask.decline"),
    ]
    # Asking again while the answer is awaited: one clear line, no second question.
    assert await ask(sb, worker, "connect", f"{PERSON} 1") == t(
        sb,
        "connect.already",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク東",
    )
    await later(sb)
    await aiko.press(asked, 0)
    agreed = await next_message(sb, PERSON, lambda m: not m.buttons and m is not asked)
    assert (agreed.text or "").startswith(t(sb, "tie_ask.agreed", resource="フードバンク東"))
    assert "03-1111-2222" in (agreed.text or "")
    told = await next_message(sb, WORKER, not_digest)
    assert told.text == t(
        sb,
        "tie_told.agreed",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク東",
    )
    await sb.settle()
    assert sb.standin.chat(PERSON).by_id[asked.message_id].buttons == []  # pressed once only

    # Declined: told to the worker, and respected until the worker proposes again.
    await later(sb)
    await ask(sb, worker, "connect", f"{PERSON} カフェ")
    cafe = await next_message(sb, PERSON, lambda m: bool(m.buttons))
    await later(sb)
    await aiko.press(cafe, 1)
    assert (await next_message(sb, PERSON, lambda m: not m.buttons)).text == t(
        sb, "tie_ask.declined"
    )
    assert (await next_message(sb, WORKER, not_digest)).text == t(
        sb,
        "tie_told.declined",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="居場所カフェ",
    )
    assert [(x.resource_id, x.state) for x in await ties(sb)] == [
        (1, TieState.ACTIVE),
        (3, TieState.DECLINED),
    ]
    await later(sb)
    assert await ask(sb, worker, "connect", f"{PERSON} カフェ") == t(
        sb, "connect.asked", person=f"Aikoさん（ID {pid}）", person_id=pid, resource="居場所カフェ"
    )
    await next_message(sb, PERSON, lambda m: bool(m.buttons))

    # /ties: the worker sees every tie; another worker sees nothing.
    assert await ask(sb, other, "ties", str(PERSON)) == t(
        sb, "staff.unknown_person", ref=str(PERSON)
    )
    listing = (await ask(sb, worker, "ties", str(PERSON))).splitlines()
    assert listing[0] == t(sb, "ties.header", person=f"Aikoさん（ID {pid}）", person_id=pid)
    assert [line.split("・")[1] for line in listing[1:]] == [
        t(sb, "tie_state.active"),
        t(sb, "tie_state.declined"),
        t(sb, "tie_state.proposed"),
    ]

    # /mydata shows the person their ties; the button ends the active one.
    await aiko.send_command("mydata")
    mydata = await next_message(sb, PERSON, lambda m: "つながり先：" in (m.text or ""))
    assert "・フードバンク東（食べもの）：つながり中" in (mydata.text or "")
    assert "・居場所カフェ（居場所）：お返事待ち" in (mydata.text or "")
    assert [label for label, _ in mydata.buttons] == [
        t(sb, "my_ties.end", resource="フードバンク東")
    ]
    await later(sb)
    await aiko.press(mydata, 0)
    assert (await next_message(sb, PERSON, lambda m: not m.buttons)).text == t(
        sb, "tie_end.done", resource="フードバンク東"
    )
    assert (await next_message(sb, WORKER, not_digest)).text == t(
        sb,
        "tie_told.ended",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク東",
    )
    await sb.settle()
    assert [x.state for x in await ties(sb)] == [
        TieState.ENDED,
        TieState.DECLINED,
        TieState.PROPOSED,
    ]

    # The timeline as data: the ties and their events, the read audited.
    shown = json.loads(await run_cli(sb, "people", "show", str(PERSON), "--json"))
    assert [(x["resource"], x["state"]) for x in shown["ties"]] == [
        ("フードバンク東", "ended"),
        ("居場所カフェ", "declined"),
        ("居場所カフェ", "proposed"),
    ]
    tie_kinds = [e["kind"] for e in shown["timeline"] if e["kind"].startswith("tie_")]
    assert tie_kinds == [
        "tie_proposed",
        "tie_active",
        "tie_proposed",
        "tie_declined",
        "tie_proposed",
        "tie_ended",
    ]
    async with sb.runtime.db.sessions() as session:
        actions = [
            a
            for a in (await session.execute(select(AuditEntry.action))).scalars()
            if a in ("ties.read", "tie.proposed", "person.shown")
        ]
    assert sorted(actions) == sorted(["tie.proposed"] * 3 + ["ties.read", "person.shown"])


async def test_english_person_is_asked_in_english_and_a_paused_one_is_not_asked(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox
    _, worker, _ = await team(sb)
    await import_directory(sb, tmp_path)
    ben = await enrol(sb, BEN, "Ben", language="en")
    await ask(sb, worker, "connect", f"{BEN} 西")
    asked = await next_message(sb, BEN, lambda m: bool(m.buttons))
    assert (asked.text or "").startswith("Sato would like to introduce you")
    assert "フードバンク西 (food)" in (asked.text or "")
    assert [label for label, _ in asked.buttons] == ["Yes, I'd like that", "Not this time"]
    await ben.press(asked, 0)
    await next_message(sb, BEN, lambda m: not m.buttons)
    told = t(
        sb, "tie_told.agreed", person=f"Benさん（ID {1}）", person_id=1, resource="フードバンク西"
    )
    await next_message(sb, WORKER, lambda m: m.text == told)

    await ben.send_command("pause")
    await next_message(sb, BEN)
    await next_message(sb, WORKER, lambda m: "Ben" in (m.text or ""))
    reply = await ask(sb, worker, "connect", f"{BEN} 東")
    assert reply == t(
        sb, "connect.not_askable", person="Benさん（ID 1）", status=t(sb, "status.paused")
    )
    assert len(await ties(sb)) == 1

    # Someone else's tie, pressed with forged data, is answered kindly and stays as it is.
    aiko = await enrol(sb)
    own = sb.standin.messages_to(PERSON)[-1]
    for data in ("tie:1:no", "tieend:1", "tie:1:maybe", "tie:99:yes"):
        answer = await sb.standin.wait_for_callback_answer(forge_press(sb, aiko, own, data))
        assert answer.text == t(sb, "args.stale_button"), data
    await sb.settle()
    assert [(x.person_id, x.state) for x in await ties(sb)] == [(1, TieState.ACTIVE)]


def is_tie_check(message: SentMessage) -> bool:
    return bool(message.buttons) and (message.buttons[0][1] or "").startswith("tiechk:")


async def test_the_tie_check_still_going_then_stopped_returns_the_person(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox
    _, worker, _ = await team(sb)
    await import_directory(sb, tmp_path)
    aiko = await enrol(sb)
    pid = (await person_row(sb)).id
    await ask(sb, worker, "connect", f"{PERSON} 東")
    asked = await next_message(sb, PERSON, lambda m: bool(m.buttons))
    await aiko.press(asked, 0)
    await next_message(sb, WORKER, lambda m: "同意" in (m.text or ""))
    agreed_at = sb.clock.now()  # type: ignore[union-attr]
    every = sb.runtime.svc.settings.ties.check_every
    assert every == timedelta(days=30)

    # Not before its time; then the gentle question, "still going" first, "stopped" last.
    await advance(sb, agreed_at + every - timedelta(minutes=1))
    assert not any(is_tie_check(m) for m in sb.standin.messages_to(PERSON))
    await advance(sb, agreed_at + every)
    check = await next_message(sb, PERSON, is_tie_check)
    assert check.text == t(sb, "tie_check.text", resource="フードバンク東")
    assert [label for label, _ in check.buttons] == [
        t(sb, "tie_check.going"),
        t(sb, "tie_check.quiet"),
        t(sb, "tie_check.stopped"),
    ]
    await aiko.press(check, 0)
    assert (await next_message(sb, PERSON, lambda m: not m.buttons and m is not check)).text == (
        t(sb, "tie_check.reply_going")
    )
    await sb.settle()
    assert [e.reason for e in await escalation_rows(sb) if e.state in ACTIVE] == []
    assert [(x.state, x.check_answer) for x in await ties(sb)] == [
        (TieState.ACTIVE, TieCheckAnswer.GOING),
    ]

    # The next period: "stopped" ends the tie and returns Aiko to Sato as `reconnect`.
    await advance(sb, agreed_at + 2 * every)
    check = await next_message(sb, PERSON, lambda m: is_tie_check(m) and m is not check)
    await aiko.press(check, 2)
    assert (await next_message(sb, PERSON, lambda m: not m.buttons and m is not check)).text == (
        t(sb, "tie_check.reply_stopped", resource="フードバンク東")
    )
    why = t(
        sb,
        "tie_check.worker_stopped",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク東",
    )
    await next_message(sb, WORKER, lambda m: m.text == why)
    await sb.settle()
    [episode] = [e for e in await escalation_rows(sb) if e.state in ACTIVE]
    assert (episode.reason, episode.priority) == (EscalationReason.RECONNECT, Priority.P3)
    [tie] = await ties(sb)
    assert (tie.state, tie.ended_at) == (TieState.ENDED, agreed_at + 2 * every)
    # Resolving it records how: reconnected (with a new tie), returned, or nothing needed.
    done = t(sb, "resolve.done", id=episode.id, outcome=t(sb, "outcome.reconnected"))
    assert await ask(sb, worker, "resolve", f"{episode.id} reconnected") == done
    # No more questions about an ended tie.
    await advance(sb, agreed_at + 3 * every)
    question = t(sb, "tie_check.text", resource="フードバンク東")
    assert sum(m.text == question for m in sb.standin.messages_to(PERSON)) == 2
    shown = json.loads(await run_cli(sb, "people", "show", str(PERSON), "--json"))
    kinds = [e["kind"] for e in shown["timeline"] if e["kind"].startswith("tie_")]
    assert kinds[-2:] == ["tie_checked", "tie_ended"]
    assert "reconnect" in [
        e.get("reason") for e in shown["timeline"] if e["kind"] == "escalation_opened"
    ]
    resolved = [e for e in shown["timeline"] if e["kind"] == "escalation_resolved"]
    assert resolved[-1]["outcome"] == "reconnected"


async def test_a_paused_person_is_asked_a_period_later_and_not_lately_keeps_the_tie(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = sandbox
    _, worker, _ = await team(sb)
    await import_directory(sb, tmp_path)
    aiko = await enrol(sb)
    pid = (await person_row(sb)).id
    await ask(sb, worker, "connect", f"{PERSON} 西")
    asked = await next_message(sb, PERSON, lambda m: bool(m.buttons))
    await aiko.press(asked, 0)
    await next_message(sb, WORKER, lambda m: "同意" in (m.text or ""))
    agreed_at = sb.clock.now()  # type: ignore[union-attr]
    every = sb.runtime.svc.settings.ties.check_every

    await aiko.send_command("pause")
    await next_message(sb, PERSON, lambda m: (m.text or "").startswith(t(sb, "pause.open")))
    await advance(sb, agreed_at + every)
    assert not any(is_tie_check(m) for m in sb.standin.messages_to(PERSON))
    [tie] = await ties(sb)
    assert tie.next_check_at == agreed_at + 2 * every  # the question waits a period

    await aiko.send_command("resume")
    await next_message(sb, PERSON, lambda m: m.text == t(sb, "resume.done"))
    await advance(sb, agreed_at + 2 * every)
    check = await next_message(sb, PERSON, is_tie_check)
    await aiko.press(check, 1)
    assert (await next_message(sb, PERSON, lambda m: not m.buttons and m is not check)).text == (
        t(sb, "tie_check.reply_quiet", resource="フードバンク西")
    )
    why = t(
        sb,
        "tie_check.worker_quiet",
        person=f"Aikoさん（ID {pid}）",
        person_id=pid,
        resource="フードバンク西",
    )
    await next_message(sb, WORKER, lambda m: m.text == why)
    await sb.settle()
    [episode] = [e for e in await escalation_rows(sb) if e.state in ACTIVE]
    assert episode.reason is EscalationReason.RECONNECT
    # Her next chat message does not settle it: reconnecting her is the worker's to do.
    await aiko.send_text("ありがとう")
    await sb.settle()
    assert [e.id for e in await escalation_rows(sb) if e.state in ACTIVE] == [episode.id]
    [tie] = await ties(sb)
    assert (tie.state, tie.check_answer, tie.next_check_at) == (
        TieState.ACTIVE,
        TieCheckAnswer.QUIET,
        agreed_at + 3 * every,
    )
    shown = json.loads(await run_cli(sb, "people", "show", str(PERSON), "--json"))
    life = [e["kind"] for e in shown["timeline"] if e["kind"] in ("paused", "resumed")]
    assert life == ["paused", "resumed"]
