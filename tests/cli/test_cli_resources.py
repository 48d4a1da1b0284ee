"""`tsunagari resources add|import|list` and `tsunagari people show` (issue 13): the
contract's fields, the all-or-nothing import, and the timeline with no message text."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cli.main import main
from domain.cadence import CadenceLevel, CadenceReason
from domain.escalation import EscalationReason, EscalationState, Outcome, Priority
from domain.people import StaffRole
from domain.ties import ResourceFields, ResourceKind, TieState
from domain.timeline import TimelineKind
from storage.audit import AuditEntry
from storage.checkins import Checkin, CheckinKind, CheckinState
from storage.db import Database
from storage.escalations import Escalation
from storage.inbound import MessageKind, PersonMessage
from storage.migrate import upgrade_schema
from storage.people import CadenceChange, PersonRepository
from storage.resources import ResourceRepository
from storage.staff import StaffRepository
from storage.ties import TieRepository
from tests.conftest import make_settings
from usecases.planning import new_person
from usecases.timeline import record_life_event

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
RESOURCE_FIELDS = {"id", "name", "kind", "area", "contact", "active"}
PEOPLE_FIELDS = {
    "id",
    "telegram_id",
    "display_name",
    "worker",
    "status",
    "last_reply_at",
    "next_checkin_at",
}
TIE_FIELDS = {"id", "resource_id", "resource", "state", "since", "ended_at"}
SECRET = "誰にも言えないこと"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def db_url(tmp_cwd: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_cwd / 'cli.db'}"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"TSUNAGARI_DATABASE_URL": db_url}


def cli(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str
) -> tuple[int, str, str]:
    code = main(list(argv), env=env)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_with_a_bad_row_imports_nothing_and_names_the_lines(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
) -> None:
    bad = tmp_cwd / "bad.csv"
    bad.write_text(
        "name,kind,area,contact\nフードバンク東,food,東区,03-0000-0000\n,place,,\n"
        "法テラス,lawyer,,0570-078374\n",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, env, "resources", "import", str(bad))
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert "line 3: name is empty" in err and "line 4: kind 'lawyer'" in err
    code, out, _ = cli(capsys, env, "resources", "list", "--json")
    assert (code, json.loads(out)) == (0, [])

    good = tmp_cwd / "good.csv"
    good.write_text(
        "name,kind,area,contact,hours\nフードバンク東,food,東区,03-0000-0000,月〜金\n"
        "法テラス,legal,,0570-078374,\n",
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, env, "resources", "import", str(good))
    assert (code, out) == (0, "2 resources imported\n")
    code, out, _ = cli(capsys, env, "resources", "add", "--name", "居場所カフェ", "--kind", "place")
    assert (code, out) == (0, "resource 3 added\n")
    rows = json.loads(cli(capsys, env, "resources", "list", "--json")[1])
    assert all(set(r) >= RESOURCE_FIELDS for r in rows)
    assert [
        (r["id"], r["name"], r["kind"], r["area"], r["contact"], r["active"]) for r in rows
    ] == [
        (1, "フードバンク東", "food", "東区", "03-0000-0000", True),
        (2, "法テラス", "legal", None, "0570-078374", True),
        (3, "居場所カフェ", "place", None, None, True),
    ]
    table = cli(capsys, env, "resources", "list")[1].splitlines()
    assert table[0].split() == ["id", "name", "kind", "area", "contact", "active"]
    assert len(table) == 4


def test_add_refuses_an_empty_name_in_one_line(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> None:
    code, out, err = cli(capsys, env, "resources", "add", "--name", " ", "--kind", "food")
    assert code == 1 and out == "" and err == "tsunagari: error: name is empty\n"


async def seed(db_url: str) -> dict[str, int]:
    """A person with a bit of everything: check-ins, a message, a nudge, an episode, a
    cadence change, a pause, and ties in each state."""
    db = Database(db_url)
    try:
        await upgrade_schema(db)
        async with db.transaction() as session:
            worker = await StaffRepository(session).add(
                telegram_id=500, name="Sato", role=StaffRole.WORKER, now=NOW
            )
            person = await PersonRepository(session).add(
                new_person(
                    make_settings(database_url=db_url),
                    telegram_id=1001,
                    chat_id=1001,
                    display_name="Aiko",
                    language="ja",
                    worker_id=worker.id,
                    invite_id=None,
                    now=NOW,
                )
            )
            pid = person.id
            at = [NOW + timedelta(hours=h) for h in range(12)]
            session.add_all(
                [
                    Checkin(
                        person_id=pid,
                        kind=CheckinKind.SCHEDULED,
                        state=CheckinState.REPLIED,
                        due_at=at[1],
                        created_at=at[1],
                        sent_at=at[1],
                        replied_at=at[2],
                        mood=2,
                    ),
                    Checkin(
                        person_id=pid,
                        kind=CheckinKind.SCHEDULED,
                        state=CheckinState.SENT,
                        due_at=at[3],
                        created_at=at[3],
                        sent_at=at[3],
                        nudged_at=at[4],
                    ),
                    PersonMessage(
                        person_id=pid,
                        update_id=1,
                        kind=MessageKind.TEXT,
                        text=SECRET,
                        received_at=at[5],
                        outside_checkin=True,
                    ),
                    PersonMessage(
                        person_id=pid,
                        update_id=2,
                        kind=MessageKind.BUTTON,
                        text=None,
                        received_at=at[2],
                    ),
                    Escalation(
                        person_id=pid,
                        reason=EscalationReason.CONCERN,
                        priority=Priority.P2,
                        state=EscalationState.RESOLVED,
                        created_at=at[5],
                        updated_at=at[6],
                        resolved_at=at[6],
                        outcome=Outcome.CONTACTED,
                    ),
                    CadenceChange(
                        person_id=pid,
                        at=at[5],
                        from_level=CadenceLevel.BASE,
                        to_level=CadenceLevel.CLOSE,
                        reason=CadenceReason.CONCERN_SIGNAL,
                    ),
                ]
            )
            record_life_event(session, person, TimelineKind.PAUSED, at[7], days=3)
            record_life_event(session, person, TimelineKind.RESUMED, at[8], actor="system")
            food, cafe = await ResourceRepository(session).add_all(
                [
                    ResourceFields(name="フードバンク東", kind=ResourceKind.FOOD),
                    ResourceFields(name="居場所カフェ", kind=ResourceKind.PLACE),
                ],
                now=NOW,
            )
            ties = TieRepository(session)
            declined = await ties.propose(
                person_id=pid, resource_id=food.id, proposed_by=worker.id, now=at[9]
            )
            await ties.move(
                declined.id,
                person_id=pid,
                from_state=TieState.PROPOSED,
                to_state=TieState.DECLINED,
                now=at[10],
            )
            ended = await ties.propose(
                person_id=pid, resource_id=cafe.id, proposed_by=worker.id, now=at[9]
            )
            await ties.move(
                ended.id,
                person_id=pid,
                from_state=TieState.PROPOSED,
                to_state=TieState.ACTIVE,
                now=at[10],
            )
            await ties.move(
                ended.id,
                person_id=pid,
                from_state=TieState.ACTIVE,
                to_state=TieState.ENDED,
                now=at[11],
            )
            await session.flush()
            return {"person": pid, "food": food.id, "cafe": cafe.id, "ended": ended.id}
    finally:
        await db.dispose()


async def audit_actions(db_url: str) -> list[tuple[str, str, int | None]]:
    from sqlalchemy import select

    db = Database(db_url)
    try:
        async with db.sessions() as session:
            rows = await session.execute(
                select(AuditEntry.action, AuditEntry.actor, AuditEntry.person_id)
            )
            return [tuple(r) for r in rows.all()]  # type: ignore[misc]
    finally:
        await db.dispose()


def test_people_show_json_has_the_record_ties_and_timeline(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
) -> None:
    ids = run(seed(db_url))
    code, out, err = cli(capsys, env, "people", "show", "1001", "--json")
    assert (code, err) == (0, "")
    assert SECRET not in out
    shown = json.loads(out)
    assert set(shown) >= PEOPLE_FIELDS | {"ties", "timeline"}
    assert (shown["id"], shown["telegram_id"], shown["worker"], shown["status"]) == (
        ids["person"],
        1001,
        500,
        "active",
    )
    assert all(set(t) >= TIE_FIELDS for t in shown["ties"])
    ended = next(t for t in shown["ties"] if t["id"] == ids["ended"])
    assert (ended["resource_id"], ended["resource"], ended["state"]) == (
        ids["cafe"],
        "居場所カフェ",
        "ended",
    )
    assert ended["since"] == (NOW + timedelta(hours=10)).isoformat()
    assert ended["ended_at"] == (NOW + timedelta(hours=11)).isoformat()
    kinds = [(e["kind"], datetime.fromisoformat(e["at"])) for e in shown["timeline"]]
    assert [k for k, _ in kinds] == [
        "checkin",
        "mood",
        "checkin",
        "nudge",
        "message",
        "escalation_opened",
        "cadence_changed",
        "escalation_resolved",
        "paused",
        "resumed",
        "tie_proposed",
        "tie_proposed",
        "tie_active",
        "tie_declined",
        "tie_ended",
    ]
    assert [at for _, at in kinds] == sorted(at for _, at in kinds)
    assert all(at.utcoffset() is not None for _, at in kinds)
    mood = next(e for e in shown["timeline"] if e["kind"] == "mood")
    assert mood["mood"] == "good"
    message = next(e for e in shown["timeline"] if e["kind"] == "message")
    assert message == {
        "at": message["at"],
        "kind": "message",
        "message_id": 1,
        "message_kind": "text",
        "outside_checkin": True,
    }
    # The same person by internal id; both reads audited.
    assert (
        json.loads(cli(capsys, env, "people", "show", str(ids["person"]), "--json")[1])[
            "telegram_id"
        ]
        == 1001
    )
    shown_reads = [a for a in run(audit_actions(db_url)) if a[0] == "person.shown"]
    assert shown_reads == [("person.shown", "cli", ids["person"])] * 2


def test_people_show_as_text_and_its_errors(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
) -> None:
    run(seed(db_url))
    code, out, _ = cli(capsys, env, "people", "show", "1001")
    assert code == 0
    assert "display_name: Aiko" in out and "tie_ended" in out and SECRET not in out
    for ref in ("4242", "abc", "-1"):
        code, out, err = cli(capsys, env, "people", "show", ref)
        assert code == 1 and out == "" and err.count("\n") == 1
        assert err.startswith("tsunagari: error: ")
