"""A real python-telegram-bot client against the stand-in: requests and updates round-trip."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberBanned,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.error import BadRequest

from standin import BotApiStandIn

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("😊 good", callback_data="mood:1")],
        [
            InlineKeyboardButton("😐 so-so", callback_data="mood:2"),
            InlineKeyboardButton("😞 bad", callback_data="mood:3"),
        ],
    ]
)


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "tsunagari_test_bot"
    assert me.can_join_groups is True


async def test_send_edit_and_answer_callback(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001, first_name="Aiko", language_code="ja")

    sent = await bot.send_message(1001, "How are you today?", reply_markup=KEYBOARD)
    assert sent.chat.id == 1001
    assert sent.from_user is not None and sent.from_user.id == 123456
    assert sent.reply_markup == KEYBOARD

    recorded = await standin.wait_for_message(1001)
    assert recorded.message_id == sent.message_id
    assert recorded.text == "How are you today?"
    assert recorded.buttons == [
        ("😊 good", "mood:1"),
        ("😐 so-so", "mood:2"),
        ("😞 bad", "mood:3"),
    ]

    query_id = await user.press(recorded, data="mood:2")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "mood:2"
    assert query.from_user.language_code == "ja"
    assert query.message is not None and query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Thanks!")
    answer = await standin.wait_for_callback_answer(query_id)
    assert answer.text == "Thanks!"
    assert answer.chat_id == 1001

    edited = await bot.edit_message_text("Noted: so-so", chat_id=1001, message_id=sent.message_id)
    assert edited is not True and edited.text == "Noted: so-so"
    after = await standin.wait_for_edit(1001)
    assert after.text == "Noted: so-so"
    assert after.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert [e.text for e in after.edits] == ["How are you today?"]

    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)


async def test_message_ids_increase_per_chat(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1, first_name="A")
    standin.user(2, first_name="B")
    first = await bot.send_message(1, "a")
    second = await bot.send_message(1, "b")
    other = await bot.send_message(2, "c")
    assert second.message_id == first.message_id + 1
    assert other.message_id == 1
    assert [m.text for m in standin.messages_to(1)] == ["a", "b"]


async def test_edit_errors(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=999)
    sent = await bot.send_message(1001, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=1001, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "nobody here")


async def test_edit_reply_markup_keeps_history(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    sent = await bot.send_message(1001, "pick", reply_markup=KEYBOARD)
    edited = await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=None)
    assert edited is not True and edited.reply_markup is None
    message = standin.messages_to(1001)[0]
    assert message.text == "pick"
    assert message.edits[0].reply_markup is not None


async def test_commands_per_scope(standin: BotApiStandIn, bot: Bot) -> None:
    default = [BotCommand("start", "Begin"), BotCommand("checkin", "Check in now")]
    personal = [BotCommand("stop", "Pause check-ins")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(personal, scope=BotCommandScopeChat(1001))

    assert await bot.get_my_commands() == tuple(default)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1001)) == tuple(personal)
    assert standin.commands_for({"type": "chat", "chat_id": 1001}) == [
        {"command": "stop", "description": "Pause check-ins"}
    ]
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1001)) == ()


async def test_updates_round_trip_into_ptb_objects(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001, first_name="Aiko", language_code="ja")
    first = await user.send_text("hello")
    hello_id = user.last_message_id()
    assert hello_id is not None
    await user.send_command("start", "INVITE123")
    await user.send_sticker("🌸")
    await user.send_photo(caption="lunch")
    await user.send_voice(duration=4)
    await user.edit_text(hello_id, "never mind")
    await user.block()

    updates = await bot.get_updates(offset=first)
    assert [u.update_id for u in updates] == list(range(first, first + 7))

    text = updates[0].message
    assert text is not None and text.text == "hello"
    assert text.chat.id == 1001 and text.chat.type == "private"
    assert text.from_user is not None and text.from_user.first_name == "Aiko"

    command = updates[1].message
    assert command is not None and command.text == "/start INVITE123"
    assert command.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert command.parse_entities() == {command.entities[0]: "/start"}

    sticker = updates[2].message
    assert sticker is not None and sticker.sticker is not None
    assert sticker.sticker.emoji == "🌸" and sticker.sticker.width == 512

    photo = updates[3].message
    assert photo is not None and photo.caption == "lunch"
    assert max(p.width for p in photo.photo) == 1280

    voice = updates[4].message
    assert voice is not None and voice.voice is not None
    assert voice.voice.duration.total_seconds() == 4  # type: ignore[union-attr]

    assert updates[5].edited_message is not None
    assert updates[5].edited_message.text == "never mind"

    member = updates[6].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    assert isinstance(member.new_chat_member, ChatMemberBanned)
    assert member.old_chat_member.status == "member"

    # Confirming with offset drops everything before it.
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert standin.pending_updates == []


async def test_get_updates_limit_and_allowed_updates(standin: BotApiStandIn, bot: Bot) -> None:
    user = standin.user(1001)
    for i in range(5):
        await user.send_text(f"m{i}")
    assert len(await bot.get_updates(limit=2)) == 2
    updates = await bot.get_updates(offset=-1)
    assert [u.message.text for u in updates if u.message] == ["m4"]

    await bot.get_updates(offset=updates[0].update_id + 1, allowed_updates=["callback_query"])
    await user.send_text("filtered out")
    assert await bot.get_updates() == ()


async def test_request_log_and_stats(standin: BotApiStandIn, bot: Bot) -> None:
    standin.user(1001)
    await bot.send_message(1001, "hi")
    assert standin.stats.requests["sendMessage"] == 1
    last = standin.requests[-1]
    assert (last.method, last.status, last.params["chat_id"]) == ("sendMessage", 200, 1001)


async def test_memory_stays_bounded() -> None:
    lean = BotApiStandIn(token="1:A", record_requests=False, max_messages_per_chat=3)
    await lean.start()
    try:
        lean.user(7)
        async with Bot("1:A", base_url=lean.base_url) as bot:
            sent = [await bot.send_message(7, f"m{i}") for i in range(5)]
            with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
                await bot.edit_message_text("x", chat_id=7, message_id=sent[0].message_id)
    finally:
        await lean.stop()
    assert [m.text for m in lean.messages_to(7)] == ["m2", "m3", "m4"]
    assert len(lean.requests) == 0
    assert lean.stats.requests["sendMessage"] == 5
    assert lean.violations == []


async def test_send_photo_keeps_what_arrived(standin: BotApiStandIn, bot: Bot) -> None:
    import hashlib

    from telegram import InputFile

    standin.user(1001)
    data = b"\x89PNG not really" * 100
    uploaded = await bot.send_photo(1001, InputFile(data, filename="a.png"), caption="見て")
    by_id = await bot.send_photo(1001, uploaded.photo[-1].file_id)
    first, second = standin.messages_to(1001)
    assert first.photo is not None and second.photo is not None
    assert (first.photo.size, first.photo.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert first.caption == uploaded.caption == "見て"
    assert second.photo.file_id == uploaded.photo[-1].file_id
    assert (second.photo.size, second.photo.sha256) == (None, None)
    assert by_id.photo[-1].file_id == uploaded.photo[-1].file_id
    assert first.to_dict()["photo"]["sha256"] == first.photo.sha256
