"""Check-in engine throughput: N people due at once, until the stand-in has accepted every one.

Compared, in the same run and against the same stand-in (a child process, so server and bot
each get a core), with a bare python-telegram-bot ``send_message`` loop at several asyncio
concurrency levels; the bare loop's best rate is the yardstick (goal: pipeline >= 0.8 x).
Shared virtual machines drift by a fifth or more within minutes, so the bare loop is measured
twice, bracketing the pipeline: every level before it, the best level again after it (more
sends, to average the noise); the yardstick is the mean of the best level's two rates, and
each figure is printed. CPU time per message (this process, all threads) is printed too: it
is the noise-resistant view of what the database and scheduling add.

Full pipeline = fresh database (schema through Alembic), N due people inserted in bulk, then
``dispatch_due`` batches and the ``Deliverer`` (the Runtime's, with its delivery hooks) run
concurrently, as in the running bot; timed from the first dispatch to the moment the stand-in
has accepted N sendMessage requests, then checked: no outbox row pending or sending.
The token bucket is lifted (``delivery.rate_per_second`` very high); every chat is distinct,
so per-chat pacing never holds a message back.

    .venv/bin/python benchmarks/dispatch_throughput.py                 # 100,000 on SQLite
    .venv/bin/python benchmarks/dispatch_throughput.py --people 20000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time

import aiohttp
from sqlalchemy import func, select

os.environ.setdefault("PTB_TIMEDELTA", "1")

from _common import (
    accepted_sends,
    free_port,
    fresh_database,
    load_people,
    machine_line,
    standin_process,
    wait_until_up,
)
from telegram import Bot, InlineKeyboardMarkup
from telegram.request import HTTPXRequest

from bot.checkins import checkin_keyboard
from bot.runtime import Runtime
from bot.sandbox import SANDBOX_TOKEN, sandbox_settings
from scheduler.dispatch import dispatch_due
from storage.db import Database
from storage.migrate import upgrade_schema
from storage.outbox import OutboxMessage, OutboxState


async def bare_loop(base_url: str, concurrency: int, sends: int, markup: InlineKeyboardMarkup,
                    text: str, chat_base: int) -> tuple[float, float]:
    """Plain `Bot.send_message` from `concurrency` asyncio tasks; returns (messages/s,
    CPU milliseconds per message)."""
    request = HTTPXRequest(connection_pool_size=concurrency + 4, pool_timeout=10.0)
    bot = Bot(SANDBOX_TOKEN, base_url=f"{base_url}/bot", request=request)
    counter = iter(range(sends))

    async def worker() -> None:
        for i in counter:
            await bot.send_message(chat_id=chat_base + i, text=text, reply_markup=markup)

    async with bot:
        await bot.send_message(chat_id=chat_base - 1, text=text, reply_markup=markup)  # warm
        started = time.perf_counter()
        cpu_started = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return sends / elapsed, 1000 * cpu / sends


async def outbox_busy(db: Database) -> int:
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING])
            )
        )
    return int(count or 0)


async def pipeline(args: argparse.Namespace, base_url: str, concurrency: int,
                   http: aiohttp.ClientSession) -> tuple[float, float, float, float]:
    """Returns (messages/s, seconds to last accepted, seconds until dispatch finished,
    CPU milliseconds per message)."""
    async with fresh_database(args.database_url) as url:
        settings = sandbox_settings(
            database_url=url,
            base_url=f"{base_url}/bot",
            extra={"delivery": {"rate_per_second": 1_000_000.0, "concurrency": concurrency,
                                "batch_size": args.batch_size}},
        )
        db = Database(url)
        await upgrade_schema(db)
        runtime = Runtime(settings, db=db, upgrade=False)
        svc = runtime.svc
        load_started = time.perf_counter()
        await load_people(db, args.people, now=svc.clock.now(), due=args.people)
        print(f"  loaded {args.people:,} due people in {time.perf_counter() - load_started:.1f} s"
              f" ({db.engine.dialect.name})", flush=True)
        await runtime.app.initialize()
        before = await accepted_sends(http, base_url)
        stop = asyncio.Event()
        dispatch_done = 0.0

        async def dispatcher() -> None:
            nonlocal dispatch_done
            while await dispatch_due(svc, svc.clock.now()):  # noqa: ASYNC110
                await asyncio.sleep(0)  # let the deliverer run between batches
            dispatch_done = time.perf_counter()

        started = time.perf_counter()
        cpu_started = time.process_time()
        tasks = [asyncio.create_task(dispatcher()),
                 asyncio.create_task(runtime.deliverer.run(stop))]
        last_report = started
        while True:
            accepted = await accepted_sends(http, base_url) - before
            now = time.perf_counter()
            if accepted >= args.people:
                break
            if now - last_report >= 10:
                print(f"  ... {accepted:,} accepted after {now - started:.0f} s "
                      f"({accepted / (now - started):,.0f}/s)", flush=True)
                last_report = now
            if tasks[1].done():
                raise SystemExit("the deliverer stopped")
            await asyncio.sleep(0.05)
        finished = time.perf_counter()
        cpu = time.process_time() - cpu_started
        while await outbox_busy(db):  # noqa: ASYNC110 - the last results are being recorded
            await asyncio.sleep(0.05)
        recorded = time.perf_counter()
        stop.set()
        svc.wake_delivery()
        await asyncio.gather(*tasks)
        await runtime.app.shutdown()
        async with db.sessions() as session:
            sent = await session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENT))
        await db.dispose()
        assert sent == args.people, f"{sent} outbox rows sent, expected {args.people}"
        elapsed = finished - started
        print(f"  outbox fully recorded {recorded - finished:.2f} s after the last acceptance")
        return args.people / elapsed, elapsed, dispatch_done - started, 1000 * cpu / args.people


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; a postgresql+asyncpg URL "
                             "makes a fresh database on that server (dropped afterwards)")
    parser.add_argument("--bare-sends", type=int, default=4_000,
                        help="messages per bare-loop concurrency level")
    parser.add_argument("--recheck-sends", type=int, default=12_000,
                        help="messages for the bare loop's best level after the pipeline")
    parser.add_argument("--levels", default="1,2,4,8,16,32,64")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="delivery.concurrency for the pipeline (default: the bare "
                             "loop's best level)")
    parser.add_argument("--batch-size", type=int, default=500, help="delivery.batch_size")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    print(machine_line())
    port = args.port or free_port()
    with standin_process(SANDBOX_TOKEN, port) as base_url:
        await wait_until_up(base_url)
        # The payload of a real check-in: a catalog text and the six-button keyboard.
        probe = Runtime(sandbox_settings(database_url="sqlite+aiosqlite://",
                                         base_url=f"{base_url}/bot"), upgrade=False)
        text = probe.svc.catalog.variant("ja", "checkin.morning", 1)
        markup = InlineKeyboardMarkup.de_json(checkin_keyboard(probe.svc, "ja", 123456), None)
        await probe.db.dispose()

        print(f"bare python-telegram-bot send_message loop ({args.bare_sends:,} sends a level):")
        rates: dict[int, float] = {}
        for level in (int(x) for x in args.levels.split(",")):
            rates[level], cpu_ms = await bare_loop(base_url, level, args.bare_sends, markup,
                                                   text, chat_base=1_000_000 * (level + 1))
            print(f"  concurrency {level:>4}: {rates[level]:8,.1f} messages/s, "
                  f"{cpu_ms:.2f} ms CPU a message", flush=True)
        best_level = max(rates, key=lambda k: rates[k])
        before = rates[best_level]
        concurrency = args.concurrency or best_level
        print(f"  best: {before:,.1f} messages/s at concurrency {best_level}")

        print(f"full pipeline: {args.people:,} people due at once, delivery.concurrency "
              f"{concurrency}, delivery.batch_size {args.batch_size}:", flush=True)
        async with aiohttp.ClientSession() as http:
            rate, elapsed, dispatch_s, cpu_ms = await pipeline(args, base_url, concurrency, http)
        print(f"  dispatch of all {args.people:,} finished after {dispatch_s:.1f} s")
        print(f"  {args.people:,} accepted in {elapsed:.1f} s: {rate:,.1f} messages/s, "
              f"{cpu_ms:.2f} ms CPU a message")

        after, after_cpu = await bare_loop(base_url, best_level, args.recheck_sends, markup,
                                           text, chat_base=900_000_000)
        print(f"bare loop again after the pipeline, concurrency {best_level}, "
              f"{args.recheck_sends:,} sends: {after:,.1f} messages/s, "
              f"{after_cpu:.2f} ms CPU a message")
    best = (before + after) / 2
    ratio = rate / best
    verdict = "met" if ratio >= 0.8 else "NOT met"
    print(f"RESULT pipeline {rate:,.1f}/s vs bare loop {best:,.1f}/s (concurrency {best_level}, "
          f"mean of {before:,.1f} before and {after:,.1f} after): ratio {ratio:.2f} "
          f"(goal >= 0.80: {verdict}); against the faster of the two: "
          f"{rate / max(before, after):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
