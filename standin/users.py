"""Simulated Telegram users: the control side that acts on the bot.

Each :class:`SimulatedUser` owns one private chat (chat id == user id) and turns actions into
Bot API updates shaped like Telegram's, queued on the stand-in for ``getUpdates`` or webhook
delivery. Methods are ``async`` so callers can treat them like real network actions even
though queueing itself is synchronous today.
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from standin.models import SentMessage

if TYPE_CHECKING:
    from standin.server import BotApiStandIn

JsonDict = dict[str, Any]
_file_counter = itertools.count(1)


def _file_ids(kind: str) -> JsonDict:
    # Shaped like real ids (opaque base64-ish strings), unique per stand-in process.
    n = next(_file_counter)
    return {"file_id": f"AgAC{kind}{n:012d}standin", "file_unique_id": f"AQAD{kind[:2]}{n:08d}"}


class SimulatedUser:
    """One Telegram user talking to the bot in a private chat."""

    def __init__(
        self,
        standin: BotApiStandIn,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.standin = standin
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    @property
    def chat_id(self) -> int:
        return self.id

    def as_dict(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    @property
    def messages(self) -> list[SentMessage]:
        """What the bot sent to this user so far."""
        return self.standin.messages_to(self.id)

    # -- messages -----------------------------------------------------------------------------

    def _new_message(self, **content: Any) -> JsonDict:
        chat = self.standin.chat(self.id)
        message: JsonDict = {
            "message_id": chat.take_message_id(),
            "from": self.as_dict(),
            "chat": chat.chat_dict,
            "date": int(time.time()),
            **content,
        }
        chat.user_messages[message["message_id"]] = message
        return message

    async def send_text(self, text: str, *, entities: list[JsonDict] | None = None) -> int:
        """Send a text message; returns the update_id."""
        content: JsonDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self.standin.enqueue_update("message", self._new_message(**content))

    async def send_command(self, command: str, args: str | None = None) -> int:
        """Send ``/command args`` with the bot_command entity PTB's CommandHandler needs."""
        command = command.removeprefix("/")
        text = f"/{command}" if not args else f"/{command} {args}"
        entity = {"type": "bot_command", "offset": 0, "length": len(command) + 1}
        return await self.send_text(text, entities=[entity])

    async def send_sticker(self, emoji: str = "👍", *, set_name: str = "StandInStickers") -> int:
        sticker = {
            **_file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": set_name,
            "file_size": 23_456,
        }
        return self.standin.enqueue_update("message", self._new_message(sticker=sticker))

    async def send_photo(self, caption: str | None = None) -> int:
        base = _file_ids("photo")
        sizes = [
            {
                "file_id": f"{base['file_id']}{suffix}",
                "file_unique_id": f"{base['file_unique_id']}{suffix}",
                "width": width,
                "height": height,
                "file_size": size,
            }
            for suffix, width, height, size in (
                ("s", 90, 67, 1_200),
                ("m", 320, 240, 18_000),
                ("x", 1280, 960, 140_000),
            )
        ]
        content: JsonDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self.standin.enqueue_update("message", self._new_message(**content))

    async def send_voice(self, duration: int = 3) -> int:
        voice = {
            **_file_ids("voice"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * duration,
        }
        return self.standin.enqueue_update("message", self._new_message(voice=voice))

    async def edit_text(self, message_id: int, text: str) -> int:
        """Edit one of this user's earlier text messages (an ``edited_message`` update)."""
        chat = self.standin.chat(self.id)
        original = chat.user_messages.get(message_id)
        if original is None or "text" not in original:
            raise ValueError(f"user {self.id} has no text message {message_id} to edit")
        edited = {**original, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        chat.user_messages[message_id] = edited
        return self.standin.enqueue_update("edited_message", edited)

    def last_message_id(self) -> int | None:
        """Id of the most recent message this user sent (useful for :meth:`edit_text`)."""
        user_messages = self.standin.chat(self.id).user_messages
        return next(reversed(user_messages)) if user_messages else None

    # -- buttons ------------------------------------------------------------------------------

    async def press(
        self, message: SentMessage | int, index: int | None = None, *, data: str | None = None
    ) -> str:
        """Press an inline button of a bot message; returns the callback query id.

        ``index`` counts buttons row by row; ``data`` picks the button by callback_data. The
        message's *current* keyboard is used, so pressing a button an edit removed fails.
        """
        chat = self.standin.chat(self.id)
        message_id = message if isinstance(message, int) else message.message_id
        current = chat.by_id.get(message_id)
        if current is None:
            raise ValueError(f"chat {self.id} has no bot message {message_id}")
        buttons = current.buttons
        if data is not None:
            matches = [b for b in buttons if b[1] == data]
            if not matches:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {data!r}; "
                    f"buttons: {buttons}"
                )
        elif index is not None:
            if not 0 <= index < len(buttons):
                raise ValueError(
                    f"message {message_id} has {len(buttons)} buttons, not {index + 1}"
                )
            if buttons[index][1] is None:
                raise ValueError(f"button {index} of message {message_id} has no callback_data")
            data = buttons[index][1]
        else:
            raise ValueError("press() needs an index or data=")
        query_id = self.standin.open_callback_query(self.id)
        self.standin.enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": self.as_dict(),
                "message": self.standin.message_dict(current),
                "chat_instance": f"{self.id * 7919 % 10**12:012d}",
                "data": data,
            },
        )
        return query_id

    # -- membership ---------------------------------------------------------------------------

    async def block(self) -> int:
        """Block the bot: sends then fail with 403, and a my_chat_member update is queued."""
        self.standin.block(self.id)
        return self._member_update("member", "kicked")

    async def unblock(self) -> int:
        self.standin.unblock(self.id)
        return self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> int:
        def member(status: str) -> JsonDict:
            result: JsonDict = {"status": status, "user": self.standin.bot_user}
            if status == "kicked":
                result["until_date"] = 0
            return result

        return self.standin.enqueue_update(
            "my_chat_member",
            {
                "chat": self.standin.chat(self.id).chat_dict,
                "from": self.as_dict(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )
