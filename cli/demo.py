"""`tsunagari demo`: the real bot against the local Bot API stand-in, with scripted people.

Everything here goes through the same code as production: updates travel over HTTP from
the stand-in to the bot, replies leave through the outbox. Only the clock is fast-forwarded
(a controllable clock), so a week of check-ins fits in well under a minute.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from domain.people import StaffRole
from infra.clock import ControllableClock
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.escalations import Escalation, EscalationRepository
from storage.people import PersonRepository

TOKYO = ZoneInfo("Asia/Tokyo")
# Tuesday 24 November 2026, 09:30 in Tokyo: the week's story ends with the Monday digest.
DEMO_START = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)


class Transcript:
    """Prints what each person and staff member sees, in the order it happened."""

    def __init__(self, sandbox: Sandbox, clock: ControllableClock, out: TextIO) -> None:
        self.sandbox = sandbox
        self.clock = clock
        self.out = out
        self.names: dict[int, str] = {}
        self.seen: set[tuple[int, int]] = set()

    def name(self, chat_id: int, label: str) -> None:
        self.names[chat_id] = label

    def now(self) -> str:
        return self.clock.now().astimezone(TOKYO).strftime("%a %H:%M")

    def scene(self, title: str) -> None:
        self.out.write(f"\n=== {title} ===\n")

    def say(self, chat_id: int, text: str) -> None:
        self.out.write(f"[{self.now()}] {self.names[chat_id]} → bot: {text}\n")

    def note(self, text: str) -> None:
        self.out.write(f"[{self.now()}] ({text})\n")

    async def flush(self) -> None:
        await self.sandbox.settle()
        for chat_id, label in self.names.items():
            for message in self.sandbox.standin.messages_to(chat_id):
                key = (chat_id, message.message_id)
                if key in self.seen:
                    continue
                self.seen.add(key)
                self._print(label, message)

    def _print(self, label: str, message: SentMessage) -> None:
        text = (message.text or "").replace("\n", "\n      ")
        self.out.write(f"[{self.now()}] bot → {label}: {text}\n")
        if message.buttons:
            labels = " | ".join(t for t, _ in message.buttons)
            self.out.write(f"      [{labels}]\n")


async def _last(sandbox: Sandbox, chat_id: int) -> SentMessage:
    return sandbox.standin.messages_to(chat_id)[-1]


async def _enrol(
    sandbox: Sandbox, t: Transcript, user: SimulatedUser, worker_tg: int, name: str
) -> None:
    token = await sandbox.create_invite(worker_tg)
    t.note(f"worker shares https://t.me/{sandbox.standin.bot_user['username']}?start=… with {name}")
    t.say(user.id, "/start <token>")
    await user.send_command("start", token)
    await t.flush()
    t.say(user.id, "(taps the first button: consent)")
    await user.press(await _last(sandbox, user.id), 0)
    await t.flush()


async def _advance_to(sandbox: Sandbox, clock: ControllableClock, when: datetime) -> None:
    await sandbox.settle()
    clock.set(when)
    # Twice, as the running bot ticks every few seconds: after a jump of days the first
    # tick moves a missed check-in to its next slot, which may already be due.
    for _ in range(2):
        await sandbox.runtime.tick()
        await sandbox.settle()


DEMO_CONFIG = {
    "checkin": {"times": "10:00", "nudge_after": "4h", "escalate_after": "1d", "jitter": "5m"}
}


async def run_demo(out: TextIO, *, fast: bool = True) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    clock = ControllableClock(DEMO_START)
    with tempfile.TemporaryDirectory(prefix="tsunagari-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        async with Sandbox(database_url=url, clock=clock, extra=DEMO_CONFIG) as sandbox:
            t = Transcript(sandbox, clock, out)
            out.write(
                "tsunagari demo — the real bot, the local Bot API stand-in, SQLite, and a "
                "fast-forwarded clock.\n"
            )
            pause = 0.0 if fast else 1.5
            people = await _enrolment_scenes(sandbox, t, pause)
            await _week_scenes(sandbox, clock, t, people, pause)
            await _records(sandbox, out)
            violations = sandbox.standin.violations
            out.write(
                f"\nBot API requests checked against the spec: "
                f"{sum(sandbox.standin.stats.requests.values())}, violations: {len(violations)}\n"
            )
            return 0 if not violations else 1


async def _enrolment_scenes(
    sandbox: Sandbox, t: Transcript, pause: float
) -> tuple[SimulatedUser, SimulatedUser]:
    t.scene("Staff are registered (tsunagari staff add)")
    await sandbox.add_staff(9001, StaffRole.COORDINATOR, "Sato")
    await sandbox.add_staff(9002, StaffRole.WORKER, "Tanaka")
    t.name(9001, "coordinator Sato")
    t.name(9002, "worker Tanaka")
    t.note("coordinator Sato (9001) and worker Tanaka (9002)")
    aiko = sandbox.user(1001, "Aiko", language_code="ja")
    ken = sandbox.user(1002, "Ken", language_code="en")
    stranger = sandbox.user(1003, "Someone", language_code="en")
    t.name(1001, "Aiko")
    t.name(1002, "Ken")
    t.name(1003, "a stranger")

    t.scene("Aiko enrols with consent (Japanese)")
    await _enrol(sandbox, t, aiko, 9002, "Aiko")
    await asyncio.sleep(pause)

    t.scene("Ken enrols with consent (English)")
    await _enrol(sandbox, t, ken, 9002, "Ken")

    t.scene("A stranger writes to the bot")
    t.say(1003, "hello?")
    await stranger.send_text("hello?")
    await t.flush()
    await asyncio.sleep(pause)
    return aiko, ken


async def _week_scenes(
    sandbox: Sandbox,
    clock: ControllableClock,
    t: Transcript,
    people: tuple[SimulatedUser, SimulatedUser],
    pause: float,
) -> None:
    aiko, ken = people
    t.scene("Wednesday morning: scheduled check-ins")
    await _advance_to(sandbox, clock, datetime(2026, 11, 25, 1, 10, tzinfo=UTC))
    await t.flush()
    t.say(1001, "(taps 🙂)")
    await aiko.press(await _last(sandbox, 1001), 1)
    await t.flush()
    t.note("Ken does not answer")
    await asyncio.sleep(pause)

    t.scene("Silence: one gentle nudge, then the worker is told")
    await _advance_to(sandbox, clock, datetime(2026, 11, 25, 5, 15, tzinfo=UTC))
    await t.flush()
    await _advance_to(sandbox, clock, datetime(2026, 11, 26, 1, 20, tzinfo=UTC))
    await t.flush()
    await _tap_latest_notice(sandbox, t)
    t.say(1002, "sorry, busy week. I'm ok")
    await ken.send_text("sorry, busy week. I'm ok")
    await t.flush()
    await asyncio.sleep(pause)

    await _crisis_scenes(sandbox, clock, t, aiko, pause)

    t.scene("Ken takes a break, then is welcomed back")
    t.say(1002, "/pause 2")
    await ken.send_command("pause", "2")
    await t.flush()
    t.say(1002, "(taps “A rest”)")
    await ken.press(await _last(sandbox, 1002), 3)
    await t.flush()
    await _advance_to(sandbox, clock, datetime(2026, 11, 29, 1, 10, tzinfo=UTC))
    await t.flush()
    t.say(1002, "(taps 🙂)")
    await ken.press(await _last(sandbox, 1002), 1)
    await t.flush()
    await asyncio.sleep(pause)

    t.scene("Monday morning: the coordinator's weekly summary")
    await _advance_to(sandbox, clock, datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    await t.flush()


async def _tap_latest_notice(sandbox: Sandbox, t: Transcript) -> None:
    """Worker Tanaka taps the first button (acknowledge) of the latest notice."""
    notice = next(m for m in reversed(sandbox.standin.messages_to(9002)) if m.buttons)
    t.say(9002, f"(taps “{notice.buttons[0][0]}”)")
    await sandbox.user(9002, "Tanaka").press(notice, 0)
    await t.flush()


async def _crisis_scenes(
    sandbox: Sandbox, clock: ControllableClock, t: Transcript, aiko: SimulatedUser, pause: float
) -> None:
    t.scene("3 a.m.: Aiko writes something that sounds like a crisis")
    await _advance_to(sandbox, clock, datetime(2026, 11, 26, 18, 0, tzinfo=UTC))
    t.say(1001, "もう消えたい")
    await aiko.send_text("もう消えたい")
    await t.flush()
    await asyncio.sleep(pause)

    t.scene("Tanaka, on call tonight, takes it and writes to Aiko through the bot")
    await _advance_to(sandbox, clock, datetime(2026, 11, 26, 18, 4, tzinfo=UTC))
    await _tap_latest_notice(sandbox, t)
    tanaka = sandbox.user(9002, "Tanaka")
    relay = "2 田中です。読みました。書いてくれてありがとう。いま、安全な場所にいますか？"
    t.say(9002, f"/relay {relay}")
    await tanaka.send_command("relay", relay)
    await t.flush()
    t.say(1001, "家にいます。少し落ち着きました")
    await aiko.send_text("家にいます。少し落ち着きました")
    await t.flush()
    await asyncio.sleep(pause)

    t.scene("Friday morning: Tanaka calls Aiko, then closes the episode")
    await _advance_to(sandbox, clock, datetime(2026, 11, 27, 0, 40, tzinfo=UTC))
    resolve = "2 contacted 電話で話した。午後に面談"
    t.say(9002, f"/resolve {resolve}")
    await tanaka.send_command("resolve", resolve)
    await t.flush()
    await asyncio.sleep(pause)


async def _records(sandbox: Sandbox, out: TextIO) -> None:
    """What the records say at the end (as `people list` and `escalations list` would)."""
    out.write("\n=== In short: what the records say ===\n")
    async with sandbox.runtime.svc.db.read_session() as session:
        for person in await PersonRepository(session).all():
            line = (
                f"  person {person.id}: {person.status.value}, cadence {person.cadence_level.value}"
            )
            if person.next_checkin_at:
                line += f", next check-in {person.next_checkin_at.astimezone(TOKYO):%a %d %b %H:%M}"
            out.write(line + "\n")
        for esc, _, _ in await EscalationRepository(session).listing(include_closed=True):
            out.write(f"  {_episode_line(esc)}\n")


def _episode_line(esc: Escalation) -> str:
    opened = esc.created_at.astimezone(TOKYO)
    line = (
        f"escalation #{esc.id} ({esc.reason.value}, {esc.priority.value}): opened {opened:%a %H:%M}"
    )
    if esc.acknowledged_at is not None:
        minutes = round((esc.acknowledged_at - esc.created_at).total_seconds() / 60)
        line += f", taken after {minutes} min"
    if esc.resolved_at is not None:
        outcome = f" ({esc.outcome.value})" if esc.outcome is not None else ""
        line += f", {esc.state.value} {esc.resolved_at.astimezone(TOKYO):%a %H:%M}{outcome}"
    else:
        line += f", {esc.state.value}"
    return line
