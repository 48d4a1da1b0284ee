"""Crisis reply under load: a person's critical message during a 100,000-person morning round.

The real bot (the `Runtime` that `tsunagari run` starts: intake, the periodic ticks with
dispatch, the streaming deliverer) with default settings — delivery at the configured rate
(25 messages a second), a 5-second tick, 30-second long polls — against the Bot API
stand-in in a child process. N people are due at once; once the round's first check-ins
reach the stand-in (the outbox holds the round), enrolled people who are not part of the
round write もう消えたい through the stand-in, one every `--spacing` seconds.

Latency is read inside the stand-in: from the moment it hands the update to the bot (its
answer to the bot's long poll, or the webhook POST with `--mode webhook`) to the moment it
accepts the crisis reply. Goal: p99 under 1 s.

    .venv/bin/python benchmarks/crisis_latency.py                  # 100,000 people, SQLite
    .venv/bin/python benchmarks/crisis_latency.py --mode webhook \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import func, select

os.environ.setdefault("PTB_TIMEDELTA", "1")

from _common import (
    free_port,
    fresh_database,
    load_people,
    machine_line,
    standin_process,
    wait_until_up,
)
from _latency import StandInControl, bot_settings, percentile, summary

from bot.runtime import Runtime
from domain.people import PersonStatus
from standin.sandbox import SANDBOX_TOKEN
from storage.db import Database
from storage.inbound import InboundUpdate
from storage.migrate import upgrade_schema
from storage.outbox import OutboxMessage, OutboxState, Purpose
from storage.people import Person

__all__ = ["main"]

CRISIS_TEXT = "もう消えたい"
CHAT_BASE = 5_000_000_000  # load_people's first chat id
GOAL_P99_MS = 1000.0


@dataclass
class Sample:
    user_id: int
    update_id: int
    message_id: int
    # People not yet dispatched when the sample was sent (0: the whole round is queued).
    due_left: int
    replies: list[dict[str, Any]] = field(default_factory=list)


async def count(db: Database, statement: Any) -> int:
    async with db.reading() as session:
        return int(await session.scalar(statement) or 0)


def due_count(now: Any) -> Any:
    return (
        select(func.count())
        .select_from(Person)
        .where(Person.status == PersonStatus.ACTIVE, Person.next_checkin_at <= now)
    )


def outbox_count(state: OutboxState, purpose: Purpose | None = None) -> Any:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == state)
    return query if purpose is None else query.where(OutboxMessage.purpose == purpose)


async def wait_for_round(control: StandInControl, before: int, limit: float = 120.0) -> None:
    """Until the stand-in has accepted the round's first check-in."""
    deadline = time.monotonic() + limit
    while await control.accepted_sends() <= before:
        if time.monotonic() > deadline:
            raise SystemExit("no check-in reached the stand-in: is the round being dispatched?")
        await asyncio.sleep(0.1)


async def wait_for_dispatch(runtime: Runtime, limit: float = 900.0) -> None:
    """Until every due person's check-in is in the outbox (`--after-dispatch`)."""
    deadline = time.monotonic() + limit
    while await count(runtime.db, due_count(runtime.svc.clock.now())):
        if time.monotonic() > deadline:
            raise SystemExit("the round was not dispatched within 15 minutes")
        await asyncio.sleep(1.0)


async def take_samples(
    args: argparse.Namespace, runtime: Runtime, control: StandInControl
) -> list[Sample]:
    """One critical message every `args.spacing` seconds, each from a different person who is
    not in the round (so the first message the bot sends them after it is the reply)."""
    loop = asyncio.get_running_loop()
    samples: list[Sample] = []
    waits: list[asyncio.Task[None]] = []

    async def await_reply(sample: Sample) -> None:
        sample.replies = await control.messages_after(
            sample.user_id, sample.message_id, args.reply_timeout
        )

    started = loop.time()
    for k in range(args.samples):
        user_id = CHAT_BASE + args.people + k
        due_left = await count(runtime.db, due_count(runtime.svc.clock.now()))
        update_id, message_id = await control.send_text(user_id, CRISIS_TEXT, "Sample")
        sample = Sample(user_id, update_id, message_id, due_left)
        samples.append(sample)
        waits.append(asyncio.create_task(await_reply(sample)))
        await asyncio.sleep(max(0.0, started + (k + 1) * args.spacing - loop.time()))
    await asyncio.gather(*waits)
    return samples


