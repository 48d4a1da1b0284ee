"""Crisis replies first after a Telegram fault (issue 12, the faults part).

Backoff is per row, so after an outage the rows whose backoff happened to end first went
first: a round of check-ins that failed early was retried before a crisis card that failed
later. Each test below plays an outage against the stand-in on the test clock (pacing on,
driven by the same clock): a round of twelve check-ins meets the fault, a crisis card is
written five seconds into it, the fault ends, and the bot is stepped a second at a time
until everything is sent. The crisis card must be the first message Telegram accepts once
it answers again, before any check-in that was waiting, and nothing may arrive twice
unless its first send's answer was lost (a timeout where Telegram did deliver), and then
only once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from delivery.deliverer import MAX_BACKOFF, PROBE_MAX, Deliverer
from infra.clock import ControllableClock
from infra.transport import AiohttpRequest
from standin import BotApiStandIn
from storage.outbox import PRIORITY_BULK, PRIORITY_URGENT, OutboxState, Purpose
from tests.conftest import TOKEN
from tests.delivery.test_deliverer import enqueue, on_the_test_clock, rows, users
from usecases.services import Services

CRISIS = 1001
ROUND = tuple(range(2001, 2013))
CRISIS_AFTER = 5  # seconds into the fault
FAULT_SECONDS = 90
GIVE_UP = 900  # seconds of stepping after the fault before the test fails


@dataclass
class Outage:
    """What the stand-in saw: chats in the order it accepted sendMessage, before the fault
    ended and after it; requests made during the fault; when (seconds after the fault
    ended) the crisis card was accepted."""

    during: list[int]
    after: list[int]
    requests_during: int
    crisis_after_s: int | None

    def duplicates(self, bot_api: BotApiStandIn) -> int:
        return sum(len(bot_api.messages_to(chat)) - 1 for chat in (CRISIS, *ROUND))


def accepted(bot_api: BotApiStandIn) -> list[int]:
    return [
        int(r.params["chat_id"])
        for r in bot_api.requests
        if r.method == "sendMessage" and r.status == 200
    ]


async def play_outage(
    services: Services,
    deliverer: Deliverer,
    bot_api: BotApiStandIn,
    clock: ControllableClock,
    *,
    begin: Callable[[], Awaitable[None]],
    end: Callable[[], Awaitable[None]],
    settle: Callable[[], Awaitable[None]] | None = None,
) -> Outage:
    users(bot_api, CRISIS, *ROUND)
    for chat in ROUND:
        await enqueue(services, chat, "check-in", priority=PRIORITY_BULK, purpose=Purpose.CHECKIN)
    await begin()
    await deliverer.step()
    for second in range(1, FAULT_SECONDS + 1):
        clock.advance(timedelta(seconds=1))
        if second == CRISIS_AFTER:
            await enqueue(
                services, CRISIS, "crisis card", priority=PRIORITY_URGENT, purpose=Purpose.CRISIS
            )
        await deliverer.step()
    if settle is not None:
        await settle()
    during = accepted(bot_api)
    requests_during = bot_api.stats.requests["sendMessage"]
    await end()
    crisis_after: int | None = None
    for second in range(1, GIVE_UP):
        clock.advance(timedelta(seconds=1))
        await deliverer.step()
        if crisis_after is None and CRISIS in accepted(bot_api)[len(during) :]:
            crisis_after = second
        stored = await rows(services)
        if all(row.state is OutboxState.SENT for row in stored.values()):
            break
    stored = await rows(services)
    assert all(row.state is OutboxState.SENT for row in stored.values()), "not all delivered"
    assert bot_api.violations == []
    return Outage(during, accepted(bot_api)[len(during) :], requests_during, crisis_after)


def assert_crisis_first(outage: Outage) -> None:
    waiting = [chat for chat in outage.after if chat in ROUND]
    assert waiting, "no check-in was waiting for the fault's end"
    assert outage.after[0] == CRISIS, outage.after
    assert sorted(waiting) == sorted(set(ROUND) - set(outage.during))


def paced(services: Services, bot: Bot, clock: ControllableClock) -> Deliverer:
    return Deliverer(services, bot, monotonic=on_the_test_clock(clock))


async def test_after_a_5xx_outage_the_crisis_card_goes_first(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Telegram answers 502 for ninety seconds. Before: the check-ins' backoff ended at
    126 s, the crisis card's at 131 s, so the round went first. Telegram's answer says it
    did not deliver, so the card also retries at least every PROBE_MAX while it waits."""

    async def begin() -> None:
        bot_api.faults.add("sendMessage", "server_error", count=None)

    async def end() -> None:
        bot_api.faults.clear()

    deliverer = paced(services, telegram_bot, clock)
    outage = await play_outage(services, deliverer, bot_api, clock, begin=begin, end=end)
    assert outage.during == []
    assert_crisis_first(outage)
    assert outage.crisis_after_s is not None
    assert outage.crisis_after_s <= PROBE_MAX.total_seconds()
    assert outage.duplicates(bot_api) == 0
    stored = await rows(services)
    crisis = next(row for row in stored.values() if row.chat_id == CRISIS)
    assert crisis.attempts <= deliverer.settings.max_attempts + 1


