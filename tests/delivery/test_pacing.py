"""Per-chat pacing that holds (issue 12, item 3), against the stand-in with Telegram's flood
limits on (about 30 messages a second overall, about one a second per chat).

Before: messages to one chat went out under 0.1 s apart (the per-chat reservation was
overwritten, and measured when a row was queued rather than when it was sent); the
stand-in answered 429 to most of a fuzz run's sends, and each 429 paused every chat.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot

from delivery.deliverer import Deliverer
from domain.people import StaffRole
from infra.clock import ControllableClock
from standin import BotApiStandIn
from standin.faults import FloodLimiter
from storage.outbox import PRIORITY_BULK, OutboxState
from tests.delivery.test_deliverer import enqueue, on_the_test_clock, rows, users
from usecases.services import Services

FLURRY_CHAT = 1001
ROUND = range(3001, 3061)  # sixty people's check-ins
FLURRY = 6  # replies to one person who writes fast: one written every WRITES_EVERY seconds
WRITES_EVERY = 0.3


@dataclass
class Sends:
    """When each write started and ended, by chat (monotonic seconds)."""

    spans: dict[int, list[tuple[float, float]]] = field(default_factory=dict)


class Timed(Deliverer):
    def __init__(self, *args: object, sends: Sends, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sends = sends

    async def _send(self, row):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        try:
            return await super()._send(row)
        finally:
            self.sends.spans.setdefault(row.chat_id, []).append((started, time.monotonic()))


class ReceivedAt(FloodLimiter):
    """The stand-in's flood limits, noting when each accepted write arrived, by chat: the
    gaps as Telegram would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, list[float]] = {}
        self.refused = 0

    def retry_after(self, chat_id: Any) -> int | None:
        wait = super().retry_after(chat_id)
        if wait is None:
            self.arrivals.setdefault(chat_id, []).append(time.monotonic())
        else:
            self.refused += 1
        return wait


def flood_limited(bot_api: BotApiStandIn) -> ReceivedAt:
    limiter = ReceivedAt()
    bot_api.flood_limiter = limiter
    return limiter


def four_twenty_nines(bot_api: BotApiStandIn) -> int:
    return sum(bot_api.stats.errors.values())


async def run_until_sent(
    deliverer: Deliverer, services: Services, count: int, meanwhile: list[str]
) -> float:
    """Run the streaming loop until `count` rows are sent, while the fast writer's replies
    are written one every `WRITES_EVERY` seconds; returns the seconds it took."""
    stop = asyncio.Event()
    began = time.monotonic()
    running = asyncio.create_task(deliverer.run(stop))

    async def fast_writer() -> None:
        for text in meanwhile:
            await enqueue(services, FLURRY_CHAT, text)
            services.wake_delivery()
            await asyncio.sleep(WRITES_EVERY)

    writer = asyncio.create_task(fast_writer())
    try:
        async with asyncio.timeout(60):
            while True:
                stored = await rows(services)
                if sum(r.state is OutboxState.SENT for r in stored.values()) >= count:
                    break
                await asyncio.sleep(0.05)
    except TimeoutError:
        # The test clock stands still, so a row that failed once waits for ever: say which
        # and why rather than only that time ran out.
        stuck = [
            (r.id, r.chat_id, r.state.value, r.attempts, r.last_error)
            for r in (await rows(services)).values()
            if r.state is not OutboxState.SENT
        ]
        raise AssertionError(f"not sent after 60 s: {stuck}") from None
    finally:
        await writer
        stop.set()
        services.wake_delivery()
        await running
    return time.monotonic() - began


async def test_a_flurry_during_a_round_gets_no_429_and_delays_nobody_else(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn
) -> None:
    limiter = flood_limited(bot_api)
    users(bot_api, FLURRY_CHAT, *ROUND)
    for chat_id in ROUND:
        await enqueue(services, chat_id, "check-in", priority=PRIORITY_BULK)
    sends = Sends()
    deliverer = Timed(services, telegram_bot, sends=sends)
    interval = deliverer.settings.per_chat_interval.total_seconds()
    assert interval == 1.0

    replies = [f"reply {i}" for i in range(FLURRY)]
    took = await run_until_sent(deliverer, services, len(ROUND) + FLURRY, replies)

    assert four_twenty_nines(bot_api) == 0 and limiter.refused == 0
    arrived = limiter.arrivals[FLURRY_CHAT]
    assert min(b - a for a, b in itertools.pairwise(arrived)) >= interval
    assert services.metrics.value("tsunagari_sends_failed_total", reason="flood_control") == 0
    assert deliverer.paused_until is None
    # Never two writes to one chat within the interval, measured from the end of one to
    # the start of the next (so also as Telegram sees them).
    flurry = sends.spans[FLURRY_CHAT]
    gaps = [nxt[0] - prev[1] for prev, nxt in itertools.pairwise(flurry)]
    assert len(flurry) == FLURRY and min(gaps) >= interval, gaps
    assert [m.text for m in bot_api.messages_to(FLURRY_CHAT)] == replies
    # Everyone else's check-in went out while the fast writer's replies were still pacing.
    round_done = max(spans[-1][1] for chat, spans in sends.spans.items() if chat != FLURRY_CHAT)
    assert round_done < flurry[-1][0], "the round waited for one person's replies"
    assert all(len(bot_api.messages_to(chat)) == 1 for chat in ROUND)
    assert took >= (FLURRY - 1) * interval
    assert bot_api.violations == []


