"""The delivery loop: sends outbox rows to Telegram at a pace Telegram accepts.

One path: `run()` repeats `step()`, and tests drive `step()` itself. A step leases due
rows (owner, until) before any network I/O into a queue ordered by priority;
`delivery.concurrency` senders take one row at a time, the most urgent first; results are
written back in batches, in transactions of their own, while sending goes on. The step
tops the queue up while more is due (two batches deep, so the senders never wait for the
database) and returns once nothing more is due now and every result is recorded.

- Pace: one token bucket (aiolimiter's `AsyncLimiter`: `delivery.rate_per_second`, a
  burst of one second's worth, under Telegram's ~30/s) and at most one write (message or
  edit) per chat every `delivery.per_chat_interval`, measured on the injected monotonic
  clock from the end of the previous one: the chat is reserved at the moment of sending,
  so neither a queue nor several senders can put two writes to a chat closer together.
  Rows waiting for their chat's turn stay leased and wait in memory.
- A 429 for a chat written to within the last minute is that chat's flood limit: that
  chat waits `retry_after`, the others go on. A 429 for a chat not written to recently
  can only be the bot's global limit, and pauses all sending. Network errors and 5xx
  retry with exponential backoff; 403 "blocked" is permanent and reported to the
  `on_failed` hook, which marks the person unreachable.
- Crisis replies first after a fault. Backoff is per row, so after an outage the rows
  whose backoff happens to end first would go first, check-ins before a crisis card that
  failed later. So while an urgent row (crisis card, P1 notification) waits for its
  retry, only urgent rows are claimed or sent; ordinary rows stay in the outbox, not
  attempted (nothing of theirs is repeated). An urgent row whose failure certainly did
  not reach Telegram (Telegram answered with an error, or no connection was made)
  retries at least every `PROBE_MAX` and such failures never use up its attempts: it
  probes for the fault's end. The first accepted send makes the other such urgent rows
  due at once; ordinary rows keep their backoff. A row whose send may have reached
  Telegram (a timeout waiting for the answer, a connection dropped after the request)
  keeps its backoff, so nothing is re-sent sooner or more often than before.
- Every outcome is one `DeliveryError` with a `permanent` flag; nothing else leaks out.
"""

from __future__ import annotations

import asyncio
import base64
import heapq
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from domain.errors import DeliveryError
from infra.transport import POOL_TIMEOUT_MESSAGE
from storage.base import update_rows
from storage.outbox import (
    LEASE,
    PRIORITY_BULK,
    URGENT_BELOW,
    ClaimedMessage,
    OutboxKind,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    Purpose,
)
from usecases.services import Services

_EDITS = (OutboxKind.EDIT_TEXT, OutboxKind.EDIT_MARKUP)

__all__ = [
    "LEASE",
    "MAX_BACKOFF",
    "PROBE_MAX",
    "Deliverer",
    "FailedHook",
    "Monotonic",
    "SentHook",
    "certainly_unsent",
    "classify_error",
]

log = logging.getLogger(__name__)

# Called once per recorded batch with the rows of one purpose that Telegram accepted.
SentHook = Callable[
    [AsyncSession, list[tuple[ClaimedMessage, int | None]], datetime], Awaitable[None]
]
FailedHook = Callable[[AsyncSession, ClaimedMessage, DeliveryError, datetime], Awaitable[None]]
# Seconds that only ever go forward: time.monotonic in the bot, the test clock in tests.
Monotonic = Callable[[], float]

MAX_BACKOFF = timedelta(minutes=10)
# An urgent row that certainly did not reach Telegram retries at least this often: its
# retry is how the bot learns that a fault is over.
PROBE_MAX = timedelta(seconds=30)
RECORD_INTERVAL = 0.25
QUEUE_SECONDS = 30
# A 429 can be a chat's own flood limit only if the bot wrote to that chat this recently
# (Telegram's per-chat limits are per second in private chats, per minute in groups).
CHAT_FLOOD_MEMORY = 60.0

