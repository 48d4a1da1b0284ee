"""Check-in engine throughput: N people due at once, until the stand-in has accepted every one.

Two yardsticks, against the same stand-in (a child process, so server and bot each get a
core): a bare python-telegram-bot ``send_message`` loop (``ptb``) and a raw aiohttp POST loop
of the same JSON (``raw``, the transport's ceiling: no PTB objects, no database), each at
several asyncio concurrency levels; each yardstick is its best level's rate plus every later
burst at that level. Shared virtual machines drift by a fifth or more within a minute, so
the pipeline and the yardsticks are interleaved: the pipeline runs in windows (20 s by
default) and a burst of each yardstick runs between windows.

Full pipeline (SQLite, the default) = fresh database (schema through Alembic), N due people
inserted in bulk, then ``dispatch_due`` batches and the ``Deliverer`` (the Runtime's, with
its delivery hooks) run concurrently, as in the running bot; timed from the first dispatch to
the moment the stand-in has accepted N sendMessage requests, then checked: no outbox row
pending or sending, N rows sent. CPU per delivered check-in is this process's CPU time over
the pipeline's windows (the stand-in's is not counted). The token bucket is lifted
(``delivery.rate_per_second`` very high); every chat is distinct, so per-chat pacing never
holds a message back.

PostgreSQL (``--database-url postgresql+asyncpg://...``): the pipeline runs in worker
processes (this script with ``--child``: a Runtime's dispatch and deliverer, each under its
own ``delivery.instance``) on one fresh database per run, ``--instances`` of them at once;
runs alternate (1,2,2,1 by default) with yardstick bursts between them. Timed from the
moment every worker is ready to the stand-in's acceptance of the N-th check-in; CPU per
check-in is the workers' CPU time (not the stand-in's, not the database server's).

The last line, for scripts (on PostgreSQL ``pipeline`` is one worker's rate; the line before
it gives one and two workers' rates and their ratio):
``RESULT pipeline=<msg/s> raw=<msg/s> ptb=<msg/s> ratio_raw=<pipeline/raw> cpu_ms=<per check-in>``

    .venv/bin/python benchmarks/dispatch_throughput.py                 # 100,000 on SQLite
    .venv/bin/python benchmarks/dispatch_throughput.py --people 20000 --transport httpx
    .venv/bin/python benchmarks/dispatch_throughput.py --people 20000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

os.environ.setdefault("PTB_TIMEDELTA", "1")

from _common import (
    accepted_sends,
    cpu_seconds_of,
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
    """Messages, wall seconds and CPU seconds (of the process(es) doing the sending)."""

    sends: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def add(self, other: Tally) -> None:
        self.sends += other.sends
        self.seconds += other.seconds
        self.cpu += other.cpu

    @property
    def rate(self) -> float:
        return self.sends / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.sends if self.sends else 0.0


@dataclass
class Payload:
    """A real check-in's text and six-button keyboard, as PTB objects and as JSON."""

    text: str
    markup: InlineKeyboardMarkup
    markup_json: dict[str, Any]


async def bare_loop(base_url: str, concurrency: int, sends: int, payload: Payload,
                    chat_base: int, transport: Transport) -> Tally:
    """Plain `Bot.send_message` from `concurrency` asyncio tasks."""
    kind: type[BaseRequest] = HTTPXRequest if transport is Transport.HTTPX else AiohttpRequest
    request = kind(connection_pool_size=concurrency + 4, pool_timeout=10.0)
    bot = Bot(SANDBOX_TOKEN, base_url=f"{base_url}/bot", request=request)
    counter = iter(range(sends))

    async def worker() -> None:
        for i in counter:
            await bot.send_message(chat_id=chat_base + i, text=payload.text,
                                   reply_markup=payload.markup)

    async with bot:
        await bot.send_message(chat_id=chat_base - 1, text=payload.text,
                               reply_markup=payload.markup)  # warm
        started = time.perf_counter()
        cpu_started = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Tally(sends, time.perf_counter() - started, time.process_time() - cpu_started)


