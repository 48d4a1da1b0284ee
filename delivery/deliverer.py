"""The delivery loop: sends outbox rows to Telegram at a pace Telegram accepts.

- Claims due rows in batches with a lease (owner, until) before any network I/O; the
  send happens outside any transaction; results are written back in one transaction.
- A global token bucket (default 25 messages/s, under Telegram's ~30/s) and at most one
  write (message or edit) per chat every `delivery.per_chat_interval`, measured from the
  end of the previous one: the chat is reserved at the moment of sending, so neither a
  queue nor several senders can put two writes to a chat closer together. Rows waiting
  for their chat's turn stay leased and wait in memory; if this process dies, the lease
  expires and another sender takes them.
- A 429 for a chat written to within the last minute is that chat's flood limit: that
  chat waits `retry_after`, the others go on. A 429 for a chat not written to recently
  can only be the bot's global limit, and pauses all sending. Network errors and 5xx
  retry with exponential backoff; 403 "blocked" is permanent and reported to the
  `on_failed` hook, which marks the person unreachable.
- Every outcome is one `DeliveryError` with a `permanent` flag; nothing else leaks out.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from domain.errors import DeliveryError
from storage.base import update_rows
from storage.outbox import (
    LEASE,
    PRIORITY_BULK,
    ClaimedMessage,
    OutboxKind,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    Purpose,
)
from usecases.services import Services

log = logging.getLogger(__name__)

# Called once per recorded batch with the rows of one purpose that Telegram accepted.
SentHook = Callable[
    [AsyncSession, list[tuple[ClaimedMessage, int | None]], datetime], Awaitable[None]
]
FailedHook = Callable[[AsyncSession, ClaimedMessage, DeliveryError, datetime], Awaitable[None]]

MAX_BACKOFF = timedelta(minutes=10)
RECORD_INTERVAL = 0.25
QUEUE_SECONDS = 30
# A 429 can be a chat's own flood limit only if the bot wrote to that chat this recently
# (Telegram's per-chat limits are per second in private chats, per minute in groups).
CHAT_FLOOD_MEMORY = 60.0

# (priority, outbox id, row); a None row tells a sender to stop.
_Queued = tuple[int, int, ClaimedMessage | None]


class TokenBucket:
    """Paces request starts to `rate` per second with a burst of at most one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    async def take(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)

    def give_back(self) -> None:
        """Return a token taken for a send that did not happen (its chat was not ready)."""
        self.tokens = min(self.capacity, self.tokens + 1)


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


@dataclass
class _Result:
    row: ClaimedMessage
    message_id: int | None = None
    error: DeliveryError | None = None
    # Not attempted: flood control paused the bot while this row waited for its turn.
    deferred: bool = False
    # A 429 that was the bot's global limit (not one chat's): everything pauses.
    global_flood: bool = False


