"""The `tsunagari` command line: the contract in PRODUCT.md, "Operating it".

`main()` runs its own event loop, so these tests are synchronous; database set-up goes
through `asyncio.run` too.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cli.main import main
from cli.output import display_width
from domain.escalation import EscalationReason, EscalationState, Priority
from domain.people import PersonStatus, StaffRole
from standin import BotApiStandIn
from storage.db import Database
from storage.escalations import Escalation, EscalationReasonEntry
from storage.invites import InviteRepository
from storage.migrate import head_revision, upgrade_schema
from storage.people import PersonRepository
from storage.staff import StaffRepository
from tests.conftest import TOKEN, make_settings
from usecases.planning import new_person

T = TypeVar("T")

STAFF_FIELDS = {"id", "telegram_id", "name", "role", "reachable", "last_seen_at"}
PEOPLE_FIELDS = {
    "id",
    "telegram_id",
    "display_name",
    "worker",
    "status",
    "last_reply_at",
    "next_checkin_at",
}
ESCALATION_FIELDS = {
    "id",
    "person_id",
    "person_telegram_id",
    "reason",
    "reasons",
    "priority",
    "state",
    "created_at",
    "acknowledged_by",
}
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def db_url(tmp_cwd: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_cwd / 'cli.db'}"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"TSUNAGARI_DATABASE_URL": db_url}


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str) -> Result:
    code = main(list(argv), env=env)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.code != 0
    assert result.out == ""
    assert result.err.startswith("tsunagari: ")
    assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, result.err


def assert_iso_with_offset(value: str | None) -> None:
    if value is None:
        return
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value


# --- database and staff ---------------------------------------------------------------------


def test_db_upgrade_prints_the_revision(capsys: pytest.CaptureFixture[str], env: dict[str, str]):
    result = cli(capsys, env, "db", "upgrade")
    assert result.code == 0
    assert result.out == f"schema at revision {head_revision()}\n"
    again = cli(capsys, env, "db", "upgrade")
    assert (again.code, again.out) == (0, result.out)


def test_staff_add_then_list_json(capsys: pytest.CaptureFixture[str], env: dict[str, str]):
    added = cli(
        capsys,
        env,
        "staff",
        "add",
        "--telegram-id",
        "500",
        "--role",
        "coordinator",
        "--name",
        "佐藤",
    )
    assert added.code == 0, added.err
    assert "500" in added.out
    assert (
        cli(
            capsys,
            env,
            "staff",
            "add",
            "--telegram-id",
            "501",
            "--role",
            "worker",
            "--name",
            "Tanaka",
        ).code
        == 0
    )

    listed = cli(capsys, env, "staff", "list", "--json")
    assert listed.code == 0
    rows = listed.json()
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert set(row) >= STAFF_FIELDS, row
    assert [(r["telegram_id"], r["name"], r["role"]) for r in rows] == [
        (500, "佐藤", "coordinator"),
        (501, "Tanaka", "worker"),
    ]
    assert all(isinstance(r["id"], int) for r in rows)


def test_staff_list_as_a_table(capsys: pytest.CaptureFixture[str], env: dict[str, str]):
    assert cli(capsys, env, "staff", "list").out == "(none)\n"
    cli(capsys, env, "staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "Sato")
    table = cli(capsys, env, "staff", "list").out.splitlines()
    assert table[0].split() == ["id", "telegram_id", "name", "role", "reachable", "last_seen_at"]
    assert table[1].split()[1:] == ["500", "Sato", "worker", "False"]


def test_staff_add_says_how_to_open_the_bot_without_a_token(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    added = cli(
        capsys, env, "staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "S"
    )
    assert added.code == 0, added.err
    first, second = added.out.splitlines()
    assert first.startswith("staff ")
    assert (
        second
        == "before the bot can notify them, they must open the bot in Telegram and send /start"
    )


def test_staff_add_gives_the_bot_link_when_the_token_is_configured(
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    tmp_cwd: Path,
    threaded_bot_api: BotApiStandIn,
):
    (tmp_cwd / "config.toml").write_text(
        f'[telegram]\nbase_url = "{threaded_bot_api.base_url}"\n', encoding="utf-8"
    )
    env = {**env, "TSUNAGARI_TELEGRAM_TOKEN": TOKEN}
    added = cli(
        capsys, env, "staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "S"
    )
    assert added.code == 0, added.err
    assert added.out.splitlines()[1] == (
        "before the bot can notify them, they must open https://t.me/tsunagari_cli_bot "
        "and send /start"
    )


def test_staff_list_json_shows_reachability(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
):
    from domain.reachability import Unreachable
    from usecases.reachability import mark_unreachable, staff_wrote

    for telegram_id, role in (("500", "worker"), ("501", "worker"), ("600", "coordinator")):
        argv = ("staff", "add", "--telegram-id", telegram_id, "--role", role, "--name", "N")
        assert cli(capsys, env, *argv).code == 0
    seen = NOW + timedelta(minutes=5)

    async def states() -> None:
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                repo = StaffRepository(session)
                blocked = await repo.by_telegram_id(501)
                coordinator = await repo.by_telegram_id(600)
                assert blocked is not None and coordinator is not None
                mark_unreachable(blocked, Unreachable.CHAT_NOT_FOUND, NOW)
                staff_wrote(coordinator, seen)
        finally:
            await db.dispose()

    run(states())
    rows = {r["telegram_id"]: r for r in cli(capsys, env, "staff", "list", "--json").json()}
    assert (rows[500]["reachable"], rows[500]["last_seen_at"]) == (False, None)  # unknown
    assert rows[500]["reachability"] == "unknown"
    assert (rows[501]["reachable"], rows[501]["unreachable_cause"]) == (False, "chat_not_found")
    assert rows[600]["reachable"] is True
    assert_iso_with_offset(rows[600]["last_seen_at"])
    assert datetime.fromisoformat(rows[600]["last_seen_at"]) == seen


def test_staff_add_twice_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    argv = ("staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "Sato")
    assert cli(capsys, env, *argv).code == 0
    assert_one_line_error(cli(capsys, env, *argv), "500")


def test_staff_add_with_an_empty_name_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    result = cli(
        capsys, env, "staff", "add", "--telegram-id", "1", "--role", "worker", "--name", "  "
    )
    assert_one_line_error(result, "--name")


# --- people and escalations -----------------------------------------------------------------


async def seed(db_url: str) -> dict[str, int]:
    db = Database(db_url)
    settings = make_settings(database_url=db_url)
    try:
        await upgrade_schema(db)
        async with db.transaction() as session:
            staff = StaffRepository(session)
            worker = await staff.add(telegram_id=500, name="Sato", role=StaffRole.WORKER, now=NOW)
            other = await staff.add(telegram_id=501, name="Ito", role=StaffRole.WORKER, now=NOW)
            people = PersonRepository(session)
            aiko = await people.add(
                new_person(
                    settings,
                    telegram_id=1001,
                    chat_id=1001,
                    display_name="Aiko",
                    language="ja",
                    worker_id=worker.id,
                    invite_id=None,
                    now=NOW,
                )
            )
            aiko.next_checkin_at = NOW + timedelta(hours=1)
            aiko.last_reply_at = NOW - timedelta(days=1)
            ben = await people.add(
                new_person(
                    settings,
                    telegram_id=1002,
                    chat_id=1002,
                    display_name=None,
                    language="en",
                    worker_id=other.id,
                    invite_id=None,
                    now=NOW,
                )
            )
            ben.status = PersonStatus.PAUSED
            open_one = Escalation(
                person_id=aiko.id,
                reason=EscalationReason.SILENCE,
                priority=Priority.P2,
                state=EscalationState.OPEN,
                open_key=f"{aiko.id}:silence",
                created_at=NOW,
                updated_at=NOW,
                level=0,
            )
            acked = Escalation(
                person_id=ben.id,
                reason=EscalationReason.DISTRESS,
                priority=Priority.P1,
                state=EscalationState.ACKNOWLEDGED,
                open_key=f"{ben.id}:distress",
                created_at=NOW,
                updated_at=NOW,
                level=1,
                acknowledged_by=other.id,
                acknowledged_at=NOW,
            )
            closed = Escalation(
                person_id=aiko.id,
                reason=EscalationReason.WANTS_CONTACT,
                priority=Priority.P3,
                state=EscalationState.RESOLVED,
                open_key=None,
                created_at=NOW - timedelta(days=2),
                updated_at=NOW,
                level=0,
                acknowledged_by=worker.id,
                resolved_at=NOW,
            )
            session.add_all([open_one, acked, closed])
            await session.flush()
            # The acknowledged episode was opened by distress; a wish to talk joined it.
            session.add_all(
                [
                    EscalationReasonEntry(
                        escalation_id=acked.id,
                        reason=reason,
                        priority=Priority.P1,
                        at=NOW + timedelta(minutes=minutes),
                    )
                    for minutes, reason in (
                        (0, EscalationReason.DISTRESS),
                        (5, EscalationReason.WANTS_CONTACT),
                        (9, EscalationReason.DISTRESS),
                    )
                ]
            )
            await session.flush()
            return {
                "aiko": aiko.id,
                "ben": ben.id,
                "open": open_one.id,
                "acked": acked.id,
                "closed": closed.id,
            }
    finally:
        await db.dispose()


def test_people_and_escalations_are_empty_arrays_on_an_empty_database(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    for argv in (
        ("people", "list", "--json"),
        ("escalations", "list", "--json"),
        ("escalations", "list", "--all", "--json"),
    ):
        result = cli(capsys, env, *argv)
        assert result.code == 0, result.err
        assert result.json() == []


def test_people_list_json_has_the_documented_fields(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
):
    ids = run(seed(db_url))
    rows = cli(capsys, env, "people", "list", "--json").json()
    assert len(rows) == 2
    for row in rows:
        assert set(row) >= PEOPLE_FIELDS, row
        assert row["status"] in {"active", "paused", "stopped", "unreachable"}
        assert_iso_with_offset(row["last_reply_at"])
        assert_iso_with_offset(row["next_checkin_at"])
    aiko, ben = rows
    assert (aiko["id"], aiko["telegram_id"], aiko["display_name"], aiko["worker"]) == (
        ids["aiko"],
        1001,
        "Aiko",
        500,
    )
    assert aiko["status"] == "active"
    assert datetime.fromisoformat(aiko["next_checkin_at"]) == NOW + timedelta(hours=1)
    assert datetime.fromisoformat(aiko["last_reply_at"]) == NOW - timedelta(days=1)
    assert (ben["telegram_id"], ben["display_name"], ben["worker"], ben["status"]) == (
        1002,
        None,
        501,
        "paused",
    )
    assert ben["last_reply_at"] is None


def test_escalations_list_json_has_the_documented_fields(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
):
    ids = run(seed(db_url))
    open_rows = cli(capsys, env, "escalations", "list", "--json").json()
    assert [r["id"] for r in open_rows] == [ids["open"], ids["acked"]]
    all_rows = cli(capsys, env, "escalations", "list", "--all", "--json").json()
    assert sorted(r["id"] for r in all_rows) == sorted(ids[k] for k in ("open", "acked", "closed"))
    for row in all_rows:
        assert set(row) >= ESCALATION_FIELDS, row
        assert row["reason"] in {
            "silence",
            "unreachable",
            "distress",
            "concern",
            "wants_contact",
            "reconnect",
        }
        assert row["priority"] in {"P1", "P2", "P3"}
        assert row["state"] in {"open", "acknowledged", "resolved", "auto_resolved"}
        assert_iso_with_offset(row["created_at"])
    by_id = {r["id"]: r for r in all_rows}
    assert {k: by_id[ids["open"]][k] for k in ESCALATION_FIELDS - {"id", "created_at"}} == {
        "person_id": ids["aiko"],
        "person_telegram_id": 1001,
        "reason": "silence",
        "reasons": ["silence"],
        "priority": "P2",
        "state": "open",
        "acknowledged_by": None,
    }
    assert datetime.fromisoformat(by_id[ids["open"]]["created_at"]) == NOW
    acked = by_id[ids["acked"]]
    assert (acked["state"], acked["priority"], acked["acknowledged_by"]) == (
        "acknowledged",
        "P1",
        501,
    )
    assert (acked["reason"], acked["reasons"]) == ("distress", ["distress", "wants_contact"])
    closed = by_id[ids["closed"]]
    assert (closed["state"], closed["reason"], closed["acknowledged_by"]) == (
        "resolved",
        "wants_contact",
        500,
    )


def test_people_list_as_a_table(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
):
    run(seed(db_url))
    lines = cli(capsys, env, "people", "list").out.splitlines()
    assert lines[0].split() == [
        "id",
        "telegram_id",
        "display_name",
        "worker",
        "status",
        "last_reply_at",
        "next_checkin_at",
    ]
    assert len(lines) == 3


def test_people_list_shows_times_in_the_organisations_zone(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str, tmp_cwd: Path
):
    run(seed(db_url))
    # NOW + 1 h is 02:00 UTC: 11:00 in Tokyo, the default zone.
    assert "2026-11-23 11:00 JST" in cli(capsys, env, "people", "list").out
    as_json = cli(capsys, env, "people", "list", "--json").json()
    assert "2026-11-23T02:00:00+00:00" in [p["next_checkin_at"] for p in as_json]
    (tmp_cwd / "config.toml").write_text(
        '[checkin]\ntimezone = "Europe/London"\n', encoding="utf-8"
    )
    assert "2026-11-23 02:00 GMT" in cli(capsys, env, "people", "list").out


def test_staff_list_lines_up_with_kanji_names(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    for telegram_id, name in (("500", "佐藤 花子"), ("501", "Tanaka"), ("502", "ｽｽﾞｷ")):
        cli(capsys, env, "staff", "add", "--telegram-id", telegram_id, "--role", "worker",
            "--name", name)  # fmt: skip
    lines = cli(capsys, env, "staff", "list").out.splitlines()
    starts = {display_width(line[: line.index(" worker") + 1]) for line in lines[1:]}
    assert len(starts) == 1, lines
    assert display_width(lines[0][: lines[0].index("role")]) in starts


# --- errors -------------------------------------------------------------------------------


def test_invite_for_an_unknown_worker_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    result = cli(
        capsys,
        {**env, "TSUNAGARI_TELEGRAM_TOKEN": TOKEN},
        "invite",
        "create",
        "--worker-telegram-id",
        "999",
    )
    assert_one_line_error(result, "999")


def test_invite_without_a_token_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
):
    result = cli(capsys, env, "invite", "create", "--worker-telegram-id", "500")
    assert_one_line_error(result, "telegram.token")


def test_a_bad_config_key_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
):
    (tmp_cwd / "config.toml").write_text('[telegram]\ntokn = "x"\n', encoding="utf-8")
    result = cli(capsys, env, "staff", "list")
    assert_one_line_error(result, "configuration error", "telegram.tokn")


def test_a_bad_value_in_a_named_config_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_path: Path
):
    path = tmp_path / "other.toml"
    path.write_text('[checkin]\nnudge_after = "soon"\n', encoding="utf-8")
    result = cli(capsys, env, "--config", str(path), "people", "list")
    assert_one_line_error(result, "checkin.nudge_after", "90s")
    via_env = cli(capsys, {**env, "TSUNAGARI_CONFIG": str(path)}, "people", "list")
    assert_one_line_error(via_env, "checkin.nudge_after")


def test_a_missing_config_file_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_path: Path
):
    result = cli(capsys, env, "staff", "list", "--config", str(tmp_path / "missing.toml"))
    assert_one_line_error(result, "missing.toml")


def test_invalid_toml_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
):
    (tmp_cwd / "config.toml").write_text("[telegram\n", encoding="utf-8")
    assert_one_line_error(cli(capsys, env, "staff", "list"), "TOML")


def test_an_unreachable_database_is_a_one_line_error_naming_the_server(
    capsys: pytest.CaptureFixture[str],
):
    env = {"TSUNAGARI_DATABASE_URL": "postgresql+asyncpg://nobody:s3cret@127.0.0.1:1/none"}
    result = cli(capsys, env, "staff", "list")
    assert_one_line_error(result, "database error", "127.0.0.1:1", "not reachable")
    assert "s3cret" not in result.err


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("missing/t.db", ("directory", "missing", "does not exist")),
        (".", ("is a directory",)),
    ],
)
@pytest.mark.parametrize("command", [("people", "list"), ("db", "upgrade"), ("run",)])
def test_a_sqlite_database_that_cannot_be_opened_says_why(
    capsys: pytest.CaptureFixture[str],
    tmp_cwd: Path,
    where: str,
    words: tuple[str, ...],
    command: tuple[str, ...],
):
    env = {"TSUNAGARI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_cwd / where}"}
    result = cli(capsys, {**env, "TSUNAGARI_TELEGRAM_TOKEN": TOKEN}, *command)
    assert_one_line_error(result, "tsunagari: database error: ", *words)
    assert list(tmp_cwd.iterdir()) == []
    assert "Error;" not in result.err


DATABASE_COMMANDS = [
    ("people", "list"),
    ("staff", "list"),
    ("staff", "add", "--telegram-id", "500", "--role", "coordinator", "--name", "佐藤"),
    ("staff", "deactivate", "--telegram-id", "500"),
    ("escalations", "list"),
    ("audit", "list"),
    ("updates", "set-aside"),
    ("updates", "retry", "1"),
    ("db", "upgrade"),
    ("run",),
]


@pytest.mark.parametrize("argv", DATABASE_COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_without_a_configuration_file_database_commands_refuse(
    capsys: pytest.CaptureFixture[str], tmp_cwd: Path, argv: tuple[str, ...]
):
    result = cli(capsys, {"TSUNAGARI_TELEGRAM_TOKEN": TOKEN}, *argv)
    assert_one_line_error(result, "no configuration file", str(tmp_cwd / "config.toml"))
    assert list(tmp_cwd.iterdir()) == [], "no database may be created on a guess"


def test_a_configuration_named_but_missing_is_named_in_the_refusal(
    capsys: pytest.CaptureFixture[str], tmp_cwd: Path
):
    # The token alone may come from the environment; the database must not be guessed.
    env = {"TSUNAGARI_TELEGRAM_TOKEN": TOKEN, "TSUNAGARI_CONFIG": "conf/tsunagari.toml"}
    result = cli(capsys, env, "staff", "list")
    assert_one_line_error(result, str(tmp_cwd / "conf" / "tsunagari.toml"), "TSUNAGARI_CONFIG")
    assert list(tmp_cwd.iterdir()) == []


def test_a_configuration_file_in_the_working_directory_is_used(
    capsys: pytest.CaptureFixture[str], tmp_cwd: Path
):
    (tmp_cwd / "config.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_cwd / "chosen.db"}"\n', encoding="utf-8"
    )
    assert cli(capsys, {}, "staff", "list").code == 0
    assert (tmp_cwd / "chosen.db").exists()


def test_pure_commands_work_without_a_configuration_file(
    capsys: pytest.CaptureFixture[str], tmp_cwd: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO("もう消えたい\n"))
    classified = cli(capsys, {}, "signals", "classify")
    assert classified.code == 0, classified.err
    assert json.loads(classified.out)["severity"] == "critical"
    lines = cli(capsys, {}, "crisis-lines", "--json")
    assert lines.code == 0 and lines.json(), lines.err
    assert list(tmp_cwd.iterdir()) == []


def test_every_bad_configuration_key_is_reported_at_once(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
):
    (tmp_cwd / "config.toml").write_text(
        '[telegram]\ntokn = "x"\n[checkin]\nnudge_after = "soon"\ntimezone = "Mars/Base"\n'
        '[escalation]\nclosed_days = ["12-29..01-03", "13-40"]\n',
        encoding="utf-8",
    )
    result = cli(capsys, env, "staff", "list")
    assert result.code == 1 and result.out == ""
    lines = result.err.splitlines()
    assert all(line.startswith("tsunagari: configuration error: ") for line in lines)
    for key in ("telegram.tokn", "checkin.nudge_after", "checkin.timezone"):
        assert sum(key in line for line in lines) == 1, result.err
    assert any("escalation.closed_days" in line and "13-40" in line for line in lines)
    assert len(lines) == 4


def test_an_unreachable_bot_api_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
):
    cli(capsys, env, "staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "S")
    (tmp_cwd / "config.toml").write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "http://127.0.0.1:9/bot"\n', encoding="utf-8"
    )
    result = cli(capsys, env, "invite", "create", "--worker-telegram-id", "500")
    assert_one_line_error(result, "telegram.base_url")


# --- invite create against a running stand-in -----------------------------------------------


def test_invite_create_prints_a_deep_link(
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    tmp_cwd: Path,
    db_url: str,
    threaded_bot_api: BotApiStandIn,
):
    (tmp_cwd / "config.toml").write_text(
        f'[telegram]\nbase_url = "{threaded_bot_api.base_url}"\n', encoding="utf-8"
    )
    env = {**env, "TSUNAGARI_TELEGRAM_TOKEN": TOKEN}
    cli(capsys, env, "staff", "add", "--telegram-id", "500", "--role", "worker", "--name", "S")
    result = cli(capsys, env, "invite", "create", "--worker-telegram-id", "500")
    assert result.code == 0, result.err
    match = re.fullmatch(
        r"https://t\.me/tsunagari_cli_bot\?start=([A-Za-z0-9_-]{22,64})\n", result.out
    )
    assert match, result.out
    token = match.group(1)

    async def stored() -> tuple[int | None, int]:
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                invite = await InviteRepository(session).by_token(token)
                worker = await StaffRepository(session).by_telegram_id(500)
                assert invite is not None and worker is not None
                return invite.worker_id, worker.id
        finally:
            await db.dispose()

    invite_worker, worker_id = run(stored())
    assert invite_worker == worker_id
    second = cli(capsys, env, "invite", "create", "--worker-telegram-id", "500")
    assert second.out != result.out, "each invite is a new one-time link"


def test_updates_set_aside_lists_and_retry_offers_again(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], db_url: str
) -> None:
    from storage.inbound import InboundRepository

    async def seed() -> None:
        db = Database(db_url)
        await upgrade_schema(db)
        async with db.transaction() as session:
            repo = InboundRepository(session)
            payload = {"update_id": 77, "message": {"text": "words never printed"}}
            await repo.record([payload], now=NOW, postgres=False)
            for _ in range(3):
                await repo.record_failure(77, now=NOW, error="KeyError", max_attempts=3)
        await db.dispose()

    run(seed())
    listed = cli(capsys, env, "updates", "set-aside", "--json")
    assert listed.code == 0
    assert listed.json() == [
        {
            "update_id": 77,
            "kind": "message",
            "received_at": NOW.isoformat(),
            "set_aside_at": NOW.isoformat(),
            "attempts": 3,
            "error": "KeyError",
        }
    ]
    assert "words" not in listed.out
    assert "77" in cli(capsys, env, "updates", "set-aside").out
    retried = cli(capsys, env, "updates", "retry", "77")
    assert retried.code == 0 and "77" in retried.out
    assert cli(capsys, env, "updates", "set-aside", "--json").json() == []
    again = cli(capsys, env, "updates", "retry", "77")
    assert again.code == 1 and again.err.count("\n") == 1
