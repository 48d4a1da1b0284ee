"""getUpdates long-polling wakes on new updates instead of sleeping out the timeout."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import Conflict

from standin import BotApiStandIn


async def test_returns_promptly_when_a_user_writes(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001)

    async def write_soon() -> None:
        await asyncio.sleep(0.2)
        await user.send_text("are you there?")

    started = time.monotonic()
    writer = asyncio.create_task(write_soon())
    updates = await bot.get_updates(timeout=timedelta(seconds=5))
    elapsed = time.monotonic() - started
    await writer

    assert [u.message.text for u in updates if u.message] == ["are you there?"]
    assert 0.15 < elapsed < 1.5


async def test_returns_empty_after_timeout_when_idle(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=timedelta(seconds=1)) == ()
    assert 0.9 < time.monotonic() - started < 2.5


async def test_second_poller_terminates_the_first(standin: BotApiStandIn, bot: Bot) -> None:
    # Two bot instances with one token: PTB serialises getUpdates within one Bot.
    async with Bot(standin.token, base_url=standin.base_url) as twin:
        first = asyncio.create_task(bot.get_updates(timeout=timedelta(seconds=5)))
        await asyncio.sleep(0.2)
        second = asyncio.create_task(twin.get_updates(timeout=timedelta(seconds=5)))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await first
        await standin.user(1001).send_text("hi")
        assert len(await second) == 1


async def test_stop_releases_pending_long_poll(standin: BotApiStandIn, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=timedelta(seconds=30)))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await standin.stop()
    assert time.monotonic() - started < 2
    assert await poll == ()
    await standin.start()  # the fixture stops it again
