"""Webhook mode: updates are POSTed to the bot's URL with the secret header, with retries."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, Update
from telegram.error import Conflict

from standin import BotApiStandIn
from tests.standin.conftest import Receiver


async def test_updates_are_posted_with_secret(
    standin: BotApiStandIn, bot: Bot, receiver: Receiver
) -> None:
    user = standin.user(1001, first_name="Aiko")
    assert await bot.set_webhook(receiver.url, secret_token="s3cret-token")

    update_id = await user.send_text("hello by webhook")
    secret, payload = await asyncio.wait_for(receiver.received.get(), 5)
    assert secret == "s3cret-token"
    update = Update.de_json(payload, bot)
    assert update.update_id == update_id
    assert update.message is not None and update.message.text == "hello by webhook"

    with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
        await bot.get_updates()

    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0


async def test_delivery_is_retried_in_order(
    standin: BotApiStandIn, bot: Bot, receiver: Receiver
) -> None:
    user = standin.user(1001)
    receiver.fail_next = 2
    await bot.set_webhook(receiver.url)
    first = await user.send_text("one")
    second = await user.send_text("two")

    got = [await asyncio.wait_for(receiver.received.get(), 5) for _ in range(2)]
    assert [p["update_id"] for _, p in got] == [first, second]
    assert got[0][0] is None  # no secret configured, no header
    assert receiver.attempts == 4
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and "500" in info.last_error_message


async def test_delete_webhook_drops_pending_and_reenables_polling(
    standin: BotApiStandIn, bot: Bot, receiver: Receiver
) -> None:
    user = standin.user(1001)
    receiver.fail_next = 1_000  # never accept: updates stay pending
    await bot.set_webhook(receiver.url)
    await user.send_text("lost")
    await asyncio.sleep(0.1)
    assert len(standin.pending_updates) == 1

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert standin.pending_updates == []
    assert await bot.get_updates() == ()
    assert (await bot.get_webhook_info()).url == ""


async def test_pending_updates_survive_switching_to_webhook(
    standin: BotApiStandIn, bot: Bot, receiver: Receiver
) -> None:
    user = standin.user(1001)
    queued = await user.send_text("sent while polling")
    await bot.set_webhook(receiver.url)
    _, payload = await asyncio.wait_for(receiver.received.get(), 5)
    assert payload["update_id"] == queued