async def raw_loop(base_url: str, concurrency: int, sends: int, payload: Payload,
                   chat_base: int) -> Tally:
    """The transport's ceiling: the same JSON POSTed with aiohttp from `concurrency` tasks,
    each answer read and parsed (the pipeline needs its message_id), nothing else."""
    url = f"{base_url}/bot{SANDBOX_TOKEN}/sendMessage"
    counter = iter(range(sends))
    connector = aiohttp.TCPConnector(limit=concurrency + 4)

    async def send(session: aiohttp.ClientSession, chat_id: int) -> None:
        body = json.dumps({"chat_id": chat_id, "text": payload.text,
                           "reply_markup": payload.markup_json}).encode()
        async with session.post(url, data=body,
                                headers={"Content-Type": "application/json"}) as response:
            answer = json.loads(await response.read())
        if response.status != 200 or not answer["ok"]:
            raise SystemExit(f"raw send answered {response.status}")

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in counter:
            await send(session, chat_base + i)

    async with aiohttp.ClientSession(connector=connector) as session:
        await send(session, chat_base - 1)  # warm
        started = time.perf_counter()
        cpu_started = time.process_time()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
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
class Yardsticks:
    """Both yardsticks: their levels, and a burst of each between pipeline windows."""

    base_url: str
    payload: Payload
    transport: Transport
    burst_sends: int
    ptb_level: int = 0
    raw_level: int = 0
    ptb: Tally = field(default_factory=Tally)
    raw: Tally = field(default_factory=Tally)
    bursts: int = 0

    async def scan(self, levels: list[int], sends: int) -> None:
        ptb: dict[int, Tally] = {}
        raw: dict[int, Tally] = {}
        print(f"yardsticks at each concurrency level ({sends:,} sends a level):")
        for level in levels:  # interleaved level by level
            ptb[level] = await bare_loop(self.base_url, level, sends, self.payload,
                                         1_000_000 * (level + 1), self.transport)
            raw[level] = await raw_loop(self.base_url, level, sends, self.payload,
                                        1_000_000 * (level + 101))
            print(f"  concurrency {level:>4}: ptb {ptb[level].rate:8,.1f}/s "
                  f"({ptb[level].cpu_ms:.2f} ms CPU), raw {raw[level].rate:8,.1f}/s "
                  f"({raw[level].cpu_ms:.2f} ms CPU)", flush=True)
        self.ptb_level = max(ptb, key=lambda k: ptb[k].rate)
        self.raw_level = max(raw, key=lambda k: raw[k].rate)
        self.ptb.add(ptb[self.ptb_level])
        self.raw.add(raw[self.raw_level])
        print(f"  best: ptb {ptb[self.ptb_level].rate:,.1f}/s at {self.ptb_level}, "
              f"raw {raw[self.raw_level].rate:,.1f}/s at {self.raw_level}", flush=True)

    async def burst(self) -> str:
        """One burst of each (the order alternates); a line describing them."""
        self.bursts += 1
        chat_base = 100_000_000 * (self.bursts + 10)

        async def ptb() -> Tally:
            return await bare_loop(self.base_url, self.ptb_level, self.burst_sends,
                                   self.payload, chat_base, self.transport)

        async def raw() -> Tally:
            return await raw_loop(self.base_url, self.raw_level, self.burst_sends,
                                  self.payload, chat_base + 50_000_000)

        if self.bursts % 2:
            p, r = await ptb(), await raw()
        else:
            r, p = await raw(), await ptb()
        self.ptb.add(p)
        self.raw.add(r)
        return (f"ptb burst {p.rate:,.0f}/s ({p.cpu_ms:.2f} ms CPU), "
                f"raw burst {r.rate:,.0f}/s ({r.cpu_ms:.2f} ms CPU)")