# (priority, outbox id, row); a None row tells a sender to stop.
_Queued = tuple[int, int, ClaimedMessage | None]

# How the transports word a connection that could not be made (nothing was sent).
_NO_CONNECTION = (
    "aiohttp.ClientConnectorError",
    "aiohttp.ClientConnectorDNSError",
    "httpx.Connect",
)
# Failures worded by a transport rather than answered by Telegram.
_TRANSPORT = ("aiohttp.", "httpx.", "Unknown error in HTTP implementation")


def classify_error(exc: TelegramError) -> DeliveryError:
    text = str(exc)
    if isinstance(exc, RetryAfter):
        ra = exc.retry_after
        seconds = ra.total_seconds() if isinstance(ra, timedelta) else float(ra)
        return DeliveryError("flood_control", permanent=False, retry_after=seconds)
    if isinstance(exc, Forbidden):
        lowered = text.lower()
        blocked = "blocked" in lowered or "deactivated" in lowered or "kicked" in lowered
        return DeliveryError("blocked" if blocked else "forbidden", permanent=True, blocked=blocked)
    if isinstance(exc, BadRequest):
        if "chat not found" in text.lower():
            return DeliveryError("chat_not_found", permanent=True, blocked=True)
        return DeliveryError("bad_request", permanent=True)
    if isinstance(exc, TimedOut):
        return DeliveryError("timed_out", permanent=False)
    if isinstance(exc, NetworkError):
        return DeliveryError("network", permanent=False)
    return DeliveryError(type(exc).__name__.lower()[:40], permanent=False)


def certainly_unsent(exc: TelegramError) -> bool:
    """True when a failed request certainly did not take effect at Telegram: Telegram
    answered with an error (429, 5xx), or the request never left (no connection could be
    made, no free connection in the pool). A timeout waiting for the answer, or a
    connection dropped after the request went out, may hide a delivered message."""
    text = str(exc)
    if isinstance(exc, TimedOut):
        return text == POOL_TIMEOUT_MESSAGE or text.startswith("Timed out connecting")
    if isinstance(exc, NetworkError) and text.startswith(_TRANSPORT):
        return text.startswith(_NO_CONNECTION)
    return True


@dataclass(slots=True)
class _Result:
    row: ClaimedMessage
    message_id: int | None = None
    error: DeliveryError | None = None
    # Not attempted: handed back to the outbox (paused, held for an urgent row, stopping).
    deferred: bool = False
    # A 429 that was the bot's global limit (not one chat's): everything pauses.
    global_flood: bool = False
    # The failure certainly did not reach Telegram (see `certainly_unsent`).
    unsent: bool = False


def _urgent(row: ClaimedMessage) -> bool:
    return row.priority < URGENT_BELOW


