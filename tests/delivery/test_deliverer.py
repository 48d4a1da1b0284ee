"""The delivery loop against the stand-in: sent once, retried politely, failed for good
when Telegram says so, and nothing repeated after a restart. Time is the test clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from delivery.deliverer import Deliverer, Monotonic
from domain.errors import DeliveryError
from infra.clock import ControllableClock
from standin import BotApiStandIn
from storage.outbox import (
    LEASE,
    PRIORITY_BULK,
    PRIORITY_URGENT,
    ClaimedMessage,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    Purpose,
    new_edit,
    new_message,
)
from tests.conftest import make_settings
from usecases.services import Services

CHATS = (1001, 1002, 1003, 1004)


def users(bot_api: BotApiStandIn, *ids: int) -> None:
    for chat_id in ids or CHATS:
        bot_api.user(chat_id, f"User{chat_id}")


async def enqueue(svc: Services, chat_id: int, text: str = "hello", **kwargs: Any) -> int:
    async with svc.db.transaction() as session:
        row = OutboxRepository(session).add(
            new_message(chat_id=chat_id, text=text, now=svc.clock.now(), **kwargs)
        )
        await session.flush()
        return row.id


async def rows(svc: Services) -> dict[int, OutboxMessage]:
    async with svc.db.transaction() as session:
        result = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        return {r.id: r for r in result.scalars()}


def sends(bot_api: BotApiStandIn) -> int:
    return bot_api.stats.requests["sendMessage"]


def on_the_test_clock(clock: ControllableClock) -> Monotonic:
    """Pacing measured on the test clock: a second of pacing is a second of `advance`."""
    return lambda: clock.now().timestamp()


class FailedCalls:
    def __init__(self) -> None:
        self.calls: list[tuple[int, DeliveryError]] = []

    async def __call__(
        self, _session: AsyncSession, row: OutboxMessage, error: DeliveryError, _now: Any
    ) -> None:
        self.calls.append((row.id, error))


async def test_rows_are_sent_and_marked_with_telegrams_message_id(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api)
    ids = [await enqueue(services, chat, f"hello {chat}") for chat in CHATS[:3]]
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    assert await deliverer.step() is True
    stored = await rows(services)
    for row_id, chat in zip(ids, CHATS, strict=False):
        [message] = bot_api.messages_to(chat)
        assert message.text == f"hello {chat}"
        row = stored[row_id]
        assert row.state is OutboxState.SENT
        assert row.telegram_message_id == message.message_id
        assert row.sent_at == services.clock.now()
        assert row.attempts == 1
        assert row.lease_owner is None
    assert services.metrics.value("tsunagari_messages_sent_total", purpose="reply") == 3
    assert await deliverer.step() is False
    assert sends(bot_api) == 3
    assert bot_api.violations == []


async def test_buttons_travel_and_an_empty_keyboard_removes_them(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001)
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "consent:yes:1"}]]}
    row_id = await enqueue(services, 1001, "choose", reply_markup=keyboard)
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    await deliverer.step()
    [message] = bot_api.messages_to(1001)
    assert message.buttons == [("Yes", "consent:yes:1")]
    message_id = (await rows(services))[row_id].telegram_message_id
    assert message_id is not None
    async with services.db.transaction() as session:
        OutboxRepository(session).add(
            new_edit(
                chat_id=1001,
                message_id=message_id,
                now=services.clock.now(),
                reply_markup={"inline_keyboard": []},
            )
        )
    clock.advance(deliverer.settings.per_chat_interval)  # an edit is a write to the chat too
    await deliverer.step()
    [message] = bot_api.messages_to(1001)
    assert message.buttons == []
    assert all(r.state is OutboxState.SENT for r in (await rows(services)).values())
    assert bot_api.violations == []


async def test_on_sent_hook_gets_the_message_id_by_purpose(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn
) -> None:
    users(bot_api, 1001)
    seen: list[tuple[int, int | None]] = []

    async def on_checkin(
        _s: AsyncSession, rows: list[tuple[OutboxMessage, int | None]], _n: Any
    ) -> None:
        seen.extend((row.id, message_id) for row, message_id in rows)

    checkin = await enqueue(services, 1001, "how are you?", purpose=Purpose.CHECKIN)
    await enqueue(services, 1002, "a plain reply")
    users(bot_api, 1002)
    await Deliverer(services, telegram_bot, on_sent={Purpose.CHECKIN: on_checkin}).step()
    [message] = bot_api.messages_to(1001)
    assert seen == [(checkin, message.message_id)]


async def test_flood_control_retries_after_retry_after_and_sends_once(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api)
    bot_api.faults.add("sendMessage", "retry_after", retry_after=30, count=1)
    first = await enqueue(services, 1001)
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    await deliverer.step()
    row = (await rows(services))[first]
    assert row.state is OutboxState.PENDING
    assert row.last_error == "flood_control"
    assert row.attempts == 1
    assert row.not_before == clock.now() + timedelta(seconds=30)
    assert bot_api.messages_to(1001) == []

    # Flood control is per bot: another chat's message waits too.
    second = await enqueue(services, 1002)
    requests = sends(bot_api)
    assert await deliverer.step() is False
    clock.advance(timedelta(seconds=29))
    await deliverer.step()
    assert sends(bot_api) == requests
    clock.advance(timedelta(seconds=1))
    assert await deliverer.step() is True
    stored = await rows(services)
    assert stored[first].state is OutboxState.SENT and stored[second].state is OutboxState.SENT
    assert len(bot_api.messages_to(1001)) == 1
    assert len(bot_api.messages_to(1002)) == 1
    await deliverer.step()
    assert len(bot_api.messages_to(1001)) == 1
    assert services.metrics.value("tsunagari_sends_failed_total", reason="flood_control") == 1
    assert bot_api.violations == []


async def test_server_errors_retry_with_growing_backoff(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001)
    bot_api.faults.add("sendMessage", "server_error", count=2)
    row_id = await enqueue(services, 1001)
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))

    await deliverer.step()
    row = (await rows(services))[row_id]
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    first_delay = row.not_before - clock.now()
    assert first_delay > timedelta(0)

    clock.advance(first_delay - timedelta(seconds=1))
    requests = sends(bot_api)
    await deliverer.step()
    assert sends(bot_api) == requests, "retried before its backoff ran out"

    clock.advance(timedelta(seconds=1))
    await deliverer.step()
    row = (await rows(services))[row_id]
    assert (row.state, row.attempts) == (OutboxState.PENDING, 2)
    second_delay = row.not_before - clock.now()
    assert second_delay > first_delay

    clock.advance(second_delay)
    await deliverer.step()
    row = (await rows(services))[row_id]
    assert (row.state, row.attempts) == (OutboxState.SENT, 3)
    assert len(bot_api.messages_to(1001)) == 1
    assert bot_api.violations == []


async def test_a_blocked_chat_fails_for_good_and_reports_it(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001, 1002)
    bot_api.block(1001)
    failed = FailedCalls()
    blocked = await enqueue(services, 1001)
    fine = await enqueue(services, 1002)
    deliverer = Deliverer(
        services, telegram_bot, on_failed=failed, monotonic=on_the_test_clock(clock)
    )
    await deliverer.step()
    stored = await rows(services)
    assert stored[blocked].state is OutboxState.FAILED
    assert stored[blocked].last_error == "blocked"
    assert stored[fine].state is OutboxState.SENT
    assert [(row_id, e.reason, e.permanent, e.blocked) for row_id, e in failed.calls] == [
        (blocked, "blocked", True, True)
    ]
    requests = sends(bot_api)
    clock.advance(timedelta(hours=1))
    assert await deliverer.step() is False
    assert sends(bot_api) == requests
    assert len(failed.calls) == 1
    assert bot_api.violations == []


async def test_transient_failures_stop_after_max_attempts(
    db: Any, clock: ControllableClock, telegram_bot: Bot, bot_api: BotApiStandIn
) -> None:
    from infra.i18n import Catalog

    settings = make_settings(
        database_url=db.url, base_url=bot_api.base_url, delivery__max_attempts=3
    )
    svc = Services(settings=settings, db=db, clock=clock, catalog=Catalog())
    users(bot_api, 1001)
    bot_api.faults.add("sendMessage", "server_error", count=None)
    failed = FailedCalls()
    row_id = await enqueue(svc, 1001)
    deliverer = Deliverer(svc, telegram_bot, on_failed=failed, monotonic=on_the_test_clock(clock))
    for _ in range(5):
        await deliverer.step()
        clock.advance(timedelta(minutes=15))
    row = (await rows(svc))[row_id]
    assert (row.state, row.attempts) == (OutboxState.FAILED, 3)
    assert len(failed.calls) == 1 and failed.calls[0][1].permanent is False
    assert sends(bot_api) == 3


async def test_after_a_restart_nothing_sent_is_sent_again(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api)
    before = [await enqueue(services, chat) for chat in CHATS[:2]]
    await Deliverer(services, telegram_bot, owner="first").step()
    later = await enqueue(services, CHATS[2])

    restarted = Deliverer(
        services, telegram_bot, owner="second", monotonic=on_the_test_clock(clock)
    )
    assert await restarted.step() is True
    assert await restarted.step() is False
    stored = await rows(services)
    assert all(stored[i].state is OutboxState.SENT for i in [*before, later])
    for chat in CHATS[:3]:
        assert len(bot_api.messages_to(chat)) == 1
    assert sends(bot_api) == 3
    assert bot_api.violations == []


async def test_rows_leased_by_a_crashed_sender_go_once_the_lease_expires(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api)
    ids = [await enqueue(services, chat) for chat in CHATS[:2]]
    async with services.db.transaction() as session:
        taken = await OutboxRepository(session).claim(
            owner="crashed",
            now=clock.now(),
            lease=LEASE,
            limit=10,
            postgres=services.db.is_postgres,
        )
    assert [r.id for r in taken] == ids

    survivor = Deliverer(
        services, telegram_bot, owner="survivor", monotonic=on_the_test_clock(clock)
    )
    assert await survivor.step() is False
    assert sends(bot_api) == 0
    clock.advance(LEASE + timedelta(seconds=1))
    assert await survivor.step() is True
    stored = await rows(services)
    assert all(stored[i].state is OutboxState.SENT for i in ids)
    assert sends(bot_api) == 2


async def test_several_messages_to_one_chat_all_arrive_in_order(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001)
    for i in range(3):
        await enqueue(services, 1001, f"part {i}")
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    for sent in (1, 2, 3):
        await deliverer.step()
        assert len(bot_api.messages_to(1001)) == sent
        await deliverer.step()  # the clock has not moved: the chat's next turn has not come
        assert len(bot_api.messages_to(1001)) == sent
        clock.advance(deliverer.settings.per_chat_interval)
    assert [m.text for m in bot_api.messages_to(1001)] == ["part 0", "part 1", "part 2"]
    assert await deliverer.step() is False


async def test_a_second_message_to_a_chat_waits_its_turn(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    users(bot_api, 1001, 1002)
    first = await enqueue(services, 1001, "one")
    second = await enqueue(services, 1001, "two")
    other = await enqueue(services, 1002, "elsewhere")
    deliverer = Deliverer(services, telegram_bot, monotonic=on_the_test_clock(clock))
    assert await deliverer.step() is True
    assert [m.text for m in bot_api.messages_to(1001)] == ["one"]
    assert [m.text for m in bot_api.messages_to(1002)] == ["elsewhere"]
    assert deliverer.next_wait() == 1.0
    stored = await rows(services)
    assert stored[first].state is OutboxState.SENT and stored[other].state is OutboxState.SENT
    # Held back in memory but still leased, so no other sender takes it meanwhile.
    assert stored[second].state is OutboxState.SENDING
    assert stored[second].lease_owner == deliverer.owner
    clock.advance(timedelta(seconds=0.5))
    assert deliverer.next_wait() == 0.5
    await deliverer.step()
    assert [m.text for m in bot_api.messages_to(1001)] == ["one"]
    clock.advance(timedelta(seconds=0.5))
    assert await deliverer.step() is True
    assert [m.text for m in bot_api.messages_to(1001)] == ["one", "two"]
    assert (await rows(services))[second].state is OutboxState.SENT


async def test_an_urgent_message_overtakes_check_ins_already_queued(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn
) -> None:
    """The streaming loop keeps a queue of leased rows; a crisis card claimed while that
    queue is full of a morning's check-ins must go out next, not behind them."""
    bulk_chats = range(2001, 2041)
    users(bot_api, 1001, *bulk_chats)
    for chat_id in bulk_chats:
        await enqueue(services, chat_id, "check-in", priority=PRIORITY_BULK)
    order: list[int] = []
    started: list[int] = []
    changed = asyncio.Condition()

    class Observed(Deliverer):
        async def _send(self, row: ClaimedMessage) -> int | None:
            started.append(row.chat_id)
            message_id = await super()._send(row)
            async with changed:
                order.append(row.chat_id)
                changed.notify_all()
            return message_id

    async def until(predicate: Callable[[], bool]) -> None:
        async with changed:
            await asyncio.wait_for(changed.wait_for(predicate), timeout=30)

    deliverer = Observed(services, telegram_bot)
    # A queue of ten at twenty messages a second: the check-ins take two seconds in all.
    deliverer.settings = replace(deliverer.settings, batch_size=5, rate_per_second=20.0)
    deliverer.limiter = AsyncLimiter(20.0, 1.0)
    await deliverer.limiter.acquire(20.0)  # no opening burst: one send every 50 ms from the start
    stop = asyncio.Event()
    running = asyncio.create_task(deliverer.run(stop))
    try:
        await until(lambda: bool(order))
        await enqueue(services, 1001, "crisis card", priority=PRIORITY_URGENT)
        services.wake_delivery()
        written = len(started)
        await until(lambda: 1001 in order)
        # Sent within a send or two of being written, although ten check-ins were queued
        # (sends that had started by then cannot be overtaken).
        assert started.index(1001) <= written + 2, (written, started)
        await until(lambda: len(order) == 41)
    finally:
        stop.set()
        services.wake_delivery()
        await running
    stored = await rows(services)
    assert all(row.state is OutboxState.SENT for row in stored.values())
    assert sorted(order) == sorted([1001, *bulk_chats])
    assert bot_api.violations == []


