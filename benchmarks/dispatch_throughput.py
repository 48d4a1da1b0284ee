"""Check-in engine throughput: N people due at once, until the stand-in has accepted every one.

Compared, in the same run and against the same stand-in (a child process, so server and bot
each get a core), with a bare python-telegram-bot ``send_message`` loop at several asyncio
concurrency levels; the bare loop's best rate is the yardstick (goal: pipeline >= 0.8 x).
Shared virtual machines drift by a fifth or more within a minute, so the two are
interleaved: the pipeline runs in windows (20 s by default) and a bare-loop burst at its
best level runs between windows; the yardstick is the bare loop's rate over all bursts
(plus the level scan's best), so both sides sample the same stretch of the machine's time.
CPU time per message (this process, all threads) is printed for both.

Full pipeline = fresh database (schema through Alembic), N due people inserted in bulk, then
``dispatch_due`` batches and the ``Deliverer`` (the Runtime's, with its delivery hooks) run
concurrently, as in the running bot; timed from the first dispatch to the moment the stand-in
has accepted N sendMessage requests, then checked: no outbox row pending or sending.
The token bucket is lifted (``delivery.rate_per_second`` very high); every chat is distinct,
so per-chat pacing never holds a message back.

Both sides use the same HTTP client under python-telegram-bot, `--transport aiohttp` (the
bot's default) or `httpx` (PTB's own default), so the ratio measures what the pipeline adds.

    .venv/bin/python benchmarks/dispatch_throughput.py                 # 100,000 on SQLite
    .venv/bin/python benchmarks/dispatch_throughput.py --people 20000 --transport httpx
    .venv/bin/python benchmarks/dispatch_throughput.py --people 20000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

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
from telegram.request import BaseRequest, HTTPXRequest

from bot.runtime import Runtime
from infra.settings import Transport
from infra.transport import AiohttpRequest
from scheduler.dispatch import dispatch_due
from standin.sandbox import SANDBOX_TOKEN, sandbox_settings
from storage.db import Database
from storage.migrate import upgrade_schema
from storage.outbox import OutboxMessage, OutboxState
from usecases.checkins import checkin_keyboard


@dataclass
class Tally:
    """Messages, wall seconds and CPU seconds (this process, all threads) of one side."""

    sends: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def add(self, other: Tally) -> None:
        self.sends += other.sends
        self.seconds += other.seconds
        self.cpu += other.cpu

    @property
    def rate(self) -> float:
        return self.sends / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.sends


async def bare_loop(base_url: str, concurrency: int, sends: int, markup: InlineKeyboardMarkup,
                    text: str, chat_base: int, transport: Transport) -> Tally:
    """Plain `Bot.send_message` from `concurrency` asyncio tasks."""
    kind: type[BaseRequest] = HTTPXRequest if transport is Transport.HTTPX else AiohttpRequest
    request = kind(connection_pool_size=concurrency + 4, pool_timeout=10.0)
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
        return Tally(sends, time.perf_counter() - started, time.process_time() - cpu_started)


async def outbox_busy(db: Database) -> int:
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING])
            )
        )
    return int(count or 0)


@dataclass
class Run:
    """One pipeline run's state across its windows."""

    runtime: Runtime
    db: Database
    http: aiohttp.ClientSession
    base_url: str
    people: int
    window: float
    tally: Tally = field(default_factory=Tally)
    dispatch_done: float | None = None


async def pipeline(args: argparse.Namespace, base_url: str, concurrency: int,
                   http: aiohttp.ClientSession, bare: Callable[[], Awaitable[Tally]],
                   yardstick: Tally) -> tuple[Tally, float]:
    """Runs the pipeline in windows of `args.window` seconds with a bare-loop burst between
    windows (added to `yardstick`); returns the pipeline's tally and the pipeline seconds
    after which dispatch had finished.

    A window stops the way the bot stops (queued rows released, in-flight sends finished,
    results recorded) and that time counts for the pipeline; the last window ends when the
    stand-in has accepted the last check-in.
    """
    async with fresh_database(args.database_url) as url:
        run = await _start(args, url, base_url, concurrency, http)
        before = await accepted_sends(http, base_url)
        accepted = 0
        while accepted < args.people:
            accepted, window = await _window(run, before, accepted)
            run.tally.add(window)
            if accepted >= args.people:
                print(f"  ... last window: {window.rate:,.0f}/s; {accepted:,} accepted",
                      flush=True)
                break
            burst = await bare()
            yardstick.add(burst)
            # The stand-in counts the burst's sends too; the pipeline's count goes on.
            before = await accepted_sends(http, base_url) - accepted
            print(f"  ... {accepted:,} accepted after {run.tally.seconds:.0f} s: window "
                  f"{window.rate:,.0f}/s ({window.cpu_ms:.2f} ms CPU), bare burst "
                  f"{burst.rate:,.0f}/s ({burst.cpu_ms:.2f} ms CPU)", flush=True)
        await _finish(run, args.people)
        assert run.dispatch_done is not None
        return run.tally, run.dispatch_done


async def _start(args: argparse.Namespace, url: str, base_url: str, concurrency: int,
                 http: aiohttp.ClientSession) -> Run:
    settings = sandbox_settings(
        database_url=url,
        base_url=f"{base_url}/bot",
        extra={"delivery": {"rate_per_second": 1_000_000.0, "concurrency": concurrency,
                            "batch_size": args.batch_size},
               "telegram": {"transport": args.transport}},
    )
    db = Database(url)
    await upgrade_schema(db)
    runtime = Runtime(settings, db=db, upgrade=False)
    load_started = time.perf_counter()
    await load_people(db, args.people, now=runtime.svc.clock.now(), due=args.people)
    print(f"  loaded {args.people:,} due people in {time.perf_counter() - load_started:.1f} s"
          f" ({db.engine.dialect.name})", flush=True)
    await runtime.app.initialize()
    gc.collect()
    gc.freeze()  # as Runtime.start does once everything long-lived is built
    return Run(runtime, db, http, base_url, args.people, args.window)


