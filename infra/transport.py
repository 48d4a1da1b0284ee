"""python-telegram-bot's HTTP layer over aiohttp, and the choice between it and httpx.

PTB's default transport (httpx) cost about 1.4 ms of CPU per Bot API call on this project's
machines, most of the bot's CPU per delivered check-in; the same `Bot` over aiohttp costs
about a quarter of that. `AiohttpRequest` keeps PTB's `BaseRequest` contract exactly:

- the four timeouts are instance defaults that each call may override (`DEFAULT_NONE`
  means "use the default", `None` means "wait forever"): pool (waiting for a free
  connection), connect, write (sending the request body) and read (each wait for data
  after the body went out); uploads use `media_write_timeout` unless the call says;
- every timeout becomes `telegram.error.TimedOut`, every other transport failure
  `NetworkError`; PTB's `BaseRequest` maps HTTP statuses (400, 403, 429...) as for httpx;
- parameters go as one JSON body (the Bot API takes application/json; form-encoding
  percent-escaped every byte of Japanese text and each keyboard in Python, about a tenth of
  the CPU per delivered check-in), files as multipart/form-data as `HTTPXRequest` sends them;
- error texts are written here and never include a URL: Bot API URLs carry the token, and
  aiohttp's own messages repeat the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
import os
from collections.abc import Awaitable
from typing import IO, Any, Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import payload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from infra.settings import Settings, Transport

__all__ = ["POOL_TIMEOUT_MESSAGE", "AiohttpRequest", "build_request", "describe_start_failure"]

POOL_TIMEOUT_MESSAGE: Final = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)
_JSON: Final = "application/json"


class _WriteTimeout(TimeoutError):
    """Sending the request body took longer than the write timeout."""


async def _bounded(write: Awaitable[None], seconds: float | None) -> None:
    """Send a request body within the write timeout.

    aiohttp itself has no write timeout: it writes the body in a task of its own and starts
    the read timeout only once the body is out. The timeout raised here reaches the caller
    through aiohttp's own handling of a failed body write.
    """
    if seconds is None:
        await write
        return
    try:
        async with asyncio.timeout(seconds):
            await write
    except TimeoutError:
        raise _WriteTimeout from None


class _TimedBytes(payload.BytesPayload):
    def __init__(self, body: bytes, content_type: str, write_timeout: float | None) -> None:
        super().__init__(body, content_type=content_type)
        self._write_timeout = write_timeout

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        await _bounded(super().write_with_length(writer, content_length), self._write_timeout)


class _TimedBuffer(payload.BytesIOPayload):
    """A large body (an upload), written in chunks so the event loop is not held."""

    def __init__(self, body: bytes, content_type: str, write_timeout: float | None) -> None:
        super().__init__(io.BytesIO(body), content_type=content_type)
        self._write_timeout = write_timeout

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        await _bounded(super().write_with_length(writer, content_length), self._write_timeout)


def _body(data: bytes, content_type: str, write_timeout: float | None) -> payload.Payload:
    if len(data) > payload.TOO_LARGE_BYTES_BODY:
        return _TimedBuffer(data, content_type, write_timeout)
    return _TimedBytes(data, content_type, write_timeout)


def _content(value: bytes | IO[bytes]) -> io.BytesIO:
    # A buffer, not bytes: aiohttp refuses (warns about) raw bytes over 1 MiB in a part.
    return io.BytesIO(value if isinstance(value, bytes) else value.read())


async def _multipart(request_data: RequestData) -> tuple[bytes, str]:
    """The multipart/form-data body and its content type: the parameters as text parts and
    the files as file parts, as HTTPXRequest sends them."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, _content(content), filename=filename, content_type=mimetype)
    writer = form()
    return await writer.as_bytes(), writer.content_type