async def test_after_a_network_outage_the_crisis_card_goes_first(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Connections are dropped without an answer: whether a send arrived is unknown, so
    the crisis card keeps its own backoff (it is not re-sent sooner than before) and the
    waiting check-ins wait for it."""

    async def begin() -> None:
        bot_api.faults.add("sendMessage", "reset", count=None)

    async def end() -> None:
        bot_api.faults.clear()

    deliverer = paced(services, telegram_bot, clock)
    outage = await play_outage(services, deliverer, bot_api, clock, begin=begin, end=end)
    assert outage.during == []
    assert_crisis_first(outage)
    assert outage.duplicates(bot_api) == 0


async def test_after_telegram_refused_connections_the_crisis_card_goes_first(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Telegram is not there at all for ninety seconds (the stand-in is stopped)."""
    port = bot_api.port

    async def begin() -> None:
        await bot_api.stop()

    async def end() -> None:
        await bot_api.start(port=port)

    deliverer = paced(services, telegram_bot, clock)
    outage = await play_outage(services, deliverer, bot_api, clock, begin=begin, end=end)
    assert outage.during == []
    assert_crisis_first(outage)
    assert outage.duplicates(bot_api) == 0


async def test_after_a_429_storm_the_crisis_card_goes_first(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Every send is answered 429 "retry after 5" for ninety seconds."""

    async def begin() -> None:
        bot_api.faults.add("sendMessage", "retry_after", retry_after=5, count=None)

    async def end() -> None:
        bot_api.faults.clear()

    deliverer = paced(services, telegram_bot, clock)
    outage = await play_outage(services, deliverer, bot_api, clock, begin=begin, end=end)
    assert outage.during == []
    assert_crisis_first(outage)
    assert outage.duplicates(bot_api) == 0
    assert services.metrics.value("tsunagari_sends_failed_total", reason="flood_control") > 0


SLOW_ANSWER = 0.5  # seconds the stand-in takes to answer while the fault lasts
READ_TIMEOUT = 0.2  # seconds the bot waits for an answer


@pytest.fixture(params=["aiohttp", "httpx"])
async def impatient_bot(
    bot_api: BotApiStandIn, request: pytest.FixtureRequest
) -> AsyncIterator[Bot]:
    """A bot that gives up on an answer after READ_TIMEOUT, over each transport."""
    if request.param == "aiohttp":
        transport = AiohttpRequest(read_timeout=READ_TIMEOUT, connection_pool_size=16)
    else:
        transport = HTTPXRequest(read_timeout=READ_TIMEOUT, connection_pool_size=16)
    async with Bot(TOKEN, base_url=bot_api.base_url, request=transport) as bot:
        yield bot


async def test_slow_answers_repeat_nothing_more_than_before_and_the_crisis_card_goes_first(
    services: Services, impatient_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Telegram delivers but answers after the bot stopped waiting: every send of the
    fault times out although it arrived. Each such message is sent again once, as
    before the fix (a send whose result is unknown is retried on its backoff, never
    sooner); the crisis card's second copy still goes before any check-in's."""
    import asyncio

    async def begin() -> None:
        bot_api.faults.add("sendMessage", "slow", delay=SLOW_ANSWER, count=None)

    async def settle() -> None:
        # The stand-in finishes the answers the bot gave up on (real time, not the bot's).
        async with asyncio.timeout(10):
            while len(accepted(bot_api)) < bot_api.stats.requests["sendMessage"]:  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    async def end() -> None:
        bot_api.faults.clear()

    deliverer = paced(services, impatient_bot, clock)
    outage = await play_outage(
        services, deliverer, bot_api, clock, begin=begin, end=end, settle=settle
    )
    # Everything the bot sent during the fault arrived, once per request.
    assert len(outage.during) == outage.requests_during
    assert set(outage.during) == {CRISIS, *ROUND}
    assert outage.after[0] == CRISIS, outage.after
    assert sorted(outage.after) == sorted({CRISIS, *ROUND})
    # The crisis card was sent on its backoff, neither sooner nor more often; the
    # check-ins no more often than their backoff allows (they waited for the card).
    copies = {chat: len(bot_api.messages_to(chat)) for chat in (CRISIS, *ROUND)}
    assert copies[CRISIS] == backoff_sends(CRISIS_AFTER, FAULT_SECONDS) + 1
    today = backoff_sends(0, FAULT_SECONDS) + 1
    assert all(copies[chat] <= today for chat in ROUND), copies
    assert outage.duplicates(bot_api) < (today - 1) * len(ROUND) + copies[CRISIS] - 1


def backoff_sends(first: int, last: int) -> int:
    """Sends a row first sent at `first` makes up to `last` on its own backoff alone
    (what the bot did before the fix for every row)."""
    at, sends = first, 0
    while at <= last:
        sends += 1
        at += min(int(MAX_BACKOFF.total_seconds()), 2 ** min(sends, 10))
    return sends