async def _window(run: Run, before: int, accepted: int) -> tuple[int, Tally]:
    """Dispatch and delivery together until the window ends or everything is accepted."""
    svc = run.runtime.svc
    stop = asyncio.Event()
    started = time.perf_counter()
    cpu_started = time.process_time()
    counted = accepted

    async def dispatcher() -> None:
        while run.dispatch_done is None and not stop.is_set():
            if not await dispatch_due(svc, svc.clock.now()):
                run.dispatch_done = run.tally.seconds + time.perf_counter() - started
            await asyncio.sleep(0)  # let the deliverer run between batches

    tasks = [asyncio.create_task(dispatcher()),
             asyncio.create_task(run.runtime.deliverer.run(stop))]
    while True:
        accepted = await accepted_sends(run.http, run.base_url) - before
        if accepted >= run.people or time.perf_counter() - started >= run.window:
            break
        if tasks[1].done():
            raise SystemExit("the deliverer stopped")
        await asyncio.sleep(0.05)
    finished = time.perf_counter()
    cpu_finished = time.process_time()
    if accepted >= run.people:
        while await outbox_busy(run.db):  # noqa: ASYNC110 - results being recorded
            await asyncio.sleep(0.05)
    stop.set()
    svc.wake_delivery()
    await asyncio.gather(*tasks)
    if accepted < run.people:
        # Stopping is part of the pipeline's time; the final recording is not
        # (it trails the last acceptance, as it does in the running bot).
        finished = time.perf_counter()
        cpu_finished = time.process_time()
    accepted = await accepted_sends(run.http, run.base_url) - before
    return accepted, Tally(accepted - counted, finished - started, cpu_finished - cpu_started)


async def _finish(run: Run, people: int) -> None:
    await run.runtime.app.shutdown()
    async with run.db.sessions() as session:
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.SENT))
    await run.db.dispose()
    assert sent == people, f"{sent} outbox rows sent, expected {people}"
    run.tally.sends = people


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; a postgresql+asyncpg URL "
                             "makes a fresh database on that server (dropped afterwards)")
    parser.add_argument("--bare-sends", type=int, default=4_000,
                        help="messages per bare-loop concurrency level")
    parser.add_argument("--levels", default="1,2,4,8,16,32,64")
    parser.add_argument("--window", type=float, default=20.0,
                        help="seconds of pipeline between two bare-loop bursts")
    parser.add_argument("--burst-sends", type=int, default=2_000,
                        help="messages in each bare-loop burst between windows")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="delivery.concurrency for the pipeline (default: the bare "
                             "loop's best level)")
    parser.add_argument("--batch-size", type=int, default=500, help="delivery.batch_size")
    parser.add_argument("--transport", choices=[t.value for t in Transport],
                        default=Transport.AIOHTTP.value,
                        help="the HTTP client under PTB, for the pipeline and the bare loop")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    transport = Transport(args.transport)
    logging.basicConfig(level=logging.WARNING)

    print(machine_line())
    print(f"transport: {transport.value} (pipeline and bare loop)")
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
        levels: dict[int, Tally] = {}
        for level in (int(x) for x in args.levels.split(",")):
            levels[level] = await bare_loop(base_url, level, args.bare_sends, markup, text,
                                            chat_base=1_000_000 * (level + 1),
                                            transport=transport)
            print(f"  concurrency {level:>4}: {levels[level].rate:8,.1f} messages/s, "
                  f"{levels[level].cpu_ms:.2f} ms CPU a message", flush=True)
        best_level = max(levels, key=lambda k: levels[k].rate)
        concurrency = args.concurrency or best_level
        print(f"  best: {levels[best_level].rate:,.1f} messages/s at concurrency {best_level}")
        yardstick = Tally()
        yardstick.add(levels[best_level])
        bursts = iter(range(10_000))

        async def burst() -> Tally:
            return await bare_loop(base_url, best_level, args.burst_sends, markup, text,
                                   chat_base=100_000_000 * (next(bursts) + 10),
                                   transport=transport)

        print(f"full pipeline: {args.people:,} people due at once, delivery.concurrency "
              f"{concurrency}, delivery.batch_size {args.batch_size}; {args.window:.0f}-second "
              f"windows, each followed by {args.burst_sends:,} bare sends at concurrency "
              f"{best_level}:", flush=True)
        async with aiohttp.ClientSession() as http:
            tally, dispatch_s = await pipeline(args, base_url, concurrency, http, burst,
                                               yardstick)
        print(f"  dispatch of all {args.people:,} finished after {dispatch_s:.1f} s")
        print(f"  {args.people:,} accepted in {tally.seconds:.1f} s: {tally.rate:,.1f} "
              f"messages/s, {tally.cpu_ms:.2f} ms CPU a message")
        print(f"bare loop over the same period (best level, then every burst): "
              f"{yardstick.sends:,} sends, {yardstick.rate:,.1f} messages/s, "
              f"{yardstick.cpu_ms:.2f} ms CPU a message")
    ratio = tally.rate / yardstick.rate
    verdict = "met" if ratio >= 0.8 else "NOT met"
    print(f"RESULT ({transport.value}) pipeline {tally.rate:,.1f}/s vs bare loop "
          f"{yardstick.rate:,.1f}/s "
          f"(concurrency {best_level}): ratio {ratio:.2f} (goal >= 0.80: {verdict}); "
          f"CPU a message {tally.cpu_ms:.2f} vs {yardstick.cpu_ms:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
