"""No token, words or names in the logs or the command line's output (issue 12, item 7).

A full scripted session through the real runtime and the stand-in (enrolment, a check-in
answered with a mood and words, a crisis message, `/person`, `/relay`, `/note`, the
operator's CLI, `/forget`) with logging set up as `tsunagari run` sets it up, at DEBUG;
every line the log handler writes and everything the CLI prints is scanned for the bot
token, its secret half and every text a human wrote. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.main import main
from domain.people import StaffRole
from infra.clock import ControllableClock
from infra.logs import NOISY, setup_logging
from standin.sandbox import SANDBOX_TOKEN, Sandbox
from storage.escalations import Escalation
from tests.conftest import fast_pacing
from tests.handlers.checkin_helpers import (
    PERSON,
    TUESDAY,
    WORKER,
    advance,
    enrol,
    is_checkin,
    next_message,
    staffed,
    text,
)

COORDINATOR = 600
NAME = "Aikonamae"
WRITTEN = {
    "answer": "今日は少しつらかったですmarkerA",
    "crisis": "もう消えたいです。markerB",
    "free": "夜にまた話したいmarkerC",
    "relay": "お話を聞かせてくださいmarkerD",
    "note": "電話で様子を聞いたmarkerE",
}
SECRETS = {"token": SANDBOX_TOKEN, "token secret": SANDBOX_TOKEN.split(":", 1)[1], "name": NAME}
SECRETS |= {f"{kind} text": words for kind, words in WRITTEN.items()}
CLI_COMMANDS = [
    ["people", "list"],
    ["people", "list", "--json"],
    ["escalations", "list"],
    ["escalations", "list", "--json"],
    ["audit", "list"],
    ["staff", "list", "--json"],
    ["updates", "set-aside", "--json"],
    ["invite", "create", "--worker-telegram-id", str(WORKER)],
]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The operator's log handler (`infra.logs.setup_logging`) at DEBUG, writing here."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    noisy = {name: logging.getLogger(name).level for name in NOISY}
    stream = io.StringIO()
    setup_logging("DEBUG")
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name, was in noisy.items():
            logging.getLogger(name).setLevel(was)


def leaks(output: str) -> list[str]:
    return [what for what, secret in SECRETS.items() if secret in output]


async def cli_outputs(
    capsys: pytest.CaptureFixture[str], sb: Sandbox, tmp_path: Path
) -> list[tuple[int, str]]:
    """Each CLI command as an operator runs it (its own event loop, so in a thread), with
    the token in its configuration and the stand-in as its Bot API."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{sb.standin.base_url}"\n'
        f'[database]\nurl = "{sb.database_url}"\n'
    )
    env = {"TSUNAGARI_CONFIG": str(config)}
    results = []
    for argv in CLI_COMMANDS:
        code = await asyncio.to_thread(main, argv, env)
        captured = capsys.readouterr()
        results.append((code, captured.out + captured.err))
    return results


async def session(sb: Sandbox) -> int:
    """The scripted session up to /forget; returns the escalation's id."""
    await staffed(sb)
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Suzuki")
    worker = sb.user(WORKER, "Sato")
    user = await enrol(sb, PERSON, NAME)
    await advance(sb, TUESDAY)
    await user.press(await next_message(sb, PERSON, is_checkin), 3)
    await user.send_text(WRITTEN["answer"])
    await sb.settle()
    await user.send_text(WRITTEN["crisis"])
    await next_message(sb, PERSON, lambda m: "119" in (m.text or ""))
    await sb.settle()
    async with sb.runtime.db.sessions() as db_session:
        escalation = (await db_session.execute(select(Escalation.id))).scalar_one()
    await user.send_text(WRITTEN["free"])
    await worker.send_command("person", str(PERSON))
    await worker.send_command("relay", f"{escalation} {WRITTEN['relay']}")
    await worker.send_command("note", f"{escalation} {WRITTEN['note']}")
    await sb.settle()
    return escalation


async def forget(sb: Sandbox) -> None:
    user = sb.user(PERSON, NAME)
    await user.send_command("forget")
    confirm = await next_message(sb, PERSON, lambda m: m.text == text(sb, "ja", "forget.confirm"))
    await user.press(confirm, 0)
    await next_message(sb, PERSON, lambda m: m.text == text(sb, "ja", "forget.done"))
    await sb.settle()


async def test_no_token_words_or_names_in_logs_or_cli_output(
    database_url: str,
    clock: ControllableClock,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    sb = Sandbox(database_url=database_url, clock=clock)
    await sb.start()
    deliverer = sb.runtime.deliverer
    deliverer.monotonic = fast_pacing()
    try:
        await session(sb)
        # The words really went through the bot: the worker saw the relay confirmation,
        # the person the staff member's words.
        assert any(WRITTEN["relay"] in (m.text or "") for m in sb.standin.messages_to(PERSON))
        before_forget = await cli_outputs(capsys, sb, tmp_path)
        await forget(sb)
        after_forget = await cli_outputs(capsys, sb, tmp_path)
    finally:
        await sb.stop()

    logs = log_output.getvalue()
    debug_lines = [line for line in logs.splitlines() if " DEBUG " in line]
    assert len(debug_lines) > 20, "DEBUG logging was captured"
    assert leaks(logs) == [], [line for line in logs.splitlines() if leaks(line)][:5]
    for argv, (code, output) in zip(CLI_COMMANDS, before_forget, strict=True):
        assert code == 0 and output.strip(), (argv, output)
        # `people list` is where an operator looks a person up by name, until /forget.
        allowed = {"name"} if argv[:2] == ["people", "list"] else set()
        assert set(leaks(output)) <= allowed, (argv, leaks(output))
    for argv, (code, output) in zip(CLI_COMMANDS, after_forget, strict=True):
        assert code == 0 and output.strip(), (argv, output)
        assert leaks(output) == [], (argv, leaks(output))