async def test_a_429_for_one_chat_holds_that_chat_only(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001, 1002, 1003)
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    first = await enqueue(services, 1001, "one")
    assert await deliverer.step() is True
    clock.advance(deliverer.settings.per_chat_interval)
    # Telegram answers the next write to that chat with its per-chat flood limit.
    bot_api.faults.add("sendMessage", "retry_after", retry_after=1, count=1, chat_id=1001)
    held = await enqueue(services, 1001, "two")
    other = await enqueue(services, 1002, "elsewhere")
    await deliverer.step()
    stored = await rows(services)
    assert stored[first].state is OutboxState.SENT
    assert (stored[held].state, stored[held].last_error) == (OutboxState.PENDING, "flood_control")
    assert stored[other].state is OutboxState.SENT
    assert deliverer.paused_until is None, "one chat's limit does not pause the bot"
    assert services.metrics.value("tsunagari_flood_waits_total", scope="chat") == 1

    # Other chats go on at once; the flooded chat's next message waits in memory.
    third = await enqueue(services, 1003, "and another")
    later = await enqueue(services, 1001, "three")
    await deliverer.step()
    stored = await rows(services)
    assert stored[third].state is OutboxState.SENT
    assert stored[later].state is OutboxState.SENDING  # leased, held for the chat's turn
    assert [m.text for m in bot_api.messages_to(1001)] == ["one"]

    # After retry_after, the chat gets both, in order, a pacing interval apart.
    clock.advance(timedelta(seconds=1))
    await deliverer.step()
    assert [m.text for m in bot_api.messages_to(1001)] == ["one", "two"]
    clock.advance(deliverer.settings.per_chat_interval)
    await deliverer.step()
    assert [m.text for m in bot_api.messages_to(1001)] == ["one", "two", "three"]
    assert bot_api.violations == []


async def test_a_429_for_a_chat_not_written_to_lately_pauses_everything(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """The bot's global limit: Telegram's answer names the chat of the refused write, but
    the bot had not written there lately, so it cannot be that chat's limit."""
    users(bot_api, 1001, 1002)
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    bot_api.faults.add("sendMessage", "retry_after", retry_after=5, count=1, chat_id=1001)
    await enqueue(services, 1001, "one")
    await deliverer.step()
    assert deliverer.paused_until == clock.now() + timedelta(seconds=5)
    assert services.metrics.value("tsunagari_flood_waits_total", scope="bot") == 1
    await enqueue(services, 1002, "waits too")
    assert await deliverer.step() is False
    assert bot_api.messages_to(1002) == []


async def test_a_fast_writer_during_a_morning_round_end_to_end(
    database_url: str, clock: ControllableClock
) -> None:
    """The real bot, flood limits on: forty people's check-ins are due while one of them
    sends six commands in a row. No 429; the fast writer's answers are paced; nobody else
    waits for them."""
    from standin.sandbox import Sandbox
    from tests.scheduler.engine import add_person

    people = range(4001, 4041)
    fast = people[0]
    async with Sandbox(database_url=database_url, clock=clock) as sb:
        limiter = flood_limited(sb.standin)
        svc = sb.runtime.svc
        worker = await sb.add_staff(500, StaffRole.WORKER, "Sato")
        for telegram_id in people:
            await add_person(svc, worker, telegram_id)
            sb.user(telegram_id, f"P{telegram_id}")
        writer = sb.user(fast, f"P{fast}")
        round_started = time.monotonic()
        await asyncio.gather(sb.runtime.tick(), *(writer.send_command("help") for _ in range(6)))
        await sb.settle(limit_seconds=60)
        for _ in range(7):  # the check-in and six answers
            await sb.standin.wait_for_message(fast, timeout=30)

        assert sb.standin.stats.errors == {} and limiter.refused == 0
        assert all(len(sb.standin.messages_to(p)) == 1 for p in people[1:])
        arrived = limiter.arrivals[fast]
        gaps = [b - a for a, b in itertools.pairwise(arrived)]
        assert len(arrived) == 7 and min(gaps) >= 1.0, gaps
        others_done = max(limiter.arrivals[p][-1] for p in people[1:])
        assert others_done < arrived[-1], "the round waited for one person's answers"
        # Forty check-ins at 25 a second: well under the seven seconds the writer's take.
        assert others_done - round_started < 5.0
        assert sb.standin.violations == []
