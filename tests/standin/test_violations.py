"""Malformed requests are answered 400 like Telegram and recorded loudly as violations."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, EndPointNotFound, InvalidToken

from standin import BotApiStandIn


def take_violations(standin: BotApiStandIn) -> list[str]:
    """Return and clear the recorded violations so the fixture's teardown check passes."""
    found = [v.description for v in standin.violations]
    standin.violations.clear()
    return found


@pytest.fixture
def chat(standin: BotApiStandIn) -> int:
    return standin.user(1001).id


async def test_missing_chat_id(standin: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)standin spec violation: missing required parameter"):
        # PTB leaves out parameters that are None.
        await bot.send_message(None, "hi")  # type: ignore[arg-type]
    assert take_violations(standin) == ["missing required parameter 'chat_id' for sendMessage"]


@pytest.mark.parametrize(
    ("text", "length"), [("x" * 4097, 4097), ("", 0), ("   \n ", 0)], ids=["4097", "empty", "blank"]
)
async def test_text_length(
    standin: BotApiStandIn, bot: Bot, chat: int, text: str, length: int
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)spec violation: text must be 1-4096 characters"):
        await bot.send_message(chat, text)
    [violation] = take_violations(standin)
    assert violation.endswith(f"got {length}")


async def test_text_of_4096_characters_is_fine(bot: Bot, chat: int) -> None:
    assert (await bot.send_message(chat, "あ" * 4096)).text == "あ" * 4096


async def test_callback_data_of_65_bytes(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)callback_data must be 1-64 bytes"):
        await bot.send_message(chat, "pick", reply_markup=markup)
    assert take_violations(standin) == [
        "reply_markup.inline_keyboard[0][0].callback_data must be 1-64 bytes in UTF-8, got 65 bytes"
    ]


async def test_callback_data_counts_utf8_bytes(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    # 22 characters but 66 bytes.
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="あ" * 22)]])
    with pytest.raises(BadRequest):
        await bot.send_message(chat, "pick", reply_markup=markup)
    assert len(take_violations(standin)) == 1


async def test_wrong_type(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message_id must be Integer"):
        await bot.edit_message_text("x", chat_id=chat, message_id="abc")  # type: ignore[arg-type]
    assert take_violations(standin) == ["message_id must be Integer, got String of length 3"]


async def test_chat_id_may_be_a_username(bot: Bot, standin: BotApiStandIn) -> None:
    standin.user(1001, username="aiko")
    assert (await bot.send_message("@aiko", "hi")).chat.id == 1001


async def test_unknown_parameter(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter 'colour'"):
        await bot.send_message(chat, "hi", api_kwargs={"colour": "red"})
    assert take_violations(standin) == ["unknown parameter 'colour' for sendMessage"]


async def test_unknown_method(standin: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHug", api_kwargs={"chat_id": 1})
    assert take_violations(standin) == ["unknown method 'sendHug'"]


async def test_unimplemented_method_is_recorded(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    with pytest.raises(BadRequest, match=r"(?i)standin does not implement sendDice"):
        await bot.send_dice(1001)
    assert take_violations(standin) == ["standin does not implement sendDice"]


async def test_answer_callback_text_limit(standin: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)text must be 0-200 characters"):
        await bot.answer_callback_query("1", text="x" * 201)
    assert len(take_violations(standin)) == 1


async def test_nested_object_fields_are_checked(standin: BotApiStandIn, bot: Bot) -> None:
    bad_scope = {"type": "chat"}  # chat_id is required for this scope
    with pytest.raises(BadRequest, match=r"(?i)missing required field 'chat_id'"):
        await bot.set_my_commands([BotCommand("start", "x")], api_kwargs={"scope": bad_scope})
    with pytest.raises(BadRequest, match=r"(?i)must name a BotCommandScope variant"):
        await bot.set_my_commands([], scope=BotCommandScope("everyone"))
    with pytest.raises(BadRequest, match=r"(?i)must be 1-32 characters"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    assert len(take_violations(standin)) == 3


async def test_html_that_telegram_cannot_parse(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    assert await bot.send_message(chat, "<b>bold</b> &amp; fine", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat, "1 < 2 <b>oops", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)reserved and must be escaped"):
        await bot.send_message(chat, "Thanks. See you!", parse_mode="MarkdownV2")
    assert len(take_violations(standin)) == 2


async def test_violations_are_logged_without_text(
    standin: BotApiStandIn, bot: Bot, chat: int, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "my private diary entry " * 200
    with caplog.at_level(logging.ERROR, logger="standin"), pytest.raises(BadRequest):
        await bot.send_message(chat, secret)
    assert any("sendMessage" in r.getMessage() for r in caplog.records)
    assert all("diary" not in r.getMessage() for r in caplog.records)
    take_violations(standin)


async def test_wrong_token(standin: BotApiStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=standin.base_url):
            pass
    assert standin.violations == []


async def test_json_bodies_are_validated_too(standin: BotApiStandIn, chat: int) -> None:
    url = f"{standin.base_url}{standin.token}/SENDMESSAGE"
    async with aiohttp.ClientSession() as session:
        good: Any = {"chat_id": chat, "text": "hi", "disable_notification": True}
        async with session.post(url, json=good) as response:
            assert response.status == 200
            assert (await response.json())["result"]["text"] == "hi"
        bad: Any = {"chat_id": chat, "text": "hi", "disable_notification": "yes"}
        async with session.post(url, json=bad) as response:
            assert response.status == 400
            body = await response.json()
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: standin spec violation: "
        "disable_notification must be Boolean, got String of length 3",
    }
    assert len(take_violations(standin)) == 1


async def test_send_photo_needs_a_photo(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    with pytest.raises(BadRequest, match=r"(?i)standin spec violation"):
        await bot.do_api_request("SendPhoto", api_kwargs={"chat_id": chat, "caption": "x"})
    assert take_violations(standin) == ["missing required parameter 'photo' for sendPhoto"]
