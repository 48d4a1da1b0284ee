"""The /_control/ HTTP API mirrors the Python control side for curl users."""

from __future__ import annotations

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from standin import BotApiStandIn


async def test_control_round_trip(standin: BotApiStandIn, bot: Bot) -> None:
    base = f"{standin.url}/_control"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/users/1001/command", json={"command": "start"}) as r:
            assert r.status == 200
            update_id = (await r.json())["update_id"]

        [update] = await bot.get_updates()
        assert update.update_id == update_id
        assert update.message is not None and update.message.text == "/start"

        markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
        sent = await bot.send_message(1001, "Ready?", reply_markup=markup)

        async with http.get(f"{base}/chats/1001/messages") as r:
            [message] = await r.json()
        assert message["text"] == "Ready?"
        assert message["buttons"] == [["ok", "ok"]]

        body = {"message_id": sent.message_id, "data": "ok"}
        async with http.post(f"{base}/users/1001/press", json=body) as r:
            assert r.status == 200
            query_id = (await r.json())["callback_query_id"]
        async with http.post(f"{base}/users/1001/press", json={"message_id": 99, "index": 0}) as r:
            assert r.status == 400

        async with http.post(f"{base}/faults", json={"method": "getMe", "kind": "slow"}) as r:
            assert (await r.json()) == {"faults": 1}
        async with http.delete(f"{base}/faults") as r:
            assert (await r.json()) == {"faults": 0}

        async with http.get(f"{base}/stats") as r:
            stats = await r.json()
        assert stats["requests"]["sendMessage"] == 1
        async with http.get(f"{base}/violations") as r:
            assert await r.json() == []

    updates = await bot.get_updates(offset=update_id + 1)
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.id == query_id