def pipeline_settings(args: argparse.Namespace, url: str, base_url: str,
                      instance: str = "") -> Any:
    return sandbox_settings(
        database_url=url,
        base_url=f"{base_url}/bot",
        extra={"delivery": {"rate_per_second": 1_000_000.0, "concurrency": args.concurrency,
                            "batch_size": args.batch_size, "instance": instance},
               "telegram": {"transport": args.transport}},
    )


@dataclass
class Run:
    """One in-process pipeline run's state across its windows."""

    runtime: Runtime
    db: Database
    http: aiohttp.ClientSession
    base_url: str
    people: int
    window: float
    tally: Tally = field(default_factory=Tally)
    dispatch_done: float | None = None


async def pipeline(args: argparse.Namespace, base_url: str, http: aiohttp.ClientSession,
                   between: Callable[[], Awaitable[str]]) -> tuple[Tally, float]:
    """Runs the pipeline in this process in windows of `args.window` seconds with
    `between()` (the yardstick bursts) between windows; returns the pipeline's tally and
    the pipeline seconds after which dispatch had finished.

    A window stops the way the bot stops (queued rows released, in-flight sends finished,
    results recorded) and that time counts for the pipeline; the last window ends when the
    stand-in has accepted the last check-in.
    """
    async with fresh_database(args.database_url) as url:
        run = await _start(args, url, base_url, http)
        before = await accepted_sends(http, base_url)
        accepted = 0
        while accepted < args.people:
            accepted, window = await _window(run, before, accepted)
            run.tally.add(window)
            if accepted >= args.people:
                print(f"  ... last window: {window.rate:,.0f}/s; {accepted:,} accepted",
                      flush=True)
                break
            bursts = await between()
            # The stand-in counts the bursts' sends too; the pipeline's count goes on.
            before = await accepted_sends(http, base_url) - accepted
            print(f"  ... {accepted:,} accepted after {run.tally.seconds:.0f} s: window "
                  f"{window.rate:,.0f}/s ({window.cpu_ms:.2f} ms CPU); {bursts}", flush=True)
        await _finish(run, args.people)
        assert run.dispatch_done is not None
        return run.tally, run.dispatch_done


async def _start(args: argparse.Namespace, url: str, base_url: str,
                 http: aiohttp.ClientSession) -> Run:
    db = Database(url)
    await upgrade_schema(db)
    runtime = Runtime(pipeline_settings(args, url, base_url), db=db, upgrade=False)
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
    await run.db.dispose()
    await check_all_sent(run.db.url, people)
    run.tally.sends = people


async def check_all_sent(url: str, people: int) -> None:
    db = Database(url)
    try:
        async with db.sessions() as session:
            sent = await session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.SENT))
    finally:
        await db.dispose()
    assert sent == people, f"{sent} outbox rows sent, expected {people}"


# --- PostgreSQL: the pipeline in worker processes -----------------------------------------


async def child(args: argparse.Namespace) -> None:
    """One worker process: READY once built, GO on stdin starts dispatch and delivery,
    DONE with what it sent and its CPU seconds once nothing is due or queued."""
    db = Database(args.database_url)
    runtime = Runtime(pipeline_settings(args, args.database_url, args.base_url, args.instance),
                      db=db, upgrade=False)
    svc = runtime.svc
    await runtime.app.initialize()
    gc.collect()
    gc.freeze()
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    cpu_started = time.process_time()
    stop = asyncio.Event()
    delivery = asyncio.create_task(runtime.deliverer.run(stop))
    while await dispatch_due(svc, svc.clock.now()):  # noqa: ASYNC110 - batches
        await asyncio.sleep(0)  # let the deliverer run between batches
    while await outbox_busy(db):  # noqa: ASYNC110 - the other workers' rows included
        await asyncio.sleep(0.05)
    stop.set()
    svc.wake_delivery()
    await delivery
    cpu = time.process_time() - cpu_started
    sent = svc.metrics.value("tsunagari_messages_sent_total", purpose="checkin")
    print(f"DONE {int(sent)} {cpu:.3f}", flush=True)
    await runtime.app.shutdown()
    await db.dispose()