async def stages(db: Database, samples: list[Sample]) -> list[tuple[float, float]]:
    """Per sample, from the bot's own records (its clock): stored -> handler started (the
    reply row's creation), and handler started -> the send recorded (which trails the
    stand-in's acceptance by up to the recorder's quarter second), in ms."""
    async with db.reading() as session:
        stored = dict((await session.execute(
            select(InboundUpdate.update_id, InboundUpdate.received_at).where(
                InboundUpdate.update_id.in_([s.update_id for s in samples])))).all())
        replies = dict((await session.execute(
            select(OutboxMessage.chat_id, func.min(OutboxMessage.created_at)).where(
                OutboxMessage.chat_id.in_([s.user_id for s in samples]),
                OutboxMessage.purpose == Purpose.CRISIS).group_by(OutboxMessage.chat_id))).all())
        recorded = dict((await session.execute(
            select(OutboxMessage.chat_id, func.min(OutboxMessage.sent_at)).where(
                OutboxMessage.chat_id.in_([s.user_id for s in samples]),
                OutboxMessage.purpose == Purpose.CRISIS).group_by(OutboxMessage.chat_id))).all())
    out = []
    for sample in samples:
        at, created, sent = (stored.get(sample.update_id), replies.get(sample.user_id),
                             recorded.get(sample.user_id))
        if at is not None and created is not None and sent is not None:
            out.append((1000 * (created - at).total_seconds(),
                        1000 * (sent - created).total_seconds()))
    return out