def _reason(exc: BaseException) -> str:
    """What went wrong, in words that never contain a URL (and so never the token)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        cause = os.strerror(os_error.errno) if os_error.errno else type(os_error).__name__
        return f"cannot connect to {exc.host}:{exc.port}: {cause}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without an answer"
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno) or errno.errorcode.get(exc.errno, "OS error")
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"bad response (HTTP {exc.status})"
    return type(exc).__name__


async def _acquire(slots: asyncio.Semaphore, seconds: float | None) -> None:
    """Take a connection slot, waiting at most `seconds` (None: as long as it takes)."""
    if not slots.locked():
        await slots.acquire()
        return
    try:
        async with asyncio.timeout(seconds):
            await slots.acquire()
    except TimeoutError:
        raise TimedOut(POOL_TIMEOUT_MESSAGE) from None


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` over an aiohttp `ClientSession` (HTTP/1.1).

    `connection_pool_size` bounds the connections open at once; a request that finds none
    free waits up to the pool timeout for one and then fails with `TimedOut` without having
    been sent. `proxy` is an http(s) proxy URL used for every request.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        *,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
        http_version: str = "1.1",
    ) -> None:
        if http_version != "1.1":
            raise ValueError("AiohttpRequest speaks HTTP/1.1 only; `http_version` must be '1.1'")
        if connection_pool_size < 1:
            raise ValueError("`connection_pool_size` must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy or None
        self._session: aiohttp.ClientSession | None = None
        # The pool is enforced here, not only by the connector, so that waiting for a
        # connection has its own timeout (aiohttp counts that wait as part of connecting).
        # Made in `initialize`, on the loop that will use it.
        self._pool: asyncio.Semaphore | None = None
        # ClientTimeout objects by (connect, read): most calls use the defaults.
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @property
    def http_version(self) -> str:
        return "1.1"

    @property
    def connection_pool_size(self) -> int:
        return self._pool_size

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        self._pool = asyncio.Semaphore(self._pool_size)
        connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            # Timeouts are given per request; no overall limit (long polls outlast any).
            timeout=aiohttp.ClientTimeout(total=None),
            version=aiohttp.HttpVersion11,
            cookie_jar=aiohttp.DummyCookieJar(),
            # The proxy is configured explicitly; reading the environment on every request
            # would also cost a thread hop each time.
            trust_env=False,
        )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=connect, sock_connect=connect, sock_read=read
            )
            if len(self._timeouts) < 64:  # get_updates varies its read timeout
                self._timeouts[key] = timeout
        return timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, pool_slots = self._session, self._pool
        if session is None or session.closed or pool_slots is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if has_files else self._write_timeout
        else:
            write = write_timeout

        body: payload.Payload | None = None
        if request_data is not None:
            if has_files:
                data, content_type = await _multipart(request_data)
                body = _body(data, content_type, write)
            elif params := request_data.parameters:
                # PTB has turned its objects into plain values (dicts, lists, timestamps).
                body = _body(json.dumps(params).encode(), _JSON, write)

        await _acquire(pool_slots, pool)
        try:
            async with session.request(
                method,
                url,
                data=body,
                timeout=self._timeout(connect, read),
                proxy=self._proxy,
            ) as response:
                return response.status, await response.read()
        except _WriteTimeout:
            raise TimedOut("Timed out sending the request to Telegram") from None
        except aiohttp.ConnectionTimeoutError:
            raise TimedOut("Timed out connecting to Telegram") from None
        except TimeoutError:
            raise TimedOut("Timed out waiting for Telegram's answer") from None
        except Exception as exc:
            # Our own words, `from None`: aiohttp's exception texts name the URL, and with
            # it the token (PTB would otherwise wrap anything unexpected with its repr).
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {_reason(exc)}") from None
        finally:
            pool_slots.release()


def build_request(settings: Settings, *, for_updates: bool = False) -> BaseRequest:
    """The request object for the bot's calls, or (`for_updates`) for `getUpdates` alone.

    As PTB does with its two request objects, long polls get their own single connection,
    so a 30-second poll never holds one of delivery's connections. The main pool has room
    for every delivery sender plus handlers and ticks.
    """
    tg = settings.telegram
    size = 1 if for_updates else max(8, settings.delivery.concurrency + 4)
    pool_timeout = 1.0 if for_updates else 10.0
    proxy = tg.proxy or None
    if tg.transport is Transport.HTTPX:
        return HTTPXRequest(connection_pool_size=size, pool_timeout=pool_timeout, proxy=proxy)
    return AiohttpRequest(connection_pool_size=size, pool_timeout=pool_timeout, proxy=proxy)


def _public_url(url: str) -> str:
    """`url` without credentials, query or fragment, fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    with contextlib.suppress(ValueError):
        if parts.port is not None:
            host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _os_cause(exc: BaseException) -> str | None:
    """The operating system's words for the first OS error behind `exc` ("connection
    refused"), looking through both explicit causes and implicit contexts."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno:
            return os.strerror(current.errno).lower()
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


def _scrub(text: str, token: str) -> str:
    secret = token.partition(":")[2]
    for part in (token, secret):
        if part:
            text = text.replace(part, "<token>")
    return text


def describe_start_failure(exc: TelegramError, settings: Settings) -> str:
    """One line for an operator whose `tsunagari run` could not talk to Telegram: what
    failed and what to check. Never the token: PTB's own message for a rejected token
    quotes it, so no exception text is used without scrubbing."""
    tg = settings.telegram
    where = _public_url(tg.base_url)
    if isinstance(exc, InvalidToken):
        if "not found" in str(exc.__cause__ or "").lower():
            return (
                "telegram.token was rejected, or telegram.base_url does not lead to the Bot "
                f"API (404 Not Found at {where}); check the token from @BotFather and "
                "telegram.base_url"
            )
        return (
            "telegram.token was rejected by Telegram (401 Unauthorized); "
            "check the token from @BotFather"
        )
    if isinstance(exc, TimedOut):
        return (
            f"Telegram at {where} did not answer in time; "
            "check telegram.base_url, telegram.proxy and the network"
        )
    # BadRequest is a NetworkError in PTB, but Telegram did answer: it refused.
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        cause = _os_cause(exc) or _scrub(str(exc), tg.token)[:120]
        return (
            f"cannot reach Telegram at {where}: {cause}; "
            "check telegram.base_url, telegram.proxy and the network"
        )
    detail = _scrub(str(exc), tg.token)[:120]
    return (
        f"Telegram refused a start-up request ({type(exc).__name__}: {detail}); "
        "check the [telegram] settings"
    )