async def test_a_restart_under_the_same_name_takes_its_leases_back_at_once(
    services: Services, telegram_bot: Bot, bot_api: BotApiStandIn, clock: ControllableClock
) -> None:
    """Issue 12, item 5: with `delivery.instance` set, a restarted process does not wait
    for the lease its crashed run held; another name still waits (the test above)."""
    users(bot_api)
    ids = [await enqueue(services, chat) for chat in CHATS[:2]]
    async with services.db.transaction() as session:
        taken = await OutboxRepository(session).claim(
            owner="bot-1",
            now=clock.now(),
            lease=LEASE,
            limit=10,
            postgres=services.db.is_postgres,
        )
    assert [r.id for r in taken] == ids  # then the process died before sending

    settings = replace(
        services.settings, delivery=replace(services.settings.delivery, instance="bot-1")
    )
    restarted = Deliverer(
        replace(services, settings=settings), telegram_bot, monotonic=on_the_test_clock(clock)
    )
    assert restarted.owner == "bot-1"
    assert await restarted.step() is True  # no clock movement: not a second of the lease
    stored = await rows(services)
    assert all(stored[i].state is OutboxState.SENT for i in ids)
    assert sends(bot_api) == 2
    assert await restarted.recover() == 0, "only once, at start"
    assert bot_api.violations == []