async def workers_run(args: argparse.Namespace, base_url: str, http: aiohttp.ClientSession,
                      instances: int) -> Tally:
    """`instances` worker processes deliver `args.people` due check-ins on a fresh database."""
    async with fresh_database(args.database_url) as url:
        db = Database(url)
        await upgrade_schema(db)
        await load_people(db, args.people, now=Runtime(pipeline_settings(
            args, url, base_url), db=db, upgrade=False).svc.clock.now(), due=args.people)
        await db.dispose()
        command = [sys.executable, __file__, "--child", "--database-url", url,
                   "--base-url", base_url, "--concurrency", str(args.concurrency),
                   "--batch-size", str(args.batch_size), "--transport", args.transport]
        processes = [
            await asyncio.create_subprocess_exec(
                *command, "--instance", f"bench-{n}",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
            for n in range(instances)]
        for process in processes:
            assert process.stdout is not None
            line = await process.stdout.readline()
            assert line.strip() == b"READY", line
        before = await accepted_sends(http, base_url)
        others = cpu_seconds_of(f" {make_url(url).database} "), cpu_seconds_of("standin")
        started = time.perf_counter()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"GO\n")
            await process.stdin.drain()
        while await accepted_sends(http, base_url) - before < args.people:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        pg_cpu = cpu_seconds_of(f" {make_url(url).database} ") - others[0]
        standin_cpu = cpu_seconds_of("standin") - others[1]
        cpu, shares = 0.0, []
        for process in processes:
            assert process.stdout is not None
            done = (await process.stdout.readline()).split()
            assert done and done[0] == b"DONE", done
            shares.append(int(done[1]))
            cpu += float(done[2])
            await process.wait()
        await check_all_sent(url, args.people)
    print(f"  {instances} worker(s): {args.people:,} in {seconds:.1f} s, "
          f"{args.people / seconds:,.1f}/s, {1000 * cpu / args.people:.2f} ms worker CPU a "
          f"check-in; sent by each: {shares}; meanwhile the database server's backends for it "
          f"{1000 * pg_cpu / args.people:.2f} ms and the stand-in "
          f"{1000 * standin_cpu / args.people:.2f} ms CPU a check-in; load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    return Tally(args.people, seconds, cpu)


async def postgres_runs(args: argparse.Namespace, base_url: str,
                        yardsticks: Yardsticks) -> tuple[Tally, float]:
    """Runs with one and two workers in the order of `--instances`, yardstick bursts between;
    returns one worker's tally and the ratio two/one (of the rates over all runs)."""
    tallies: dict[int, Tally] = {}
    async with aiohttp.ClientSession() as http:
        for instances in (int(x) for x in args.instances.split(",")):
            tally = await workers_run(args, base_url, http, instances)
            tallies.setdefault(instances, Tally()).add(tally)
            print(f"  ... {await yardsticks.burst()}", flush=True)
    one, two = tallies.get(1, Tally()), tallies.get(2, Tally())
    ratio = two.rate / one.rate if one.rate else 0.0
    print(f"PostgreSQL: one worker {one.rate:,.1f}/s ({one.cpu_ms:.2f} ms CPU a check-in), "
          f"two workers {two.rate:,.1f}/s ({two.cpu_ms:.2f} ms); two/one {ratio:.2f} "
          f"(goal >= 1.6: {'met' if ratio >= 1.6 else 'NOT met'})")
    return one, ratio


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; a postgresql+asyncpg URL "
                             "makes a fresh database on that server for each run (dropped "
                             "afterwards) and runs the pipeline in worker processes")
    parser.add_argument("--instances", default="1,2,2,1",
                        help="PostgreSQL: worker processes in each run, in order")
    parser.add_argument("--bare-sends", type=int, default=4_000,
                        help="messages per yardstick concurrency level")
    parser.add_argument("--levels", default="4,8,16,32")
    parser.add_argument("--window", type=float, default=20.0,
                        help="seconds of pipeline between two yardstick bursts")
    parser.add_argument("--burst-sends", type=int, default=2_000,
                        help="messages in each yardstick burst between windows")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="delivery.concurrency for the pipeline (default: the bare "
                             "PTB loop's best level)")
    parser.add_argument("--batch-size", type=int, default=500, help="delivery.batch_size")
    parser.add_argument("--transport", choices=[t.value for t in Transport],
                        default=Transport.AIOHTTP.value,
                        help="the HTTP client under PTB, for the pipeline and the bare loop")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


