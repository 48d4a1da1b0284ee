"""The aiohttp transport against the stand-in: the same answers, errors and limits as
python-telegram-bot's httpx transport, and never the token in an error."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import hashlib
import os
import socket
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app import build_application
from delivery.deliverer import classify_error
from infra.clock import ControllableClock
from infra.i18n import Catalog
from infra.settings import Transport
from infra.transport import (
    POOL_TIMEOUT_MESSAGE,
    AiohttpRequest,
    build_request,
    describe_start_failure,
)
from standin import BotApiStandIn
from storage.db import Database
from tests.conftest import TOKEN, make_settings
from usecases.services import Services

SECRET = TOKEN.partition(":")[2]
RequestFactory = Callable[..., BaseRequest]

FACTORIES: dict[str, RequestFactory] = {"aiohttp": AiohttpRequest, "httpx": HTTPXRequest}


@pytest.fixture(params=sorted(FACTORIES))
def make_request(request: pytest.FixtureRequest) -> RequestFactory:
    return FACTORIES[request.param]


@pytest.fixture
async def standin(bot_api: BotApiStandIn) -> AsyncIterator[BotApiStandIn]:
    bot_api.user(1001)
    yield bot_api
    assert bot_api.violations == []


def _bot(standin: BotApiStandIn, request: BaseRequest, base_url: str | None = None) -> Bot:
    return Bot(TOKEN, base_url=base_url or standin.base_url, request=request)


def _assert_no_token(text: str) -> None:
    assert TOKEN not in text
    assert SECRET not in text


async def _outcome(bot: Bot, chat_id: int = 1001) -> tuple[str, str, str]:
    """(exception type, its text, delivery's reason) for one send_message."""
    try:
        await bot.send_message(chat_id, "hi")
    except TelegramError as exc:
        _assert_no_token(str(exc))
        return type(exc).__name__, str(exc), classify_error(exc).reason
    return "ok", "", ""


# --- answers and errors, as httpx gives them ---------------------------------------------


async def test_requests_reach_telegram_and_answers_come_back(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    async with _bot(standin, make_request()) as bot:
        assert bot.username == "tsunagari_test_bot"
        message = await bot.send_message(1001, "こんにちは & ようこそ", parse_mode="HTML")
        assert message.text == "こんにちは & ようこそ"
        raw = await bot.do_api_request("SendMessage", api_kwargs={"chat_id": 1001, "text": "x"})
        assert raw["message_id"] == message.message_id + 1
    assert [m.text for m in standin.messages_to(1001)] == ["こんにちは & ようこそ", "x"]


async def _fault_outcomes(standin: BotApiStandIn, request: BaseRequest) -> list[tuple[str, ...]]:
    faults: list[dict[str, Any]] = [
        {"kind": "retry_after", "retry_after": 3},
        {"kind": "server_error"},
        {"kind": "server_error", "status": 500, "description": "Internal Server Error"},
        {"kind": "error", "description": "Bad Request: chat not found"},
        {"kind": "error", "description": "Bad Request: message text is empty"},
        {"kind": "error", "status": 403, "description": "Forbidden: bot was blocked by the user"},
        {"kind": "reset"},
    ]
    outcomes = []
    async with _bot(standin, request) as bot:
        for fault in faults:
            standin.faults.add(method="sendMessage", **fault)
            outcomes.append(await _outcome(bot))
        outcomes.append(await _outcome(bot))  # and then it works again
    return outcomes


async def test_status_codes_map_to_the_same_errors_as_httpx(standin: BotApiStandIn) -> None:
    ours = await _fault_outcomes(standin, AiohttpRequest())
    theirs = await _fault_outcomes(standin, HTTPXRequest())
    kinds = [(kind, reason) for kind, _, reason in ours]
    assert kinds == [
        ("RetryAfter", "flood_control"),
        ("NetworkError", "network"),
        ("NetworkError", "network"),
        ("BadRequest", "chat_not_found"),
        ("BadRequest", "bad_request"),
        ("Forbidden", "blocked"),
        ("NetworkError", "network"),
        ("ok", ""),
    ]
    assert kinds == [(kind, reason) for kind, _, reason in theirs]
    # Telegram's own descriptions come through unchanged (the reset's words differ by client).
    assert [text for _, text, _ in ours][:6] == [text for _, text, _ in theirs][:6]


async def test_retry_after_carries_the_seconds(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    standin.faults.add(method="sendMessage", kind="retry_after", retry_after=7)
    async with _bot(standin, make_request()) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "hi")
    assert caught.value.retry_after == timedelta(seconds=7)
    assert classify_error(caught.value).retry_after == 7.0


async def test_a_blocked_chat_is_forbidden(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    standin.block(1001)
    async with _bot(standin, make_request()) as bot:
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(1001, "hi")


async def test_an_unknown_chat_is_a_bad_request(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    async with _bot(standin, make_request()) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(424242, "hi")


# --- timeouts ------------------------------------------------------------------------------


async def test_a_slow_answer_times_out(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    standin.faults.add(method="sendMessage", kind="slow", delay=1.0)
    async with _bot(standin, make_request(read_timeout=0.2)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(1001, "hi")
        assert time.monotonic() - started < 0.9
    assert classify_error(caught.value).reason == "timed_out"
    _assert_no_token(str(caught.value))


async def test_a_timeout_given_per_call_overrides_the_default(standin: BotApiStandIn) -> None:
    standin.faults.add(method="sendMessage", kind="slow", delay=0.4, count=2)
    async with _bot(standin, AiohttpRequest(read_timeout=0.1)) as bot:
        # DEFAULT_NONE: the instance's 0.1 s.
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "default")
        # Given: waits long enough.
        assert (await bot.send_message(1001, "patient", read_timeout=3.0)).text == "patient"
        assert bot.request.read_timeout == 0.1


async def test_a_write_that_cannot_finish_times_out() -> None:
    """A server that never reads: the body cannot go out, and the write timeout says so."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        request = AiohttpRequest(write_timeout=0.3)
        async with request:
            data = RequestData([RequestParameter.from_input("text", "x" * 20_000_000)])
            started = time.monotonic()
            with pytest.raises(TimedOut, match="sending"):
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage", data)
            assert time.monotonic() - started < 5


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose accept queue is full, so new connections are never completed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_connection_that_is_never_accepted_times_out(unanswered_port: int) -> None:
    async with AiohttpRequest(connect_timeout=0.3) as request:
        with pytest.raises(TimedOut, match="connecting"):
            await request.post(f"http://127.0.0.1:{unanswered_port}/bot{TOKEN}/getMe")


# --- connection failures -------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_connection_is_a_network_error(make_request: RequestFactory) -> None:
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}/bot", request=make_request())
    with pytest.raises(NetworkError) as caught:
        async with bot:
            pass
    assert not isinstance(caught.value, TimedOut)
    assert classify_error(caught.value).reason == "network"
    _assert_no_token(str(caught.value))


async def test_our_refusal_text_names_the_cause_but_not_the_url() -> None:
    port = _closed_port()
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert str(caught.value) == (
        f"aiohttp.ClientConnectorError: cannot connect to 127.0.0.1:{port}: Connection refused"
    )


async def test_a_reset_connection_is_a_network_error_and_the_next_call_works(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    async with _bot(standin, make_request()) as bot:
        await bot.send_message(1001, "warm")  # a kept-alive connection that will be reset
        standin.faults.add(method="sendMessage", kind="reset")
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(1001, "lost")
        assert not isinstance(caught.value, TimedOut)
        assert (await bot.send_message(1001, "again")).text == "again"
    assert [m.text for m in standin.messages_to(1001)] == ["warm", "again"]


# --- uploads -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3_000, 1_500_000])
async def test_a_photo_upload_arrives_byte_for_byte(
    standin: BotApiStandIn, make_request: RequestFactory, size: int
) -> None:
    photo = os.urandom(size)
    async with _bot(standin, make_request()) as bot:
        message = await bot.send_photo(
            1001,
            InputFile(photo, filename="今日の空.jpg"),
            caption="空の写真です",
            write_timeout=30.0,
        )
    assert message.caption == "空の写真です"
    assert message.photo[-1].file_size == size
    [sent] = standin.messages_to(1001)
    assert sent.photo is not None
    assert sent.photo.sha256 == hashlib.sha256(photo).hexdigest()
    assert sent.photo.size == size
    assert sent.photo.filename == "今日の空.jpg"


async def test_a_photo_by_file_id_needs_no_upload(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    async with _bot(standin, make_request()) as bot:
        message = await bot.send_photo(1001, "AgACexisting", caption="again")
    assert message.photo[-1].file_id == "AgACexisting"
    assert standin.messages_to(1001)[0].photo is not None


# --- the pool ------------------------------------------------------------------------------


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_no_more_requests_in_flight_than_the_pool_holds(standin: BotApiStandIn) -> None:
    standin.faults.add(method="sendMessage", kind="slow", delay=0.5, count=None)
    arrived = standin.stats.requests
    async with _bot(standin, AiohttpRequest(connection_pool_size=2, pool_timeout=None)) as bot:
        sends = [asyncio.create_task(bot.send_message(1001, f"m{i}")) for i in range(4)]
        await _until(lambda: arrived["sendMessage"] == 2)
        await asyncio.sleep(0.2)
        assert arrived["sendMessage"] == 2  # the other two wait for a connection
        await asyncio.gather(*sends)
    assert arrived["sendMessage"] == 4


async def test_a_full_pool_times_out_without_sending(standin: BotApiStandIn) -> None:
    standin.faults.add(method="sendMessage", kind="slow", delay=0.6, count=None)
    arrived = standin.stats.requests
    async with _bot(standin, AiohttpRequest(connection_pool_size=1, pool_timeout=0.1)) as bot:
        first = asyncio.create_task(bot.send_message(1001, "first"))
        await _until(lambda: arrived["sendMessage"] == 1)
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(1001, "second")
        assert str(caught.value) == POOL_TIMEOUT_MESSAGE
        await first
    assert arrived["sendMessage"] == 1


# --- proxy, lifecycle, construction --------------------------------------------------------


async def test_a_configured_proxy_carries_every_request(
    standin: BotApiStandIn, make_request: RequestFactory
) -> None:
    # The stand-in answers absolute-form requests, so it can play the proxy; the Bot API
    # host does not resolve, so nothing reaches it except through the proxy.
    request = make_request(proxy=standin.url)
    async with _bot(standin, request, base_url="http://telegram.invalid/bot") as bot:
        assert (await bot.send_message(1001, "via proxy")).text == "via proxy"


async def test_shutdown_closes_everything_and_initialize_reopens(standin: BotApiStandIn) -> None:
    request = AiohttpRequest()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bot = _bot(standin, request)
        async with bot:
            await bot.send_message(1001, "one")
        with pytest.raises(NetworkError, match="not initialized"):
            await bot.send_message(1001, "closed")
        async with bot:
            await bot.send_message(1001, "two")
        await request.shutdown()  # twice is harmless
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert [m.text for m in standin.messages_to(1001)] == ["one", "two"]


def test_only_http_1_1() -> None:
    assert AiohttpRequest().http_version == "1.1"
    with pytest.raises(ValueError, match=r"1\.1"):
        AiohttpRequest(http_version="2")


def test_the_pools_are_sized_from_delivery_concurrency() -> None:
    settings = make_settings(delivery__concurrency=20, telegram__proxy="http://proxy.internal:3128")
    main, updates = build_request(settings), build_request(settings, for_updates=True)
    assert isinstance(main, AiohttpRequest) and isinstance(updates, AiohttpRequest)
    assert (main.connection_pool_size, updates.connection_pool_size) == (24, 1)
    small = build_request(make_settings(delivery__concurrency=1))
    assert isinstance(small, AiohttpRequest) and small.connection_pool_size == 8


def test_httpx_stays_available() -> None:
    settings = make_settings(telegram__transport="httpx")
    assert settings.telegram.transport is Transport.HTTPX
    assert isinstance(build_request(settings), HTTPXRequest)
    assert isinstance(build_request(settings, for_updates=True), HTTPXRequest)


@pytest.mark.parametrize("transport", list(Transport))
async def test_the_application_uses_the_configured_transport(
    transport: Transport, bot_api: BotApiStandIn, tmp_path: Path, clock: ControllableClock
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    settings = make_settings(base_url=bot_api.base_url, telegram__transport=transport.value)
    svc = Services(settings=settings, db=db, clock=clock, catalog=Catalog("ja"))
    app = build_application(svc)
    expected = AiohttpRequest if transport is Transport.AIOHTTP else HTTPXRequest
    try:
        polls, calls = app.bot._request
        assert isinstance(polls, expected) and isinstance(calls, expected)
        async with app:
            assert app.bot.username == "tsunagari_test_bot"
    finally:
        await db.dispose()


# --- the one line for a start that failed --------------------------------------------------


def _caused(exc: TelegramError, cause: BaseException) -> TelegramError:
    exc.__cause__ = cause
    return exc


REJECTED = InvalidToken(f"The token `{TOKEN}` was rejected by the server.")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            _caused(
                InvalidToken(f"The token `{TOKEN}` was rejected"), InvalidToken("Unauthorized")
            ),
            "telegram.token was rejected by Telegram (401 Unauthorized); "
            "check the token from @BotFather",
        ),
        (
            _caused(InvalidToken(str(REJECTED)), InvalidToken("Not Found")),
            "telegram.token was rejected, or telegram.base_url does not lead to the Bot API "
            "(404 Not Found at https://proxy.example:8443/bot); check the token from "
            "@BotFather and telegram.base_url",
        ),
        (
            TimedOut(),
            "Telegram at https://proxy.example:8443/bot did not answer in time; "
            "check telegram.base_url, telegram.proxy and the network",
        ),
        (
            _caused(NetworkError("httpx.ConnectError"), OSError(errno.EHOSTUNREACH, "x")),
            "cannot reach Telegram at https://proxy.example:8443/bot: no route to host; "
            "check telegram.base_url, telegram.proxy and the network",
        ),
        (
            NetworkError(f"Bad Gateway at /bot{TOKEN}/getMe"),
            "cannot reach Telegram at https://proxy.example:8443/bot: Bad Gateway at "
            "/bot<token>/getMe; check telegram.base_url, telegram.proxy and the network",
        ),
        (
            BadRequest(f"odd answer quoting {SECRET}"),
            "Telegram refused a start-up request (BadRequest: odd answer quoting <token>); "
            "check the [telegram] settings",
        ),
    ],
    ids=["401", "404", "timed out", "no route", "5xx", "other"],
)
def test_a_failed_start_is_described_in_one_line_without_the_token(
    exc: TelegramError, expected: str
) -> None:
    # Credentials in base_url are not printed either.
    settings = make_settings(base_url="https://user:pw@proxy.example:8443/bot?x=1")
    line = describe_start_failure(exc, settings)
    assert line == expected
    assert "\n" not in line and "pw" not in line
    _assert_no_token(line)
