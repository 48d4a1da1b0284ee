"""Benchmark: the crisis reply, built and delivered.

1. Building the card (choosing the lines open now and rendering them): every 10 minutes of
   two weeks, in Japanese and English, with no situation, each single situation and all of
   them. Goal: p99 well under a millisecond (it runs inside the handler's transaction).
2. End to end, idle: N enrolled people each write a crisis message to the bot running
   against the in-process stand-in (SQLite, a one-minute tick so only the handler's wake-up
   can deliver); timed from the message entering the stand-in to the card arriving there.
   Goal: every reply within a second.

Run: .venv/bin/python benchmarks/crisis_reply.py [--people N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from domain.people import StaffRole
from infra.clock import ControllableClock
from infra.i18n import Catalog
from infra.settings import settings_from_mapping
from signals.crisis import Situation
from standin.sandbox import Sandbox
from storage.db import Database
from usecases.crisis_reply import crisis_card
from usecases.services import Services

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 11, 30, 0, 0, tzinfo=JST)
WORKER = 500


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered):.3f}, p99 {p99:.3f}, max {ordered[-1]:.3f}"
        f" ({len(ordered)} samples)"
    )


def card_build_ms(tmp: Path) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per card (CPU time shows the cost on a busy machine)."""
    svc = Services(
        settings=settings_from_mapping({"telegram": {"token": "1:x"}}, {}),
        db=Database(f"sqlite+aiosqlite:///{tmp / 'unused.db'}"),
        clock=ControllableClock(START),
        catalog=Catalog("ja"),
    )
    v, c, s = Situation.VIOLENCE, Situation.CHILD, Situation.SEXUAL_VIOLENCE
    combos = [(), (v,), (c,), (s,), (v, c, s)]
    wall: list[float] = []
    cpu: list[float] = []
    for step in range(14 * 24 * 6):
        now = START + timedelta(minutes=10 * step)
        for language in ("ja", "en"):
            for situations in combos:
                began, began_cpu = time.perf_counter(), time.thread_time()
                crisis_card(svc, language, now, JST, situations)
                cpu.append((time.thread_time() - began_cpu) * 1000)
                wall.append((time.perf_counter() - began) * 1000)
    return wall, cpu


async def enrol(sb: Sandbox, user_id: int) -> None:
    token = await sb.create_invite(WORKER)
    user = sb.user(user_id, f"P{user_id}")
    await user.send_command("start", token)
    consent = await sb.standin.wait_for_message(user_id)
    await user.press(consent, 0)
    await sb.standin.wait_for_message(user_id, lambda m: not m.buttons)
    await sb.settle()


async def end_to_end_ms(tmp: Path, people: int) -> list[float]:
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    samples: list[float] = []
    async with Sandbox(
        database_url=url,
        clock=ControllableClock(START + timedelta(hours=10)),
        extra={"scheduler": {"tick": "60s"}},
        record_requests=False,
    ) as sb:
        await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
        ids = [1000 + n for n in range(people)]
        for user_id in ids:
            await enrol(sb, user_id)
        for user_id in ids:
            began = time.perf_counter()
            await sb.user(user_id, f"P{user_id}").send_text("もう消えたい")
            await sb.standin.wait_for_message(user_id, lambda m: "119" in (m.text or ""))
            samples.append((time.perf_counter() - began) * 1000)
            await sb.settle()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=30)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = card_build_ms(Path(tmp))
        print("card build, wall ms:", percentiles(wall))
        print("card build, CPU ms:", percentiles(cpu))
        samples = asyncio.run(end_to_end_ms(Path(tmp), args.people))
        print("message to card at the stand-in, idle, ms:", percentiles(samples))


if __name__ == "__main__":
    main()
