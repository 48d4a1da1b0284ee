"""End to end: a python-telegram-bot Application polling the stand-in, driven by a user."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from standin import BotApiStandIn


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Good", callback_data="mood:1")],
            [InlineKeyboardButton("Not great", callback_data="mood:2")],
        ]
    )
    arg = context.args[0] if context.args else "-"
    await context.bot.send_message(
        update.effective_chat.id, f"Welcome ({arg})! How are you?", reply_markup=keyboard
    )


async def mood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer("Thanks for checking in")
    await query.edit_message_text(f"Recorded {query.data}")


async def test_polling_application(standin: BotApiStandIn) -> None:
    app = Application.builder().token(standin.token).base_url(standin.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(mood, pattern=r"^mood:"))
    user = standin.user(1001, first_name="Aiko", language_code="ja")

    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=2))
        try:
            await user.send_command("start", "INVITE")
            welcome = await standin.wait_for_message(1001)
            assert welcome.text == "Welcome (INVITE)! How are you?"

            query_id = await user.press(welcome, 1)
            answer = await standin.wait_for_callback_answer(query_id)
            assert answer.text == "Thanks for checking in"
            edited = await standin.wait_for_edit(1001)
            assert edited.text == "Recorded mood:2"
        finally:
            await app.updater.stop()
            await app.stop()