async def main() -> None:
    args = arguments()
    logging.basicConfig(level=logging.WARNING)
    if args.child:
        await child(args)
        return
    transport = Transport(args.transport)
    postgres = bool(args.database_url and args.database_url.startswith("postgresql"))
    print(machine_line())
    print(f"load average at start: {os.getloadavg()[0]:.2f}, {os.getloadavg()[1]:.2f}")
    print(f"transport: {transport.value} (pipeline and bare PTB loop)")
    port = args.port or free_port()
    with standin_process(SANDBOX_TOKEN, port) as base_url:
        await wait_until_up(base_url)
        # The payload of a real check-in: a catalog text and the six-button keyboard.
        probe = Runtime(sandbox_settings(database_url="sqlite+aiosqlite://",
                                         base_url=f"{base_url}/bot"), upgrade=False)
        text = probe.svc.catalog.variant("ja", "checkin.morning", 1)
        keyboard = checkin_keyboard(probe.svc, "ja", 123456)
        await probe.db.dispose()
        payload = Payload(text, InlineKeyboardMarkup.de_json(keyboard, None), keyboard)
        yardsticks = Yardsticks(base_url, payload, transport, args.burst_sends)
        await yardsticks.scan([int(x) for x in args.levels.split(",")], args.bare_sends)
        args.concurrency = args.concurrency or yardsticks.ptb_level
        print(f"full pipeline: {args.people:,} people due at once, delivery.concurrency "
              f"{args.concurrency}, delivery.batch_size {args.batch_size}", flush=True)
        if postgres:
            tally, _ = await postgres_runs(args, base_url, yardsticks)
        else:
            async with aiohttp.ClientSession() as http:
                tally, dispatch_s = await pipeline(args, base_url, http, yardsticks.burst)
            print(f"  dispatch of all {args.people:,} finished after {dispatch_s:.1f} s")
            print(f"  {args.people:,} accepted in {tally.seconds:.1f} s: {tally.rate:,.1f} "
                  f"messages/s, {tally.cpu_ms:.2f} ms CPU a check-in")
    ptb, raw = yardsticks.ptb, yardsticks.raw
    print(f"yardsticks over the same period (best level, then every burst): ptb {ptb.rate:,.1f}"
          f"/s ({ptb.cpu_ms:.2f} ms CPU a message), raw {raw.rate:,.1f}/s "
          f"({raw.cpu_ms:.2f} ms CPU a message)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}, {os.getloadavg()[1]:.2f}")
    print(f"goals: >= 1,000/s {'met' if tally.rate >= 1000 else 'NOT met'}; "
          f"ratio_raw >= 0.4 {'met' if tally.rate >= 0.4 * raw.rate else 'NOT met'}; "
          f"cpu_ms <= 0.8 {'met' if tally.cpu_ms <= 0.8 else 'NOT met'}")
    print(f"RESULT pipeline={tally.rate:.1f} raw={raw.rate:.1f} ptb={ptb.rate:.1f} "
          f"ratio_raw={tally.rate / raw.rate:.3f} cpu_ms={tally.cpu_ms:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