class Deliverer:
    def __init__(
        self,
        svc: Services,
        bot: Bot,
        *,
        owner: str | None = None,
        on_sent: dict[Purpose, SentHook] | None = None,
        on_failed: FailedHook | None = None,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.svc = svc
        self.bot = bot
        self.settings = svc.settings.delivery
        stable = owner or self.settings.instance
        self.owner = stable or f"deliverer-{uuid.uuid4().hex[:12]}"
        # A stable name may have leases left from a run that crashed: taken back once.
        self._recovered = not stable
        self.monotonic = monotonic
        rate = self.settings.rate_per_second
        burst = max(1.0, rate)
        self.limiter = AsyncLimiter(burst, burst / rate)
        self.on_sent = on_sent or {}
        self.on_failed = on_failed
        self.paused_until: datetime | None = None
        # Per chat (monotonic seconds): no write may start before `_chat_next`; the last
        # write started at `_started`; chats with a write in flight.
        self._chat_next: dict[int, float] = {}
        self._started: dict[int, float] = {}
        self._in_flight: set[int] = set()
        # (priority, id) of every row this process holds, by chat: within a chat the most
        # urgent, then the oldest, goes first, whichever sender happens to get a token.
        self._chat_rows: dict[int, set[tuple[int, int]]] = {}
        self._waiting: list[tuple[float, int, ClaimedMessage]] = []
        # The send queue, the senders' results, and what the step waits for.
        self._queue: asyncio.PriorityQueue[_Queued] = asyncio.PriorityQueue()
        self._results: list[_Result] = []
        self._results_ready = asyncio.Event()
        self._room = asyncio.Event()
        self._idle = asyncio.Event()
        self._busy = 0
        self._stop: asyncio.Event | None = None
        # Crisis replies first: ordinary rows wait while an urgent row waits for a retry
        # (read from the outbox at each claim, and set at once when one fails here).
        self._hold_ordinary = False
        self._urgent_failing: set[int] = set()  # failed here, result not yet written
        self._urgent_unsent: set[int] = set()  # waiting; last failure never reached Telegram

    async def recover(self) -> int:
        """Take back, at once, the rows a previous run under this name had leased (it
        crashed: nothing of this run holds them yet). Their sends may have happened:
        at least once, as after any crash. Returns how many."""
        if self._recovered:
            return 0
        self._recovered = True
        async with self.svc.db.transaction() as session:
            released = await OutboxRepository(session).release_owned(self.owner)
        if released:
            log.warning("took back %s rows leased by %s before a restart", released, self.owner)
        return released

    async def run(self, stop: asyncio.Event) -> None:
        """Repeat `step` until `stop` is set, waiting between steps for a wake-up, a held
        row's turn or the next tick. On stop, rows not yet sent go back to the outbox,
        sends in flight finish, and every result is recorded."""
        self._stop = stop
        try:
            await self.recover()
        except Exception:
            # The leases then expire as usual and the rows go after LEASE.
            log.exception("taking back this instance's leases failed")
        while not stop.is_set():
            try:
                await self.step()
            except Exception:
                log.exception("delivery step failed")
            await self._wait()

    async def step(self) -> bool:
        """One iteration of the delivery loop (what `run` repeats): claim what is due and
        send it, topping the queue up while more is due, recording results as they come.
        Returns once nothing more is due now, every result recorded; True if there was
        anything to send."""
        await self.recover()
        if not await self._fill():
            return False
        senders = [asyncio.create_task(self._sender()) for _ in range(self.settings.concurrency)]
        finished = asyncio.Event()
        recorder = asyncio.create_task(self._recorder(finished))
        try:
            await self._top_up()
        finally:
            if self._stopping():
                self._hand_back()
            for n, _ in enumerate(senders):
                self._queue.put_nowait((sys.maxsize, n, None))
            await asyncio.gather(*senders)
            finished.set()
            self._results_ready.set()
            await recorder
        return True

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _paused(self) -> bool:
        return self.paused_until is not None and self.svc.clock.now() < self.paused_until

    def _depth(self) -> int:
        """Rows the queue holds at most: two batches, so the next claim runs while a whole
        batch is still queued; never more than QUEUE_SECONDS of sending at the configured
        rate, so leases stay far from expiring."""
        batch = self.settings.batch_size
        return max(1, min(2 * batch, int(self.settings.rate_per_second * QUEUE_SECONDS)))

    def _refill_at(self) -> int:
        depth = self._depth()
        return depth - min(self.settings.batch_size, depth)

    async def _top_up(self) -> None:
        """Keep the queue filled while rows are due; return once everything queued is
        done and nothing more is due, or on stop."""
        while not self._stopping():
            self._room.clear()
            self._idle.clear()
            try:
                if await self._fill():
                    continue
            except Exception:
                log.exception("claiming outbox rows failed")
            if self._queue.empty() and self._busy == 0:
                return
            waits = [self._idle]
            if self._queue.qsize() > self._refill_at():
                waits.append(self._room)
            await self._wait(*waits)

    async def _wait(self, *events: asyncio.Event) -> None:
        """Until one of `events`, a wake-up (something was written to the outbox), stop,
        a held row's turn, the end of a flood-control pause, or the next tick."""
        timeout = self.svc.settings.scheduler.tick.total_seconds()
        if (held := self.next_wait()) is not None:
            timeout = min(timeout, held)
        if self._paused():
            assert self.paused_until is not None
            pause = (self.paused_until - self.svc.clock.now()).total_seconds()
            timeout = min(timeout, pause)
        watched = [*events, self.svc.outbox_wakeup]
        if self._stop is not None:
            watched.append(self._stop)
        waiters = [asyncio.ensure_future(event.wait()) for event in watched]
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _fill(self) -> int:
        """Move held-back rows now due, then newly claimed ones, into the send queue; how
        many. A queue above its refill level still takes what must not wait (few rows,
        so its bound barely moves)."""
        # Cleared before looking: a wake-up that arrives meanwhile is kept.
        self.svc.outbox_wakeup.clear()
        if self._stopping() or self._paused():
            return 0
        batch = self.settings.batch_size
        full = self._queue.qsize() > self._refill_at()
        room = batch if full else min(batch, self._depth() - self._queue.qsize())
        rows = self._take_ready(room)
        if len(rows) < room:
            rows.extend(self._pace(await self._claim(room - len(rows), full=full)))
        for row in rows:
            self._queue.put_nowait((row.priority, row.id, row))
        return len(rows)

    async def _claim(self, limit: int, *, full: bool) -> list[ClaimedMessage]:
        now = self.svc.clock.now()
        if not self.svc.db.is_postgres:
            # SQLite has one writer: a claim that finds nothing would still queue for the
            # write lock behind a person's reply. A lock-free look first (broader than the
            # claim, which may hold ordinary rows back) skips those empty turns.
            async with self.svc.db.read_session() as session:
                if not await OutboxRepository(session).claimable(
                    owner=self.owner, now=now, below_priority=PRIORITY_BULK if full else None
                ):
                    return []
        async with self.svc.db.transaction() as session:
            outbox = OutboxRepository(session)
            self._hold_ordinary = bool(self._urgent_failing) or await outbox.urgent_retrying()
            below = URGENT_BELOW if self._hold_ordinary else (PRIORITY_BULK if full else None)
            return await outbox.claim(
                owner=self.owner,
                now=now,
                lease=LEASE,
                limit=limit,
                postgres=self.svc.db.is_postgres,
                below_priority=below,
            )

    def _hand_back(self) -> None:
        """Stopping: rows queued or held in memory go back to the outbox, not attempted."""
        while not self._queue.empty():
            row = self._queue.get_nowait()[2]
            if row is not None:
                self._forget(row)
                self._results.append(_Result(row, deferred=True))
        while self._waiting:
            row = heapq.heappop(self._waiting)[2]
            self._forget(row)
            self._results.append(_Result(row, deferred=True))

    async def _sender(self) -> None:
        queue = self._queue
        while (item := await queue.get())[2] is not None:
            # Wait for a token, and only then choose: the row that goes is the most urgent
            # queued at the moment of sending, not the one queued when this sender began
            # to wait (a crisis card claimed meanwhile overtakes the check-ins).
            queue.put_nowait(item)
            await self.limiter.acquire()
            self._busy += 1
            try:
                result = await self._send_next()
            finally:
                self._busy -= 1
            if result is not None:
                self._results.append(result)
                if len(self._results) >= self.settings.batch_size or queue.empty():
                    self._results_ready.set()
            if queue.qsize() <= self._refill_at():
                self._room.set()
            if queue.empty() and self._busy == 0:
                self._idle.set()

    async def _send_next(self) -> _Result | None:
        """Send the most urgent queued row whose chat is ready; rows whose chat is not
        ready are held back. None if no row could go (or only stop markers are left)."""
        queue = self._queue
        while not queue.empty():
            item = queue.get_nowait()
            if item[2] is None:
                queue.put_nowait(item)  # a stop marker, for the next sender that looks
                return None
            result = await self._attempt(item[2])
            if result is not None:
                return result
        return None

    async def _recorder(self, finished: asyncio.Event) -> None:
        while True:
            waiter = asyncio.ensure_future(self._results_ready.wait())
            # Under load results are written a quarter second at a time: each write
            # has a fixed cost (transaction, check-in bookkeeping) worth sharing, and
            # an idle queue still records at once (the senders signal it).
            await asyncio.wait([waiter], timeout=RECORD_INTERVAL)
            waiter.cancel()
            self._results_ready.clear()
            if self._results:
                done, self._results = self._results, []
                await self._record_logged(done)
            elif finished.is_set():
                return

    def _take_ready(self, limit: int) -> list[ClaimedMessage]:
        now = self.monotonic()
        out: list[ClaimedMessage] = []
        while self._waiting and self._waiting[0][0] <= now and len(out) < limit:
            out.append(heapq.heappop(self._waiting)[2])
        return out

    def _pace(self, rows: list[ClaimedMessage]) -> list[ClaimedMessage]:
        """Hold back, in memory, rows for chats not ready for another write yet. This only
        sorts; the chat is reserved when a sender actually sends (`_reserve`)."""
        now = self.monotonic()
        out: list[ClaimedMessage] = []
        for row in rows:
            self._chat_rows.setdefault(row.chat_id, set()).add((row.priority, row.id))
            ready_at = self._chat_next.get(row.chat_id, 0.0)
            if ready_at > now:
                self._hold(row, ready_at)
            else:
                out.append(row)
        if len(self._chat_next) > 50_000:
            horizon = now - CHAT_FLOOD_MEMORY
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
            self._started = {c: t for c, t in self._started.items() if t > horizon}
        return out

    def _interval(self) -> float:
        return self.settings.per_chat_interval.total_seconds()

    def _hold(self, row: ClaimedMessage, until: float) -> None:
        heapq.heappush(self._waiting, (until, row.id, row))

    def _reserve(self, row: ClaimedMessage) -> bool:
        """Take the row's chat for one write now, or hold the row until the chat is free."""
        chat = row.chat_id
        now = self.monotonic()
        interval = self._interval()
        if interval > 0:
            ready_at = self._chat_next.get(chat, 0.0)
            key = (row.priority, row.id)
            behind = min(self._chat_rows.get(chat, (key,))) < key
            if chat in self._in_flight or behind or ready_at > now:
                busy = now + interval if chat in self._in_flight or behind else 0.0
                self._hold(row, max(ready_at, busy))
                return False
            self._in_flight.add(chat)
            self._chat_next[chat] = now + interval
        self._started[chat] = now
        return True

    def _forget(self, row: ClaimedMessage) -> None:
        """The row leaves this process's hands (attempted, or handed back to the outbox)."""
        held = self._chat_rows.get(row.chat_id)
        if held is not None:
            held.discard((row.priority, row.id))
            if not held:
                del self._chat_rows[row.chat_id]

    def _release(self, row: ClaimedMessage) -> None:
        """The write finished: the next may start an interval after its answer came back,
        so Telegram never sees two closer together however long this one took."""
        chat = row.chat_id
        self._forget(row)
        self._in_flight.discard(chat)
        interval = self._interval()
        if interval > 0:
            after = self.monotonic() + interval
            self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), after)

    def _flooded(self, row: ClaimedMessage, seconds: float, previous: float | None) -> bool:
        """Hold what a 429 holds; True if it was the bot's global limit."""
        now = self.monotonic()
        if previous is not None and now - previous < CHAT_FLOOD_MEMORY:
            # This chat's own limit: only this chat waits.
            chat = row.chat_id
            self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), now + seconds)
            self.svc.metrics.inc("tsunagari_flood_waits_total", scope="chat")
            return False
        until = self.svc.clock.now() + timedelta(seconds=seconds)
        self.paused_until = max(self.paused_until or until, until)
        self.svc.metrics.inc("tsunagari_flood_waits_total", scope="bot")
        return True

    def next_wait(self) -> float | None:
        """Seconds until a held-back message may go, for the run loop's wait."""
        if not self._waiting:
            return None
        return max(0.0, self._waiting[0][0] - self.monotonic())

    async def _attempt(self, row: ClaimedMessage) -> _Result | None:
        """One send (the caller holds a token); never raises. None: the row's chat was not
        ready, and the row is held back until it is."""
        if self._paused() or (self._hold_ordinary and not _urgent(row)):
            self._forget(row)
            return _Result(row, deferred=True)
        # When the chat was last written to, for telling its flood limit from the bot's.
        previous = self._started.get(row.chat_id)
        if not self._reserve(row):
            return None
        try:
            return _Result(row, message_id=await self._send(row))
        except TelegramError as exc:
            error = classify_error(exc)
            flood = error.retry_after is not None and self._flooded(
                row, error.retry_after, previous
            )
            if _urgent(row) and not error.permanent:
                # Ordinary rows wait from this moment, not from when the result is written.
                self._urgent_failing.add(row.id)
                self._hold_ordinary = True
            return _Result(row, error=error, global_flood=flood, unsent=certainly_unsent(exc))
        finally:
            self._release(row)

    async def _send(self, row: ClaimedMessage) -> int | None:
        """One Bot API call for one outbox row; returns Telegram's message id.

        The stored payload is already Bot API JSON, so it goes out as it is and only the
        message id is read back: building python-telegram-bot objects for the keyboard and
        the returned Message, then discarding them, cost about a third of the CPU per
        message. Telegram's method names are case-insensitive; the capitalised names keep
        PTB from steering `do_api_request` back to the object-building methods.
        """
        params: dict[str, Any] = row.params()
        api: dict[str, Any] = {"chat_id": row.chat_id}
        if row.kind is OutboxKind.SEND_MESSAGE:
            method = "SendMessage"
            api["text"] = params["text"]
            if params.get("parse_mode"):
                api["parse_mode"] = params["parse_mode"]
        elif row.kind is OutboxKind.SEND_PHOTO:
            # A multipart upload: PTB's request layer sends an InputFile as a file part.
            method = "SendPhoto"
            png = base64.b64decode(params["photo_png"])
            api["photo"] = InputFile(png, filename="timeline.png")
            api["caption"] = params["caption"]
        else:
            method = (
                "EditMessageText"
                if row.kind is OutboxKind.EDIT_TEXT
                else ("EditMessageReplyMarkup")
            )
            api["message_id"] = params["message_id"]
            if row.kind is OutboxKind.EDIT_TEXT:
                api["text"] = params["text"]
        markup = params.get("reply_markup")
        # An empty keyboard is expressed by omitting reply_markup (that removes the buttons).
        if markup and markup.get("inline_keyboard"):
            api["reply_markup"] = markup
        try:
            result = await self.svc.metrics.timed(
                self.bot.do_api_request(method, api_kwargs=api),
                "tsunagari_send_duration_seconds",
                purpose=row.purpose.value,
            )
        except BadRequest as exc:
            if row.kind in _EDITS and "not modified" in str(exc).lower():
                return int(params["message_id"])
            raise
        if isinstance(result, dict) and isinstance(result.get("message_id"), int):
            return int(result["message_id"])
        return None

    async def _record(self, results: list[_Result]) -> None:
        now = self.svc.clock.now()
        metrics = self.svc.metrics
        sent: list[dict[str, Any]] = []
        batches: dict[Purpose, list[tuple[ClaimedMessage, int | None]]] = {}
        try:
            async with self.svc.db.transaction() as session:
                for result in results:
                    row = result.row
                    if result.deferred:
                        await session.execute(
                            update(OutboxMessage)
                            .where(OutboxMessage.id == row.id)
                            .values(
                                state=OutboxState.PENDING,
                                lease_owner=None,
                                lease_until=None,
                                not_before=self.paused_until or now,
                            )
                        )
                    elif result.error is not None:
                        await self._record_failure(session, result, now)
                    else:
                        sent.append(
                            {
                                "id": row.id,
                                "state": OutboxState.SENT,
                                "sent_at": now,
                                "telegram_message_id": result.message_id,
                                "lease_owner": None,
                                "lease_until": None,
                                "attempts": row.attempts + 1,
                            }
                        )
                        metrics.inc("tsunagari_messages_sent_total", purpose=row.purpose.value)
                        if row.purpose in self.on_sent:
                            batches.setdefault(row.purpose, []).append((row, result.message_id))
                for purpose, accepted in batches.items():
                    await self.on_sent[purpose](session, accepted, now)
                if sent:
                    await update_rows(session, OutboxMessage, sent)
                    await self._fault_over(session, {item["id"] for item in sent}, now)
        finally:
            self._urgent_failing.difference_update(result.row.id for result in results)

    async def _record_failure(self, session: AsyncSession, result: _Result, now: datetime) -> None:
        row, error = result.row, result.error
        assert error is not None
        self.svc.metrics.inc("tsunagari_sends_failed_total", reason=error.reason)
        attempts = row.attempts + 1
        # An urgent row whose send never reached Telegram probes for the fault's end.
        probe = _urgent(row) and result.unsent and not error.permanent
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": error.reason,
            "lease_owner": None,
            "lease_until": None,
        }
        if error.permanent or self._used_up(row, attempts, probe=probe, now=now):
            self._urgent_unsent.discard(row.id)
            values["state"] = OutboxState.FAILED
            log.warning(
                "outbox %s to chat %s failed for good: %s", row.id, row.chat_id, error.reason
            )
            if self.on_failed is not None:
                await self.on_failed(session, row, error, now)
        else:
            if probe:
                self._urgent_unsent.add(row.id)
            else:
                self._urgent_unsent.discard(row.id)
            delay = self._retry_delay(result, attempts, probe=probe, now=now)
            values["state"] = OutboxState.PENDING
            values["not_before"] = now + delay
            log.info(
                "outbox %s to chat %s will retry in %ss: %s",
                row.id,
                row.chat_id,
                int(delay.total_seconds()),
                error.reason,
            )
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
        )

    def _used_up(self, row: ClaimedMessage, attempts: int, *, probe: bool, now: datetime) -> bool:
        """Whether a transient failure ends the row. A probe retries sooner than the
        backoff would, so its attempts run out by age instead: not before the time the
        backoff would have taken to use them up."""
        limit = self.settings.max_attempts
        if attempts < limit:
            return False
        return not probe or now - row.created_at >= _backoff_total(limit)

    def _retry_delay(
        self, result: _Result, attempts: int, *, probe: bool, now: datetime
    ) -> timedelta:
        error = result.error
        assert error is not None
        if error.retry_after is not None:
            delay = timedelta(seconds=error.retry_after)
            if result.global_flood:
                self.paused_until = max(self.paused_until or now, now + delay)
            return delay
        delay = _backoff(attempts)
        return min(delay, PROBE_MAX) if probe else delay

    async def _fault_over(self, session: AsyncSession, accepted: set[int], now: datetime) -> None:
        """Telegram accepted a send: urgent rows waiting after a failure that never reached
        Telegram are due at once. The others keep their backoff: an ordinary row's order
        does not matter, and an urgent row whose send may have arrived is not re-sent
        sooner than before."""
        self._urgent_unsent.difference_update(accepted)
        if not self._urgent_unsent:
            return
        due = await OutboxRepository(session).make_due(self._urgent_unsent, now)
        self._urgent_unsent.clear()
        if due:
            log.info("telegram answers again: %s urgent rows due at once", due)

    async def _record_logged(self, results: list[_Result]) -> None:
        try:
            await self._record(results)
        except Exception:
            # The rows keep their lease; once it expires they are sent again (at least once).
            log.exception("recording delivery results failed")


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


def _backoff_total(attempts: int) -> timedelta:
    """How long the backoff takes from a row's first attempt to its `attempts`-th."""
    return sum((_backoff(n) for n in range(1, attempts)), timedelta(0))