class Deliverer:
    def __init__(
        self,
        svc: Services,
        bot: Bot,
        *,
        owner: str | None = None,
        on_sent: dict[Purpose, SentHook] | None = None,
        on_failed: FailedHook | None = None,
    ) -> None:
        self.svc = svc
        self.bot = bot
        self.settings = svc.settings.delivery
        stable = owner or self.settings.instance
        self.owner = stable or f"deliverer-{uuid.uuid4().hex[:12]}"
        # A stable name may have leases left from a run that crashed: taken back once.
        self._recovered = not stable
        self.bucket = TokenBucket(self.settings.rate_per_second)
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
        # Set when a sender holds a row back, so the claimer times its wait for it.
        self._held = asyncio.Event()

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

    async def step(self) -> bool:
        """Send one batch and record the results; True if there was anything to do."""
        await self.recover()
        if self._paused():
            return False
        results = await self._claim_and_send()
        if results is None:
            return bool(self._waiting)
        await self._record(results)
        return True

    def _paused(self) -> bool:
        return self.paused_until is not None and self.svc.clock.now() < self.paused_until

    async def _claim_and_send(self) -> list[_Result] | None:
        """Lease a batch (after the held-back rows now ready) and send it; None if empty."""
        now = self.svc.clock.now()
        ready = self._take_ready()
        room = self.settings.batch_size - len(ready)
        if room > 0:
            async with self.svc.db.transaction() as session:
                claimed = await OutboxRepository(session).claim(
                    owner=self.owner,
                    now=now,
                    lease=LEASE,
                    limit=room,
                    postgres=self.svc.db.is_postgres,
                )
            ready.extend(self._pace(claimed))
        if not ready:
            return None
        return await self._send_all(ready)

    def _take_ready(self, limit: int | None = None) -> list[ClaimedMessage]:
        now = time.monotonic()
        out: list[ClaimedMessage] = []
        while self._waiting and self._waiting[0][0] <= now and (limit is None or len(out) < limit):
            out.append(heapq.heappop(self._waiting)[2])
        return out

    def _pace(self, rows: list[ClaimedMessage]) -> list[ClaimedMessage]:
        """Hold back, in memory, rows for chats not ready for another write yet. This only
        sorts; the chat is reserved when a sender actually sends (`_reserve`)."""
        now = time.monotonic()
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
        self._held.set()

    def _reserve(self, row: ClaimedMessage) -> bool:
        """Take the row's chat for one write now, or hold the row until the chat is free."""
        chat = row.chat_id
        now = time.monotonic()
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
            after = time.monotonic() + interval
            self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), after)

    def _flooded(self, row: ClaimedMessage, seconds: float, previous: float | None) -> bool:
        """Hold what a 429 holds; True if it was the bot's global limit."""
        now = time.monotonic()
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
        return max(0.0, self._waiting[0][0] - time.monotonic())

    async def _attempt(self, row: ClaimedMessage, *, paced: bool = False) -> _Result | None:
        """One send, paced by the token bucket unless the caller already was; never raises.
        None: the row's chat was not ready, and the row is held back until it is."""
        if self._paused():
            self._forget(row)
            return _Result(row, deferred=True)
        if not paced:
            await self.bucket.take()
        # When the chat was last written to, for telling its flood limit from the bot's.
        previous = self._started.get(row.chat_id)
        if not self._reserve(row):
            self.bucket.give_back()
            return None
        try:
            return _Result(row, message_id=await self._send(row))
        except TelegramError as exc:
            error = classify_error(exc)
            flood = error.retry_after is not None and self._flooded(
                row, error.retry_after, previous
            )
            return _Result(row, error=error, global_flood=flood)
        finally:
            self._release(row)

    async def _send_all(self, rows: list[ClaimedMessage]) -> list[_Result]:
        semaphore = asyncio.Semaphore(self.settings.concurrency)

        async def one(row: ClaimedMessage) -> _Result | None:
            async with semaphore:
                return await self._attempt(row)

        return [r for r in await asyncio.gather(*(one(r) for r in rows)) if r is not None]

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
            if row.kind is not OutboxKind.SEND_MESSAGE and "not modified" in str(exc).lower():
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
                    continue
                if result.error is None:
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
                    continue
                error = result.error
                metrics.inc("tsunagari_sends_failed_total", reason=error.reason)
                attempts = row.attempts + 1
                values: dict[str, Any] = {
                    "attempts": attempts,
                    "last_error": error.reason,
                    "lease_owner": None,
                    "lease_until": None,
                }
                if error.permanent or attempts >= self.settings.max_attempts:
                    values["state"] = OutboxState.FAILED
                    log.warning(
                        "outbox %s to chat %s failed for good: %s",
                        row.id,
                        row.chat_id,
                        error.reason,
                    )
                    if self.on_failed is not None:
                        await self.on_failed(session, row, error, now)
                else:
                    if error.retry_after is not None:
                        delay = timedelta(seconds=error.retry_after)
                        if result.global_flood:
                            self.paused_until = max(self.paused_until or now, now + delay)
                    else:
                        delay = min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))
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
            for purpose, accepted in batches.items():
                await self.on_sent[purpose](session, accepted, now)
            if sent:
                await update_rows(session, OutboxMessage, sent)

    async def _record_logged(self, results: list[_Result]) -> None:
        try:
            await self._record(results)
        except Exception:
            # The rows keep their lease; once it expires they are sent again (at least once).
            log.exception("recording delivery results failed")

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, as a stream.

        A claimer keeps a queue of leased rows topped up; `delivery.concurrency` senders
        take one row at a time, so sending never waits for a whole batch to finish or for
        the database; a recorder writes results in batches. On stop, rows not yet sent are
        released for the next start, in-flight sends finish, and every result is recorded.
        """
        try:
            await self.recover()
        except Exception:
            # The leases then expire as usual and the rows go after LEASE.
            log.exception("taking back this instance's leases failed")
        # Ordered by priority: a crisis card or a reply claimed while a morning's
        # check-ins are queued goes out next, not behind them.
        queue: asyncio.PriorityQueue[_Queued] = asyncio.PriorityQueue()
        results: list[_Result] = []
        results_ready = asyncio.Event()
        room = asyncio.Event()
        batch = self.settings.batch_size
        # Two batches deep, so the next claim runs while a whole batch is still queued and
        # the senders never wait for the database; but never more than QUEUE_SECONDS of
        # sending at the configured rate, so leases stay far from expiring.
        depth = max(1, min(2 * batch, int(self.settings.rate_per_second * QUEUE_SECONDS)))
        refill_at = depth - min(batch, depth)

        async def claimer() -> None:
            tick = self.svc.settings.scheduler.tick.total_seconds()
            wakeup = self.svc.outbox_wakeup
            while not stop.is_set():
                # Cleared before looking: a wake-up that arrives meanwhile is kept.
                wakeup.clear()
                room.clear()
                claimed = 0
                try:
                    if not self._paused():
                        if queue.qsize() <= refill_at:
                            claimed = await self._fill(queue, min(batch, depth - queue.qsize()))
                        else:
                            # A full queue still takes what must not wait (few rows, so
                            # the queue's bound barely moves).
                            claimed = await self._fill(queue, batch, below=PRIORITY_BULK)
                except Exception:
                    log.exception("claiming outbox rows failed")
                if claimed:
                    continue
                self._held.clear()
                waits = [stop.wait(), wakeup.wait(), self._held.wait()]
                if queue.qsize() > refill_at:
                    waits.append(room.wait())
                timeout = tick
                if (wait := self.next_wait()) is not None:
                    timeout = min(timeout, wait)
                waiters = [asyncio.ensure_future(w) for w in waits]
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()

        async def sender() -> None:
            while (item := await queue.get())[2] is not None:
                await self.bucket.take()
                # While this sender waited for its turn something more urgent may have been
                # claimed: at the moment of sending, the most urgent row goes.
                if not queue.empty():
                    head = queue.get_nowait()
                    if head < item:
                        head, item = item, head
                    queue.put_nowait(head)
                row = item[2]
                assert row is not None  # a stop marker sorts after every row
                result = await self._attempt(row, paced=True)
                if result is None:
                    continue  # held back for its chat's turn; the claimer brings it back
                results.append(result)
                if len(results) >= batch or queue.empty():
                    results_ready.set()
                if queue.qsize() <= refill_at:
                    room.set()

        async def recorder(finished: asyncio.Event) -> None:
            while True:
                waiter = asyncio.ensure_future(results_ready.wait())
                # Under load results are written a quarter second at a time: each write
                # has a fixed cost (transaction, check-in bookkeeping) worth sharing, and
                # an idle queue still records at once (the senders signal it).
                await asyncio.wait([waiter], timeout=RECORD_INTERVAL)
                waiter.cancel()
                results_ready.clear()
                if results:
                    done = results[:]
                    results.clear()
                    await self._record_logged(done)
                elif finished.is_set():
                    return

        senders_done = asyncio.Event()
        record_task = asyncio.create_task(recorder(senders_done))
        send_tasks = [asyncio.create_task(sender()) for _ in range(self.settings.concurrency)]
        try:
            await claimer()
        finally:
            # Unsent rows go back to the outbox (no attempt counted); in-flight sends finish.
            while not queue.empty():
                row = queue.get_nowait()[2]
                if row is not None:
                    results.append(_Result(row, deferred=True))
            for n, _ in enumerate(send_tasks):
                queue.put_nowait((sys.maxsize, n, None))
            await asyncio.gather(*send_tasks)
            senders_done.set()
            results_ready.set()
            await record_task

    async def _fill(
        self, queue: asyncio.PriorityQueue[_Queued], room: int, *, below: int | None = None
    ) -> int:
        """Move held-back rows now due, then newly claimed ones (only those more urgent
        than `below`, if given), into the send queue."""
        rows = self._take_ready(room)
        if len(rows) < room:
            async with self.svc.db.transaction() as session:
                claimed = await OutboxRepository(session).claim(
                    owner=self.owner,
                    now=self.svc.clock.now(),
                    lease=LEASE,
                    limit=room - len(rows),
                    postgres=self.svc.db.is_postgres,
                    below_priority=below,
                )
            rows.extend(self._pace(claimed))
        for row in rows:
            queue.put_nowait((row.priority, row.id, row))
        return len(rows)
