"""Timestamps for latency benchmarks: when an update was handed to the bot, when a message
arrived, and waiting for what the bot sent after a user's message (also over /_control/)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from standin import BotApiStandIn
from tests.standin.conftest import Receiver


async def test_get_updates_stamps_the_first_hand_over(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001, first_name="Aiko")
    before = time.monotonic()
    update_id = await user.send_text("hello")
    timing = standin.update_timing(update_id)
    assert timing is not None
    assert timing.kind == "message" and timing.chat_id == 1001
    assert before <= timing.queued_at <= time.monotonic()
    assert timing.handed_at is None

    await bot.get_updates()
    handed = timing.handed_at
    assert handed is not None and handed >= timing.queued_at
    # Fetched again (not yet confirmed): the first hand-over stays.
    await bot.get_updates()
    assert timing.handed_at == handed


async def test_sent_message_carries_its_arrival(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    before = time.monotonic()
    await bot.send_message(1001, "hi")
    [message] = standin.messages_to(1001)
    assert before <= message.received_at <= time.monotonic()
    assert message.to_dict()["received_at"] == message.received_at
    assert message.edited_at is None

    before_edit = time.monotonic()
    await bot.edit_message_text("hi again", chat_id=1001, message_id=message.message_id)
    assert message.edited_at is not None
    assert before_edit <= message.edited_at <= time.monotonic()
    assert message.to_dict()["edited_at"] == message.edited_at


async def test_webhook_post_stamps_the_hand_over(
    standin: BotApiStandIn, bot: Bot, receiver: Receiver
) -> None:
    user = standin.user(1001)
    await bot.set_webhook(receiver.url)
    update_id = await user.send_text("by webhook")
    await asyncio.wait_for(receiver.received.get(), 5)
    timing = standin.update_timing(update_id)
    assert timing is not None and timing.handed_at is not None
    assert timing.handed_at >= timing.queued_at


async def test_button_press_timing_names_the_chat(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    sent = await bot.send_message(1001, "Ready?", reply_markup=markup)
    await user.press(sent.message_id, 0)
    [timing] = standin.update_timings()
    assert timing.kind == "callback_query" and timing.chat_id == 1001


async def test_timings_are_bounded() -> None:
    server = BotApiStandIn(max_recorded_requests=3)
    user = server.user(1001)
    ids = [await user.send_text(f"n{i}") for i in range(5)]
    assert [t.update_id for t in server.update_timings()] == ids[2:]
    assert server.update_timing(ids[0]) is None
    assert [t.update_id for t in server.update_timings(since=ids[4])] == ids[4:]


async def test_messages_after_waits_for_the_reply(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001)
    await bot.send_message(1001, "earlier")
    await user.send_text("hello")
    mine = user.last_message_id()
    assert mine is not None
    assert await standin.messages_after(1001, mine, timeout=0.05) == []

    async def reply_soon() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(1001, "reply")

    task = asyncio.create_task(reply_soon())
    [reply] = await standin.messages_after(1001, mine, timeout=5)
    await task
    assert reply.text == "reply"
    # No cursor moved: wait_for_message still sees both messages in order.
    assert (await standin.wait_for_message(1001)).text == "earlier"


async def test_control_api_exposes_timings(standin: BotApiStandIn, bot: Bot) -> None:
    base = f"{standin.url}/_control"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/users/1001/text", json={"text": "hello"}) as r:
            sent = await r.json()
        await bot.get_updates()

        async def reply_soon() -> None:
            await asyncio.sleep(0.05)
            await bot.send_message(1001, "reply")

        task = asyncio.create_task(reply_soon())
        url = f"{base}/chats/1001/messages?after={sent['message_id']}&timeout=5"
        async with http.get(url) as r:
            [reply] = await r.json()
        await task
        async with http.get(f"{base}/updates/timings?since={sent['update_id']}") as r:
            [timing] = await r.json()
        async with http.get(f"{base}/chats/1001/messages?after=x") as r:
            assert r.status == 400
        body = {"message_id": reply["message_id"], "index": 0}
        async with http.post(f"{base}/users/1001/press", json=body) as r:
            assert r.status == 400  # no buttons: no update, no id
        await bot.send_message(1001, "Ready?", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("ok", callback_data="ok")]]))
        [asked] = await standin.messages_after(1001, reply["message_id"])
        body = {"message_id": asked.message_id, "index": 0}
        async with http.post(f"{base}/users/1001/press", json=body) as r:
            pressed = await r.json()

    assert reply["text"] == "reply"
    assert timing["update_id"] == sent["update_id"] and timing["chat_id"] == 1001
    assert timing["handed_at"] <= reply["received_at"]
    press_timing = standin.update_timing(pressed["update_id"])
    assert press_timing is not None and press_timing.kind == "callback_query"