async def run(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    async with fresh_database(args.database_url) as url:
        settings = bot_settings(
            database_url=url, base_url=base_url, mode=args.mode, webhook_port=free_port()
        )
        db = Database(url)
        await upgrade_schema(db)
        runtime = Runtime(settings, db=db, upgrade=False)
        loaded = time.perf_counter()
        await load_people(
            db, args.people + args.samples, now=runtime.svc.clock.now(), due=args.people
        )
        print(f"  loaded {args.people:,} due people (+{args.samples} not due, who write) in "
              f"{time.perf_counter() - loaded:.1f} s ({db.engine.dialect.name}); "
              f"delivery.rate_per_second {settings.delivery.rate_per_second:g}, "
              f"concurrency {settings.delivery.concurrency}, scheduler.tick "
              f"{settings.scheduler.tick.total_seconds():g} s, {args.mode}", flush=True)
        async with aiohttp.ClientSession() as http:
            control = StandInControl(http, base_url)
            before = await control.accepted_sends()
            await runtime.start()
            try:
                await wait_for_round(control, before)
                if args.after_dispatch:
                    await wait_for_dispatch(runtime)
                sent_before = await count(db, outbox_count(OutboxState.SENT, Purpose.CHECKIN))
                pending = await count(db, outbox_count(OutboxState.PENDING))
                print(f"  round under way: {pending:,} outbox rows pending; sampling "
                      f"{args.samples} critical messages, one every {args.spacing:g} s",
                      flush=True)
                window = time.perf_counter()
                cpu = time.process_time()
                samples = await take_samples(args, runtime, control)
                window = time.perf_counter() - window
                cpu = time.process_time() - cpu
                sent_after = await count(db, outbox_count(OutboxState.SENT, Purpose.CHECKIN))
                pending = await count(db, outbox_count(OutboxState.PENDING))
                await asyncio.sleep(0.5)  # the recorder writes the last sends
                breakdown = await stages(db, samples)
            finally:
                await runtime.stop()
            timings = await control.update_timings(min(s.update_id for s in samples))
    return {
        "samples": samples,
        "timings": timings,
        "checkins": sent_after - sent_before,
        "window": window,
        "cpu": cpu,
        "pending_after": pending,
        "stages": breakdown,
        "rate": settings.delivery.rate_per_second,
    }


def latencies(result: dict[str, Any]) -> tuple[list[tuple[Sample, float, float]], list[Sample]]:
    """(sample, hand-over→reply ms, queued→hand-over ms) per answered sample; the rest."""
    answered: list[tuple[Sample, float, float]] = []
    missing: list[Sample] = []
    for sample in result["samples"]:
        timing = result["timings"].get(sample.update_id)
        if not sample.replies or timing is None or timing["handed_at"] is None:
            missing.append(sample)
            continue
        reply = sample.replies[0]
        answered.append((
            sample,
            1000 * (reply["received_at"] - timing["handed_at"]),
            1000 * (timing["handed_at"] - timing["queued_at"]),
        ))
    return answered, missing


def report(args: argparse.Namespace, result: dict[str, Any]) -> None:
    answered, missing = latencies(result)
    values = [ms for _, ms, _ in answered]
    not_card = [s for s, _, _ in answered
                if not any(n in (s.replies[0]["text"] or "") for n in ("110", "119"))]
    during = [ms for s, ms, _ in answered if s.due_left > 0]
    after = [ms for s, ms, _ in answered if s.due_left == 0]
    print(f"crisis reply latency, update handed to the bot -> reply accepted by the stand-in "
          f"({len(values)} of {args.samples} answered within {args.reply_timeout:g} s):")
    print(f"  all:                          {summary(values)}")
    print(f"  while the round was still being dispatched ({len(during)}): {summary(during)}")
    print(f"  after the whole round was queued ({len(after)}): {summary(after)}")
    print(f"  (each update's wait in the stand-in, queued -> handed over by the long poll "
          f"or webhook POST: "
          f"{summary([q for _, _, q in answered])})")
    if result["stages"]:
        print(f"  in the bot (its records): stored -> handler started "
              f"{summary([a for a, _ in result['stages']])}")
        print(f"  handler started -> send recorded "
              f"{summary([b for _, b in result['stages']])}")
    if not_card:
        print(f"  WARNING: the first reply to {len(not_card)} samples named neither 110 nor 119")
    rate = result["checkins"] / result["window"]
    print(f"check-ins delivered meanwhile: {result['checkins']:,} in {result['window']:.1f} s "
          f"({rate:.1f}/s at delivery.rate_per_second {result['rate']:g}); "
          f"{result['pending_after']:,} outbox rows still pending; bot process CPU "
          f"{100 * result['cpu'] / result['window']:.0f} % of one core")
    p99 = percentile(values, 99) if values else float("inf")
    met = p99 < GOAL_P99_MS and not missing
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if met else 'NOT met'}")
    fields = {"samples": len(values), "missing": len(missing)}
    for p in (50, 90, 99):
        fields[f"p{p}_ms"] = f"{percentile(values, p):.1f}" if values else "nan"
    fields |= {"max_ms": f"{max(values):.1f}" if values else "nan",
               "checkins_delivered": result["checkins"], "checkin_rate": f"{rate:.1f}",
               "goal_met": "yes" if met else "no"}
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000, help="due at once")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--spacing", type=float, default=1.5, help="seconds between samples")
    parser.add_argument("--reply-timeout", type=float, default=30.0)
    parser.add_argument("--after-dispatch", action="store_true",
                        help="sample only once the whole round is in the outbox (separates "
                             "the dispatch step's share of the latency)")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; a postgresql+asyncpg URL "
                             "makes a fresh database on that server (dropped afterwards)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    print(machine_line())
    print(f"  (a shared machine, load average {os.getloadavg()[0]:.1f} at the start: other "
          f"engineers' work runs on the same cores)")
    with standin_process(SANDBOX_TOKEN, args.port or free_port(),
                         max_messages_per_chat=4) as base_url:
        await wait_until_up(base_url)
        result = await run(args, base_url)
    print(f"  (load average {os.getloadavg()[0]:.1f} at the end)")
    report(args, result)


if __name__ == "__main__":
    asyncio.run(main())
