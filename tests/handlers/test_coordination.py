"""Coordinators' tools end to end (PRODUCT.md flow 6): /assign, /schedule, /stats,
/staff_invite, /deactivate — the real runtime against the stand-in, SQLite and PostgreSQL.
Every change is audited (who, what, when) and `tsunagari audit list --json` shows it."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cli.main import Cli, build_parser
from domain.people import PersonStatus, StaffRole
from infra.clock import ControllableClock
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.people import Person
from storage.staff import Staff
from tests.conftest import running_sandbox
from tests.handlers.checkin_helpers import enrol, is_checkin, next_message, no_apology, person_row

WORKER = 500
BACKUP = 501
OTHER_WORKER = 502
COORDINATOR = 600
PERSON = 1001
PERSON_2 = 1002
NEWCOMER = 700

TEMPLATES = {
    "weekly": {"times": ["10:00"], "days": "mon"},
    "every_3_days": {"times": ["18:00"], "days": "every 3 days"},
}


@pytest.fixture
async def templated(database_url: str, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    """A sandbox whose configuration names schedule templates."""
    async with running_sandbox(database_url, clock, {"checkin": {"templates": TEMPLATES}}) as box:
        yield box


def t(sb: Sandbox, key: str, /, **params: Any) -> str:
    return sb.runtime.svc.text("ja", key, **params)


def not_digest(message: Any) -> bool:
    return not (message.text or "").startswith("📋")


async def cli_json(sb: Sandbox, *argv: str) -> Any:
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    out = io.StringIO()
    cli = Cli(args, {"TSUNAGARI_DATABASE_URL": sb.database_url}, out)
    cli.config_path = lambda: None  # type: ignore[method-assign]
    assert await args.handler(cli) == 0
    return json.loads(out.getvalue())


async def staff_team(sb: Sandbox) -> tuple[SimulatedUser, SimulatedUser]:
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(BACKUP, StaffRole.WORKER, "Suzuki")
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Mori")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Ito")
    return sb.user(COORDINATOR, "Ito"), sb.user(WORKER, "Sato")


async def person(sb: Sandbox, telegram_id: int = PERSON) -> Person:
    async with sb.runtime.db.sessions() as session:
        query = select(Person).where(Person.telegram_id == telegram_id)
        return (await session.execute(query)).scalar_one()


async def staff_ids(sb: Sandbox) -> dict[int, int]:
    async with sb.runtime.db.sessions() as session:
        return dict((await session.execute(select(Staff.telegram_id, Staff.id))).all())


async def ask(sb: Sandbox, user: SimulatedUser, command: str, args: str | None = None) -> str:
    return (await ask_message(sb, user, command, args)).text or ""


async def ask_message(
    sb: Sandbox, user: SimulatedUser, command: str, args: str | None = None
) -> SentMessage:
    await user.send_command(command, args)
    return await next_message(sb, user.id, not_digest)


async def test_assign_a_worker_and_backup(sandbox: Sandbox) -> None:
    sb = sandbox
    coordinator, _worker = await staff_team(sb)
    await enrol(sb)
    aiko = await person(sb)
    ids = await staff_ids(sb)

    reply = await ask(sb, coordinator, "assign", f"{aiko.id} {OTHER_WORKER} {ids[BACKUP]}")
    assert reply == t(sb, "assign.done", person_id=aiko.id, worker="Mori", backup="Suzuki")
    told = await next_message(sb, OTHER_WORKER)
    assert told.text == t(
        sb, "assign.worker_told", person=f"Aikoさん（ID {aiko.id}）", person_id=aiko.id
    )
    aiko = await person(sb)
    assert (aiko.worker_id, aiko.backup_worker_id) == (ids[OTHER_WORKER], ids[BACKUP])

    # Without a backup, the backup is cleared; worker and backup must differ.
    assert await ask(sb, coordinator, "assign", f"{PERSON} {WORKER}") == t(
        sb, "assign.done", person_id=aiko.id, worker="Sato", backup="なし"
    )
    assert (await person(sb)).backup_worker_id is None
    assert await ask(sb, coordinator, "assign", f"{PERSON} {WORKER} {WORKER}") == t(
        sb, "assign.same"
    )
    assert await ask(sb, coordinator, "assign", f"4242 {WORKER}") == t(
        sb, "staff.unknown_person", ref="4242"
    )
    assert await ask(sb, coordinator, "assign", f"{PERSON} 4242") == t(
        sb, "invite.unknown_worker", ref="4242"
    )
    assert await ask(sb, coordinator, "assign", str(PERSON)) == t(sb, "assign.usage")
    assert (await person(sb)).worker_id == ids[WORKER]

    await sb.settle()
    audit = await cli_json(sb, "audit", "list", "--json")
    assigned = [a for a in audit if a["action"] == "person.assigned"]
    assert len(assigned) == 2
    newest = assigned[0]
    assert newest["actor_staff_id"] == ids[COORDINATOR]
    assert newest["person_id"] == aiko.id
    assert newest["detail"] == {"worker_id": ids[WORKER], "backup_worker_id": None}
    assert newest["at"].startswith("2026-11-23T")
    no_apology(sb, COORDINATOR, WORKER, OTHER_WORKER)


async def test_schedule_view_and_changes(templated: Sandbox) -> None:
    sb = templated
    coordinator, _worker = await staff_team(sb)
    await enrol(sb)
    aiko = await person(sb)
    pid = aiko.id
    view = await ask(sb, coordinator, "schedule", str(PERSON))
    assert view == (
        f"ID {pid}の方のスケジュール：\n"
        "・時間：10:00\n"
        "・曜日：毎日\n"
        "・タイムゾーン：日本時間\n"
        "・静かな時間：22:00〜7:00\n"
        "・声かけ後のひと声：6時間後\n"
        "・エスカレーション：2日後\n"
        "・頻度：ふだんどおり（範囲：とてもこまめに〜ゆったり）\n"
        "・テンプレート：weekly、every_3_days"
    ), "words, not tokens; templates come from the configuration"

    changes = [
        ("times 08:30,19:00", "checkin_times", "08:30,19:00"),
        ("days weekdays", "checkin_days", "weekdays"),
        ("tz Europe/London", "timezone", "Europe/London"),
        ("quiet none", "quiet_hours", None),
        ("quiet 23:00-06:00", "quiet_hours", "23:00-06:00"),
        ("nudge 3h", "nudge_after_s", 3 * 3600),
        ("escalate 1d", "escalate_after_s", 86400),
        ("cadence close base", "cadence_tightest", "close"),
        ("template every_3_days", "checkin_times", "18:00"),
    ]
    changed = t(sb, "schedule.changed")
    for args, field, value in changes:
        reply = await ask(sb, coordinator, "schedule", f"{pid} {args}")
        assert reply.startswith(changed), args
        assert getattr(await person(sb), field) == value, args
    after = await person(sb)
    assert after.cadence_loosest == "base"
    assert after.checkin_days == "every 3 days"
    assert after.next_checkin_at is not None

    # Bad values: one line naming the wrong argument and what is expected; nothing changes.
    def bad(value: str, kind: str, **params: str) -> str:
        return t(sb, "args.bad", value=value, form=t(sb, f"args.form.{kind}", **params))

    def not_allowed(value: str, kind: str, **params: str) -> str:
        return t(sb, "args.not_allowed", value=value, form=t(sb, f"args.form.{kind}", **params))

    delays = {"nudge": "3h", "escalate": "1d"}
    wrong = [
        ("times 25:00", bad("25:00", "times")),
        ("times 09:00,25:00", bad("25:00", "times")),
        ("days sometimes", bad("sometimes", "day_rule")),
        ("tz Mars/Base", bad("Mars/Base", "timezone")),
        ("quiet 22:00-22:00", bad("22:00-22:00", "quiet")),
        ("quiet 17:00-19:00", not_allowed("17:00-19:00", "quiet_conflict")),  # 18:00 inside
        ("nudge 2d", not_allowed("2d", "delays", **delays)),  # not shorter than escalate
        ("escalate 1h", not_allowed("1h", "delays", **delays)),  # not longer than nudge
        ("nudge soon", bad("soon", "duration")),
        ("cadence loose closest", not_allowed("loose closest", "cadence_order")),
        ("cadence close", bad("close", "cadence")),
        ("cadence close often", bad("often", "cadence")),
        ("template nope", bad("nope", "template", names="weekly, every_3_days")),
        ("colour blue", bad("colour", "field")),
        ("times", t(sb, "args.form.times")),
        ("template", t(sb, "args.form.template", names="weekly, every_3_days")),
    ]
    before = await person(sb)
    snapshot = {c.key: getattr(before, c.key) for c in Person.__table__.columns}
    usage = t(sb, "schedule.usage")
    for args, expected in wrong:
        reply = await ask(sb, coordinator, "schedule", f"{pid} {args}")
        assert reply == expected, args
        assert "\n" not in reply and usage not in reply, args
        now = await person(sb)
        assert {c.key: getattr(now, c.key) for c in Person.__table__.columns} == snapshot, args
    assert await ask(sb, coordinator, "schedule") == t(sb, "schedule.usage")

    await sb.settle()
    audit = await cli_json(sb, "audit", "list", "--json")
    changed_rows = [a for a in audit if a["action"] == "schedule.changed"]
    assert len(changed_rows) == len(changes)
    assert changed_rows[-1]["detail"]["field"] == "times"
    assert changed_rows[-1]["detail"]["before"]["checkin_times"] == "10:00"
    assert [a["action"] for a in audit].count("schedule.read") == 1
    view = await ask(sb, coordinator, "schedule", str(PERSON))
    assert "・曜日：3日ごと\n" in view and "・タイムゾーン：イギリス時間\n" in view, view
    assert "（範囲：こまめに〜ふだんどおり）" in view, view
    assert "・エスカレーション：1日後\n" in view, view
    no_apology(sb, COORDINATOR)


async def test_stats_numbers(sandbox: Sandbox) -> None:
    sb = sandbox
    clock = sb.clock
    assert isinstance(clock, ControllableClock)
    coordinator, worker = await staff_team(sb)
    aiko = await enrol(sb)
    ken = await enrol(sb, PERSON_2, "Ken")
    # One check-in, answered.
    await worker.send_command("checkin_now", str(PERSON))
    checkin = await next_message(sb, PERSON, is_checkin)
    await aiko.press(checkin, 1)
    # Ken pauses; Aiko asks to talk and is acknowledged ten minutes later; Ken in distress.
    await ken.send_command("pause")
    await aiko.send_command("talk")
    await sb.settle()
    clock.advance(timedelta(minutes=10))
    notice = await next_message(
        sb, WORKER, lambda m: bool(m.buttons) and (m.buttons[0][1] or "").startswith("ack:")
    )
    await worker.press(notice, 0)
    await sb.settle()
    await ken.send_text("死にたい")
    await sb.settle()

    await coordinator.send_command("stats")
    header = "統計（10月24日(土)〜11月23日(月)の30日間）"
    reply = (await next_message(sb, COORDINATOR, lambda m: (m.text or "").startswith(header))).text
    assert reply == t(
        sb,
        "stats.text",
        active=1,
        paused=1,
        stopped=0,
        unreachable=0,
        sent=1,
        replied=1,
        period="10月24日(土)〜11月23日(月)の30日間",
        rate="（返信率100%）",
        p1=1,
        p2=1,
        p3=0,
        median="10分",
    )
    no_apology(sb, COORDINATOR, WORKER, PERSON, PERSON_2)


async def test_staff_invite_makes_a_new_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    coordinator, _worker = await staff_team(sb)
    assert await ask(sb, coordinator, "staff_invite", "boss") == t(
        sb, "args.bad", value="boss", form=t(sb, "args.form.role")
    )
    assert await ask(sb, coordinator, "staff_invite") == t(sb, "staff_invite.usage")
    reply = await ask(sb, coordinator, "staff_invite", "worker")
    link = reply.rsplit("\n", 1)[1]
    assert link.startswith("https://t.me/tsunagari_demo_bot?start=")
    token = link.split("start=", 1)[1]

    newcomer = sb.user(NEWCOMER, "Hana")
    await newcomer.send_command("start", token)
    welcome = await next_message(sb, NEWCOMER)
    assert (welcome.text or "").startswith(t(sb, "staff_invite.welcome", role=t(sb, "role.worker")))
    await sb.settle()
    staff = await cli_json(sb, "staff", "list", "--json")
    assert {"telegram_id": NEWCOMER, "name": "Hana", "role": "worker"}.items() <= next(
        s for s in staff if s["telegram_id"] == NEWCOMER
    ).items()
    # The new worker works: /queue answers.
    assert await ask(sb, newcomer, "queue") == t(sb, "queue.empty")
    # The link is single-use.
    late = sb.user(NEWCOMER + 1, "Late")
    await late.send_command("start", token)
    assert (await next_message(sb, NEWCOMER + 1)).text == t(sb, "invite.used")
    assert len(await cli_json(sb, "staff", "list", "--json")) == 5
    audit = await cli_json(sb, "audit", "list", "--json")
    assert {"staff_invite.created", "staff.added"} <= {a["action"] for a in audit}
    no_apology(sb, COORDINATOR, NEWCOMER)


async def test_deactivate_offers_a_handover_to_whoever_knows_the_people(
    sandbox: Sandbox,
) -> None:
    """Issue 13, item 8: the departing worker's person goes to their backup, shown with
    the reason; the coordinator confirms with the first button; then the worker is gone."""
    sb = sandbox
    coordinator, _ = await staff_team(sb)
    await enrol(sb)
    person = await person_row(sb)
    await ask(sb, coordinator, "assign", f"{person.id} {WORKER} {BACKUP}")
    plan = await ask_message(sb, coordinator, "deactivate", str(WORKER))
    suggestion = t(sb, "continuity.because_backup", name="Suzuki", staff_id=0, count=0)
    assert plan.text == "\n".join(
        [
            t(sb, "continuity.plan_header", name="Sato", count=1),
            t(
                sb,
                "continuity.plan_line",
                person=f"Aikoさん（ID {person.id}）",
                person_id=person.id,
                suggestion=suggestion,
            ),
        ]
    )
    assert [label for label, _ in plan.buttons] == [
        t(sb, "continuity.confirm_button"),
        t(sb, "continuity.cancel_button"),
    ]
    await coordinator.press(plan, 0)
    done = t(sb, "continuity.done", name="Sato", count=1)
    await next_message(sb, COORDINATOR, lambda m: m.text == done)
    assert (await person_row(sb)).worker_id != person.worker_id
    staff = {s["telegram_id"] for s in await cli_json(sb, "staff", "list", "--json")}
    assert WORKER not in staff
    await next_message(
        sb,
        BACKUP,
        lambda m: (
            m.text
            == t(
                sb, "assign.worker_told", person=f"Aikoさん（ID {person.id}）", person_id=person.id
            )
        ),
    )
    no_apology(sb, COORDINATOR, BACKUP)


async def test_deactivate_refuses_while_the_member_has_people(sandbox: Sandbox) -> None:
    sb = sandbox
    coordinator, worker = await staff_team(sb)
    await enrol(sb)
    plan = await ask(sb, coordinator, "deactivate", str(WORKER))
    assert plan.startswith(t(sb, "continuity.plan_header", name="Sato", count=1))
    assert t(sb, "continuity.none") in plan
    assert await ask(sb, coordinator, "deactivate", str(COORDINATOR)) == t(sb, "deactivate.self")
    assert await ask(sb, coordinator, "deactivate", "4242") == t(
        sb, "invite.unknown_worker", ref="4242"
    )
    assert await ask(sb, coordinator, "deactivate", str(OTHER_WORKER)) == t(
        sb, "deactivate.done", name="Mori"
    )
    await sb.settle()
    staff = {s["telegram_id"] for s in await cli_json(sb, "staff", "list", "--json")}
    assert OTHER_WORKER not in staff and WORKER in staff
    # A deactivated member is a stranger to the bot now.
    mori = sb.user(OTHER_WORKER, "Mori")
    assert await ask(sb, mori, "queue") == t(sb, "stranger.intro")
    assert await ask(sb, worker, "queue") == t(sb, "queue.empty")
    audit = await cli_json(sb, "audit", "list", "--json")
    assert [a["action"] for a in audit].count("staff.deactivated") == 1
    assert (await person(sb)).status is PersonStatus.ACTIVE
    no_apology(sb, COORDINATOR, WORKER)
