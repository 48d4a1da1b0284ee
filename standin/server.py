"""The Bot API stand-in: an aiohttp server that plays Telegram for the bot.

Design
------
* One :class:`BotApiStandIn` owns all state (chats, sent messages, pending updates, webhook,
  commands, faults) and serves ``/bot<token>/<method>``. Tests, the demo and benchmarks drive
  it in-process through :class:`~standin.users.SimulatedUser` objects and the ``wait_for_*``
  helpers; ``/_control/`` exposes a thin HTTP version of the same for curl.
* Every request is validated against the published spec before anything else happens. A
  violation is answered the way Telegram would (400), but is also logged at ERROR and appended
  to :attr:`BotApiStandIn.violations`, which test fixtures assert to be empty: the goal is that
  a malformed request can never pass silently in tests and then fail in production.
* Semantic errors that real Telegram produces for well-formed requests (chat not found,
  message to edit not found, bot blocked, message not modified...) are plain API errors, not
  violations: tests provoke them on purpose.
* Waiting never polls. Long-poll ``getUpdates``, webhook delivery and the test-side
  ``wait_for_*`` helpers all park on :class:`_Signal`, a lock-free broadcast built on futures,
  so the hot request path notifies without taking an asyncio lock.
* Memory stays bounded for benchmarks: per-chat message history, the request log and the
  callback-answer log are capped deques; counters in :attr:`BotApiStandIn.stats` are always on.
* Nothing logs message text or the token; logs carry methods, chat ids and update ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from standin.faults import FaultInjector, FloodLimiter, retry_after_body
from standin.models import (
    CallbackAnswer,
    RecordedRequest,
    SentMessage,
    SentPhoto,
    StandInStats,
    TextEdit,
    UpdateTiming,
    Violation,
)
from standin.validation import ApiSpec, SpecViolation, UploadedFile, load_spec

if TYPE_CHECKING:
    from standin.users import SimulatedUser

logger = logging.getLogger("standin")

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Awaitable[Any]]

# Update kinds Telegram leaves out when allowed_updates is empty or never set.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Methods that put something in a chat: blocked chats and flood limits apply to these.
_CHAT_WRITE_PREFIXES = ("send", "edit", "copy", "forward", "stop")

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
NOT_MODIFIED_DESCRIPTION = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Telegram-style error answer for a well-formed request."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _ConnectionReset(Exception):
    """An injected fault: drop the connection without an answer."""


class _Signal:
    """Broadcast "something changed" to any number of waiters without an asyncio lock."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_until(
        self,
        ready: Callable[[], bool],
        timeout: float | None,  # noqa: ASYNC109 - the deadline spans several waits
    ) -> bool:
        """Wait until ``ready()`` is true; False if ``timeout`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not ready():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return ready()
        return True


@dataclass(slots=True)
class ChatState:
    """A private chat between the bot and one simulated user."""

    user: JsonDict
    max_messages: int | None
    blocked: bool = False
    next_message_id: int = 1
    sent: deque[SentMessage] = field(default_factory=deque)
    by_id: dict[int, SentMessage] = field(default_factory=dict)
    # Messages the user sent, by id: the text is needed for edited_message updates.
    user_messages: dict[int, JsonDict] = field(default_factory=dict)
    # wait_for_message / wait_for_edit cursors: the last message id / edit sequence seen.
    read_cursor: int = 0
    edit_log: deque[tuple[int, SentMessage]] = field(default_factory=deque)
    edit_total: int = 0
    edit_cursor: int = 0

    @property
    def chat_id(self) -> int:
        return int(self.user["id"])

    @property
    def chat_dict(self) -> JsonDict:
        chat: JsonDict = {"id": self.user["id"], "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def store(self, message: SentMessage) -> None:
        self.sent.append(message)
        self.by_id[message.message_id] = message
        if self.max_messages is not None:
            while len(self.sent) > self.max_messages:
                self.by_id.pop(self.sent.popleft().message_id, None)
            while len(self.user_messages) > self.max_messages:
                self.user_messages.pop(next(iter(self.user_messages)))
            while len(self.edit_log) > self.max_messages:
                self.edit_log.popleft()


@dataclass(slots=True)
class WebhookState:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotApiStandIn:
    """A local, spec-validating stand-in for the Telegram Bot API."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "tsunagari_test_bot",
        *,
        bot_first_name: str = "Tsunagari Test",
        record_requests: bool = True,
        max_recorded_requests: int = 10_000,
        max_messages_per_chat: int | None = 1000,
        strict_chats: bool = True,
        enforce_flood_limits: bool = False,
        spec: ApiSpec | None = None,
    ) -> None:
        self.token = token
        bot_id_text = token.split(":", 1)[0]
        self.bot_user: JsonDict = {
            "id": int(bot_id_text) if bot_id_text.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.spec = spec or load_spec()
        self.record_requests = record_requests
        self.max_messages_per_chat = max_messages_per_chat
        self.strict_chats = strict_chats

        self.violations: list[Violation] = []
        self.requests: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self.stats = StandInStats()
        self.faults = FaultInjector()
        self.flood_limiter: FloodLimiter | None = FloodLimiter() if enforce_flood_limits else None
        self.callback_answers: deque[CallbackAnswer] = deque(maxlen=max_recorded_requests)
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, SimulatedUser] = {}
        self._pending: deque[JsonDict] = deque()
        # Bounded like the request log: oldest first, dropped past max_recorded_requests.
        self._update_timings: dict[int, UpdateTiming] = {}
        self._max_update_timings = max_recorded_requests
        self._update_ids = itertools.count(100_001)
        # The id most recently given to an update (0 before the first).
        self.last_update_id = 0
        self._allowed_updates: frozenset[str] | None = None
        self._open_queries: dict[str, int] = {}
        self._query_ids = itertools.count(7_000_000_001)
        self._photo_ids = itertools.count(1)
        self._answers_total = 0
        self._answer_cursor = 0
        self._webhook: WebhookState | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._poll_owner: object | None = None
        self._closing = False

        # Two signals so that bot-side activity does not wake long-polls and vice versa.
        self._updates_signal = _Signal()
        self._bot_signal = _Signal()

        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._handlers: dict[str, Handler] = self._method_table()

    def _method_table(self) -> dict[str, Handler]:
        """The Bot API methods the stand-in answers, by name."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._true,
            "logOut": self._true,
        }

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Pass as ``telegram.Bot(base_url=...)``; PTB appends ``<token>/<method>``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def make_app(self) -> web.Application:
        from standin.control import add_control_routes

        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._closing = False
        # access_log=None: the default access log would write the token (it is in the path).
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        logger.info("Bot API stand-in listening on %s:%d", host, self.port)

    async def stop(self) -> None:
        self._closing = True
        # Release long-polls and waiters so the runner does not wait for them on cleanup.
        self._updates_signal.notify()
        self._bot_signal.notify()
        await self._stop_webhook_delivery()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- request handling ---------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            self.stats.errors["<unauthorized>"] += 1
            return _error_response(401, "Unauthorized")
        name = request.match_info["method"]
        method = self.spec.method(name)
        if method is None:
            # Method names come from the bot, never user text: safe to log.
            self._record_violation(name[:64], f"unknown method '{name[:64]}'")
            return _error_response(404, "Not Found: method not found")
        canonical = method.name
        self.stats.requests[canonical] += 1
        try:
            raw = await _read_params(request)
            params = method.validate(raw, from_form=True)
        except SpecViolation as exc:
            self.stats.errors[canonical] += 1
            self._record_violation(canonical, exc.what)
            self._record(canonical, {}, 400, exc.what)
            return _error_response(400, f"Bad Request: standin spec violation: {exc.what}")

        try:
            result = await self._dispatch(canonical, params)
        except _ConnectionReset:
            self.stats.errors[canonical] += 1
            self._record(canonical, params, 0, "connection reset")
            if request.transport is not None:
                request.transport.abort()
            # Never written: the connection is gone, as after a reset.
            return web.Response(status=200)
        except ApiError as exc:
            self.stats.errors[canonical] += 1
            self._record(canonical, params, exc.status, exc.description)
            return _error_response(exc.status, exc.description, exc.parameters)
        self._record(canonical, params, 200)
        return _json_response(200, {"ok": True, "result": result})

    async def _dispatch(self, method: str, params: JsonDict) -> Any:
        fault = self.faults.check(method, params)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.reset:
                logger.warning("injected connection reset for %s", method)
                raise _ConnectionReset
            if fault.status is not None and fault.body is not None:
                logger.warning("injected fault %d for %s", fault.status, method)
                raise ApiError(
                    fault.status, fault.body["description"], fault.body.get("parameters")
                )
        if method.startswith(_CHAT_WRITE_PREFIXES) and "chat_id" in params:
            chat = self._find_chat(params["chat_id"])
            if chat is not None and chat.blocked:
                raise ApiError(403, BLOCKED_DESCRIPTION)
            if self.flood_limiter is not None:
                wait = self.flood_limiter.retry_after(params["chat_id"])
                if wait is not None:
                    body = retry_after_body(wait)
                    raise ApiError(429, body["description"], body["parameters"])
        handler = self._handlers.get(method)
        if handler is None:
            self._record_violation(method, f"standin does not implement {method}")
            raise ApiError(400, f"Bad Request: standin does not implement {method}")
        return await handler(params)

    def _record_violation(self, method: str, what: str) -> None:
        logger.error("Bot API spec violation in %s: %s", method, what)
        self.violations.append(Violation(method, what))

    def _record(
        self, method: str, params: JsonDict, status: int, description: str | None = None
    ) -> None:
        if self.record_requests:
            safe = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
            self.requests.append(RecordedRequest(method, safe, status, description))

    # -- chats and messages -------------------------------------------------------------------

    def _find_chat(self, chat_id: Any) -> ChatState | None:
        if type(chat_id) is int:
            return self._chats.get(chat_id)
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.user.get("username") == chat_id[1:]:
                    return chat
        return None

    def _chat_for(self, chat_id: Any) -> ChatState:
        chat = self._find_chat(chat_id)
        if chat is not None:
            return chat
        if type(chat_id) is int and not self.strict_chats:
            return self._ensure_chat({"id": chat_id, "is_bot": False, "first_name": "User"})
        raise ApiError(400, "Bad Request: chat not found")

    def _ensure_chat(self, user: JsonDict) -> ChatState:
        chat = self._chats.get(user["id"])
        if chat is None:
            chat = self._chats[user["id"]] = ChatState(user, self.max_messages_per_chat)
        else:
            chat.user = user
        return chat

    def message_dict(self, message: SentMessage) -> JsonDict:
        """The Bot API ``Message`` object for a message the bot sent."""
        chat = self._chats[message.chat_id]
        result: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": chat.chat_dict,
            "date": message.date,
        }
        if message.text is not None:
            result["text"] = message.text
        if message.entities:
            result["entities"] = message.entities
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        if message.photo is not None:
            size: JsonDict = {
                "file_id": message.photo.file_id,
                "file_unique_id": message.photo.file_unique_id,
                "width": 320,
                "height": 240,
            }
            if message.photo.size is not None:
                size["file_size"] = message.photo.size
            result["photo"] = [size]
        if message.caption is not None:
            result["caption"] = message.caption
        return result

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to ``chat_id``, oldest first (bounded by max_messages_per_chat)."""
        chat = self._chats.get(chat_id)
        return list(chat.sent) if chat is not None else []

    def _message_for_edit(self, params: JsonDict) -> tuple[ChatState, SentMessage]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: message to edit not found")
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._chat_for(params["chat_id"])
        message = chat.by_id.get(params["message_id"])
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    def _apply_edit(
        self,
        chat: ChatState,
        message: SentMessage,
        text: str | None,
        parse_mode: str | None,
        entities: list[JsonDict] | None,
        reply_markup: JsonDict | None,
    ) -> JsonDict:
        if text == message.text and reply_markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED_DESCRIPTION)
        message.edits.append(
            TextEdit(message.text, message.reply_markup, message.parse_mode, message.edit_date)
        )
        message.text = text
        message.parse_mode = parse_mode
        message.entities = entities
        message.reply_markup = reply_markup
        message.edit_date = int(time.time())
        message.edited_at = time.monotonic()
        chat.edit_total += 1
        chat.edit_log.append((chat.edit_total, message))
        self._bot_signal.notify()
        logger.debug("bot edited message %d in chat %d", message.message_id, chat.chat_id)
        return self.message_dict(message)

    # -- Bot API methods ----------------------------------------------------------------------

    async def _true(self, params: JsonDict) -> bool:
        return True

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._chat_for(params["chat_id"])
        markup = params.get("reply_markup")
        message = SentMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.chat_id,
            text=params["text"],
            # Only inline keyboards are part of the returned Message in real Telegram.
            reply_markup=markup
            if isinstance(markup, dict) and "inline_keyboard" in markup
            else None,
            date=int(time.time()),
            parse_mode=params.get("parse_mode"),
            entities=params.get("entities"),
            received_at=time.monotonic(),
        )
        chat.store(message)
        self._bot_signal.notify()
        logger.debug("bot sent message %d to chat %d", message.message_id, chat.chat_id)
        return self.message_dict(message)

    async def _send_photo(self, params: JsonDict) -> JsonDict:
        chat = self._chat_for(params["chat_id"])
        n = next(self._photo_ids)
        unique = f"AQADph{n:08d}"
        given = params["photo"]
        if isinstance(given, UploadedFile):
            photo = SentPhoto(
                f"AgACphoto{n:012d}bot", unique, given.size, given.sha256, given.filename
            )
        else:
            # A file_id is sent on as it is; a URL becomes a new file, as Telegram does.
            is_url = given.startswith(("http://", "https://"))
            photo = SentPhoto(f"AgACphoto{n:012d}bot" if is_url else given, unique)
        markup = params.get("reply_markup")
        message = SentMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.chat_id,
            text=None,
            reply_markup=markup
            if isinstance(markup, dict) and "inline_keyboard" in markup
            else None,
            date=int(time.time()),
            parse_mode=params.get("parse_mode"),
            photo=photo,
            caption=params.get("caption"),
        )
        chat.store(message)
        self._bot_signal.notify()
        logger.debug("bot sent photo %d to chat %d", message.message_id, chat.chat_id)
        return self.message_dict(message)

    async def _edit_message_text(self, params: JsonDict) -> JsonDict:
        chat, message = self._message_for_edit(params)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        return self._apply_edit(
            chat,
            message,
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            params.get("reply_markup"),
        )

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        chat, message = self._message_for_edit(params)
        return self._apply_edit(
            chat,
            message,
            message.text,
            message.parse_mode,
            message.entities,
            params.get("reply_markup"),
        )

    async def _delete_message(self, params: JsonDict) -> bool:
        chat = self._chat_for(params["chat_id"])
        message = chat.by_id.pop(params["message_id"], None)
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        chat.sent.remove(message)
        return True

    async def _send_chat_action(self, params: JsonDict) -> bool:
        self._chat_for(params["chat_id"])
        return True

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = params["callback_query_id"]
        chat_id = self._open_queries.pop(query_id, None)
        if chat_id is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                chat_id=chat_id,
                text=params.get("text"),
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
            )
        )
        self._answers_total += 1
        self._bot_signal.notify()
        return True

    @staticmethod
    def _command_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code", "")

    async def _set_my_commands(self, params: JsonDict) -> bool:
        self.commands[self._command_key(params)] = list(params["commands"])
        return True

    async def _delete_my_commands(self, params: JsonDict) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return self.commands.get(self._command_key(params), [])

    def commands_for(
        self, scope: JsonDict | None = None, language_code: str = ""
    ) -> list[JsonDict]:
        """Commands the bot registered for ``scope`` (default scope when None)."""
        params: JsonDict = {"language_code": language_code}
        if scope is not None:
            params["scope"] = scope
        return self.commands.get(self._command_key(params), [])

    # -- updates: getUpdates ------------------------------------------------------------------

    def _set_allowed_updates(self, allowed: list[str] | None) -> None:
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else None

    def _update_allowed(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def enqueue_update(self, kind: str, payload: JsonDict) -> int:
        """Queue an update of ``kind`` (e.g. "message"); returns its update_id.

        Like Telegram, kinds outside ``allowed_updates`` are never stored, though they still
        consume an update_id.
        """
        update_id = next(self._update_ids)
        self.last_update_id = update_id
        if self._update_allowed(kind):
            self._pending.append({"update_id": update_id, kind: payload})
            self._time_update(update_id, kind, payload)
            self._updates_signal.notify()
            logger.debug("queued %s update %d", kind, update_id)
        return update_id

    def _time_update(self, update_id: int, kind: str, payload: JsonDict) -> None:
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        sender = payload.get("from") or {}
        chat_id = chat.get("id") if isinstance(chat, dict) else sender.get("id")
        timings = self._update_timings
        timings[update_id] = UpdateTiming(update_id, kind, chat_id, time.monotonic())
        while len(timings) > self._max_update_timings:
            del timings[next(iter(timings))]

    def _mark_handed(self, updates: Iterable[JsonDict]) -> None:
        # Only the first hand-over counts: getUpdates repeats an update until it is
        # confirmed, and that repeat is not when the bot first could have acted on it.
        now = time.monotonic()
        for update in updates:
            timing = self._update_timings.get(update["update_id"])
            if timing is not None and timing.handed_at is None:
                timing.handed_at = now

    def update_timing(self, update_id: int) -> UpdateTiming | None:
        """When update ``update_id`` was queued and first handed to the bot (if recorded)."""
        return self._update_timings.get(update_id)

    def update_timings(self, since: int = 0) -> list[UpdateTiming]:
        """Timings of the recorded updates with ``update_id >= since``, oldest first."""
        return [t for t in self._update_timings.values() if t.update_id >= since]

    @property
    def pending_updates(self) -> list[JsonDict]:
        return list(self._pending)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None:
            self._confirm(offset)
        self._set_allowed_updates(params.get("allowed_updates"))
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)

        # A newer getUpdates terminates an older one, as Telegram does when two bot
        # instances poll with the same token.
        owner = object()
        self._poll_owner = owner
        self._updates_signal.notify()
        if timeout:
            await self._updates_signal.wait_until(
                lambda: bool(self._pending) or self._poll_owner is not owner or self._closing,
                timeout,
            )
        if self._poll_owner is not owner:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        self._poll_owner = None
        updates = list(itertools.islice(self._pending, limit))
        self.stats.updates_delivered += len(updates)
        self._mark_handed(updates)
        return updates

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            # Negative offsets keep only the last -offset updates.
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    # -- updates: webhook ---------------------------------------------------------------------

    async def _set_webhook(self, params: JsonDict) -> bool:
        url = params["url"]
        if not url:
            await self._remove_webhook(params.get("drop_pending_updates", False))
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._set_allowed_updates(params.get("allowed_updates"))
        await self._stop_webhook_delivery()
        self._webhook = WebhookState(
            url=url,
            secret_token=params.get("secret_token"),
            max_connections=params.get("max_connections", 40),
        )
        self._webhook_task = asyncio.create_task(self._deliver_webhooks(self._webhook))
        logger.info("webhook set; delivering updates by HTTP POST")
        return True

    async def _delete_webhook(self, params: JsonDict) -> bool:
        await self._remove_webhook(params.get("drop_pending_updates", False))
        return True

    async def _remove_webhook(self, drop_pending: bool) -> None:
        await self._stop_webhook_delivery()
        self._webhook = None
        if drop_pending:
            self._pending.clear()

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        hook = self._webhook
        info: JsonDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    async def _deliver_webhooks(self, hook: WebhookState) -> None:
        # One update at a time keeps delivery order identical to getUpdates.
        if self._client is None:
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        failures = 0
        while not self._closing:
            await self._updates_signal.wait_until(
                lambda: bool(self._pending) or self._closing, None
            )
            if self._closing:
                return
            update = self._pending[0]
            self._mark_handed((update,))
            error = await self._post_update(hook.url, update, headers)
            if error is None:
                failures = 0
                if self._pending and self._pending[0] is update:
                    self._pending.popleft()
                self.stats.updates_delivered += 1
                continue
            failures += 1
            self.stats.webhook_failures += 1
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            logger.warning("webhook delivery of update %d failed: %s", update["update_id"], error)
            # Small capped backoff: tests want quick recovery, not Telegram's minutes.
            await asyncio.sleep(min(0.05 * 2 ** min(failures, 5), 1.0))

    async def _post_update(self, url: str, update: JsonDict, headers: dict[str, str]) -> str | None:
        assert self._client is not None
        try:
            async with self._client.post(
                url, data=json.dumps(update).encode(), headers=headers
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {type(exc).__name__}"

    # -- simulated users (control side) -------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimulatedUser:
        """The simulated user ``user_id`` (created on first use); their chat id is their id."""
        from standin.users import SimulatedUser

        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        simulated = SimulatedUser(
            self,
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user_id] = simulated
        self._ensure_chat(simulated.as_dict())
        return simulated

    def chat(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id}: create it with standin.user({chat_id})")
        return chat

    def block(self, chat_id: int) -> None:
        """Make the bot's sends to ``chat_id`` fail with 403, without emitting an update."""
        self.chat(chat_id).blocked = True

    def unblock(self, chat_id: int) -> None:
        self.chat(chat_id).blocked = False

    def open_callback_query(self, chat_id: int) -> str:
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = chat_id
        return query_id

    # -- waiting for the bot (control side) ---------------------------------------------------

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test-facing API by design
        *,
        include_seen: bool = False,
    ) -> SentMessage:
        """Wait for the next message the bot sends to ``chat_id`` that satisfies ``predicate``.

        "Next" is relative to a per-chat cursor that every successful wait advances, so a reply
        that arrived before this call is still found, and two calls return two messages.
        ``include_seen=True`` searches the whole history instead.
        """
        chat = self.chat(chat_id)
        found: list[SentMessage] = []

        def ready() -> bool:
            for message in chat.sent:
                if not include_seen and message.message_id <= chat.read_cursor:
                    continue
                if predicate is None or predicate(message):
                    found.append(message)
                    return True
            return False

        if not await self._bot_signal.wait_until(ready, timeout):
            raise TimeoutError(
                f"no matching message to chat {chat_id} within {timeout}s; "
                f"the bot sent: {self._describe(chat)}"
            )
        message = found[0]
        chat.read_cursor = max(chat.read_cursor, message.message_id)
        return message

    async def messages_after(
        self,
        chat_id: int,
        after: int,
        timeout: float = 0.0,  # noqa: ASYNC109 - part of the control API by design
    ) -> list[SentMessage]:
        """The bot's messages in ``chat_id`` with an id above ``after``, waiting up to
        ``timeout`` seconds for the first one; moves no ``wait_for_*`` cursor.

        A chat's ids count the user's messages too, so ``after`` may be the id of the
        message a user just sent: what follows is what the bot sent since.
        """

        def newer() -> list[SentMessage]:
            # Looked up each time: a lenient stand-in creates the chat on the first send.
            chat = self._chats.get(chat_id)
            return [m for m in chat.sent if m.message_id > after] if chat is not None else []

        if timeout > 0:
            await self._bot_signal.wait_until(lambda: bool(newer()) or self._closing, timeout)
        return newer()

    async def wait_for_edit(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test-facing API by design
    ) -> SentMessage:
        """Wait for the next edit of a bot message in ``chat_id``; returns the message.

        Like :meth:`wait_for_message`, a per-chat cursor makes each call see a new edit.
        """
        chat = self.chat(chat_id)
        found: list[tuple[int, SentMessage]] = []

        def ready() -> bool:
            for seq, message in chat.edit_log:
                if seq <= chat.edit_cursor:
                    continue
                if predicate is None or predicate(message):
                    found.append((seq, message))
                    return True
            return False

        if not await self._bot_signal.wait_until(ready, timeout):
            raise TimeoutError(
                f"no matching edit in chat {chat_id} within {timeout}s; "
                f"messages now: {self._describe(chat)}"
            )
        seq, message = found[0]
        chat.edit_cursor = seq
        return message

    async def wait_for_callback_answer(
        self,
        query_id: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test-facing API by design
    ) -> CallbackAnswer:
        """Wait for the answer to ``query_id`` (or the next unseen answer when None)."""
        found: list[CallbackAnswer] = []

        def ready() -> bool:
            answers = self.callback_answers
            first_index = self._answers_total - len(answers)
            for index, answer in enumerate(answers, start=first_index):
                if query_id is None and index < self._answer_cursor:
                    continue
                if query_id is None or answer.callback_query_id == query_id:
                    found.append(answer)
                    if query_id is None:
                        self._answer_cursor = index + 1
                    return True
            return False

        if not await self._bot_signal.wait_until(ready, timeout):
            raise TimeoutError(
                f"callback query {query_id or '(any)'} was not answered within {timeout}s; "
                f"open queries: {sorted(self._open_queries)}"
            )
        return found[0]

    @staticmethod
    def _describe(chat: ChatState) -> str:
        if not chat.sent:
            return "nothing"
        parts = [
            f"#{m.message_id} {(m.text or '')[:60]!r} buttons={[b[1] for b in m.buttons]}"
            for m in list(chat.sent)[-10:]
        ]
        return "; ".join(parts)

    def iter_chats(self) -> Iterable[ChatState]:
        """All chats with simulated users (for demos and reports)."""
        return self._chats.values()


async def _read_params(request: web.Request) -> JsonDict:
    params: JsonDict = dict(request.query)
    if request.method not in ("POST", "PUT"):
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise SpecViolation("request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise SpecViolation("JSON request body must be an object")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = UploadedFile(
                    value.filename,
                    value.content_type,
                    len(data),
                    hashlib.sha256(data).hexdigest(),
                )
            else:
                params[key] = value
    elif request.can_read_body:
        body_bytes = await request.read()
        if body_bytes.strip():
            raise SpecViolation(f"unsupported request content type '{content_type}'")
    return params


def _json_response(status: int, body: JsonDict) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, separators=(",", ":")).encode(),
        content_type="application/json",
    )


def _error_response(
    status: int, description: str, parameters: JsonDict | None = None
) -> web.Response:
    body: JsonDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return _json_response(status, body)
