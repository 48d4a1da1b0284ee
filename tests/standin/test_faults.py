"""Injected faults and blocked chats surface in python-telegram-bot as Telegram's would."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from standin import BotApiStandIn


async def test_retry_after(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    standin.faults.add(method="sendMessage", kind="retry_after", retry_after=2, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "hi")
        assert caught.value.retry_after == timedelta(seconds=2)
    assert (await bot.send_message(1001, "hi")).text == "hi"
    assert [r.status for r in standin.requests if r.method == "sendMessage"] == [429, 429, 200]
    assert standin.stats.errors["sendMessage"] == 2


async def test_fault_can_target_one_chat(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1)
    standin.user(2)
    standin.faults.add(method="sendMessage", kind="retry_after", chat_id=2, count=None)
    assert await bot.send_message(1, "fine")
    with pytest.raises(RetryAfter):
        await bot.send_message(2, "limited")


async def test_server_error_is_a_network_error(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    standin.faults.add(method="sendMessage", kind="server_error")
    standin.faults.add(method="sendMessage", kind="server_error", status=500, description="oops")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1001, "hi")
    with pytest.raises(NetworkError, match="oops"):
        await bot.send_message(1001, "hi")
    assert await bot.send_message(1001, "hi")


async def test_slow(standin: BotApiStandIn, bot: Bot) -> None:
    standin.faults.add(method="getMe", kind="slow", delay=0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3


async def test_blocked_chat(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001)
    update_id = await user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "still there?")

    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"

    await user.unblock()
    assert await bot.send_message(1001, "welcome back")


async def test_block_without_update(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    standin.block(1001)
    with pytest.raises(Forbidden):
        await bot.send_message(1001, "hi")
    assert standin.pending_updates == []


async def test_flood_limits() -> None:
    limited = BotApiStandIn(token="1:A", enforce_flood_limits=True)
    await limited.start()
    try:
        limited.user(7)
        async with Bot("1:A", base_url=limited.base_url) as bot:
            for _ in range(3):  # a short burst is tolerated
                await bot.send_message(7, "hi")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(7, "too fast")
            assert caught.value.retry_after == timedelta(seconds=1)
    finally:
        await limited.stop()
    assert limited.violations == []


async def test_injected_faults_do_not_hide_violations(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    standin.faults.add(method="sendMessage", kind="retry_after", count=None)
    with pytest.raises(BadRequest):
        await bot.send_message(1001, "")
    assert len(standin.violations) == 1
    standin.violations.clear()


async def test_wait_for_message_timeout_lists_what_was_sent(
    standin: BotApiStandIn, bot: Bot
) -> None:
    standin.user(1001)
    await bot.send_message(1001, "Good morning")
    with pytest.raises(TimeoutError, match="Good morning"):
        await standin.wait_for_message(1001, lambda m: m.text == "Good night", timeout=0.2)


async def test_wait_for_message_is_woken_by_send(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)

    async def send_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(1001, "first")
        await bot.send_message(1001, "second")

    task = asyncio.create_task(send_later())
    assert (await standin.wait_for_message(1001)).text == "first"
    assert (await standin.wait_for_message(1001)).text == "second"
    await task


async def test_reset_drops_the_connection_without_an_answer(
    standin: BotApiStandIn, bot: Bot
) -> None:
    standin.user(1001)
    standin.faults.add(method="sendMessage", kind="reset")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(1001, "lost")
    assert not isinstance(caught.value, TimedOut)
    assert standin.messages_to(1001) == []
    assert [(r.method, r.status) for r in standin.requests][-1] == ("sendMessage", 0)
    assert (await bot.send_message(1001, "again")).text == "again"
