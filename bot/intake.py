"""Inbound updates: store first, then process.

Both long polling and the webhook write each update to `inbound_updates` (keyed by
`update_id`, duplicates ignored) before it is confirmed to Telegram: polling confirms by
advancing the offset only after the insert committed; the webhook answers 200 only after
it. The processor then feeds stored updates to the PTB application in `update_id` order
and marks each processed. A crash anywhere loses nothing and repeats nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.app import TelegramApp
from storage.inbound import InboundRepository
from usecases.services import Services

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


async def store_updates(svc: Services, updates: list[dict[str, Any]]) -> int:
    async with svc.db.transaction() as session:
        return await InboundRepository(session).record(
            updates, now=svc.clock.now(), postgres=svc.db.is_postgres
        )


class Processor:
    """Runs stored updates through the application; one small step at a time."""

    def __init__(self, svc: Services, app: TelegramApp, *, batch: int = 50) -> None:
        self.svc = svc
        self.app = app
        self.batch = batch
        self.wakeup = asyncio.Event()

    async def step(self) -> bool:
        # A read, not a write turn: on SQLite it does not queue behind the single writer, and
        # a row another instance takes meanwhile is refused by the handler's own claim.
        async with self.svc.db.read_session() as session:
            rows = await InboundRepository(session).unprocessed(limit=self.batch)
            pending = [(row.update_id, row.payload, row.received_at) for row in rows]
        claimed = self.svc.claimed_updates
        for update_id, payload, received_at in pending:
            try:
                update = Update.de_json(_loads(payload), self.app.bot)
                await self.app.process_update(update)
                # Handlers claim the update in their own transaction; this catches the ones
                # no handler took (e.g. a bare my_chat_member) so they are not offered again.
                if update_id in claimed:
                    claimed.discard(update_id)
                else:
                    async with self.svc.db.transaction() as session:
                        await InboundRepository(session).claim(
                            update_id, now=self.svc.clock.now()
                        )
            except Exception as exc:
                claimed.discard(update_id)
                # Updates are taken oldest first: one that fails every time must not hold
                # back the ones after it. The rest of the batch goes on; this one is tried
                # again until it has failed `max_update_attempts` times.
                await self._failed(update_id, exc)
                continue
            self.svc.metrics.inc("tsunagari_updates_handled_total")
            waited = (self.svc.clock.now() - received_at).total_seconds()
            self.svc.metrics.observe("tsunagari_update_to_reply_seconds", max(0.0, waited))
        return bool(pending)

    async def _failed(self, update_id: int, exc: Exception) -> None:
        limit = self.svc.settings.telegram.max_update_attempts
        error = type(exc).__name__
        async with self.svc.db.transaction() as session:
            attempts = await InboundRepository(session).record_failure(
                update_id, now=self.svc.clock.now(), error=error, max_attempts=limit
            )
        if attempts is None:
            return
        if attempts >= limit:
            # Once, with ids and the error's class only: the payload holds the person's words.
            log.error(
                "update %s set aside after %s failed attempts (%s); "
                "see `tsunagari updates set-aside`",
                update_id,
                attempts,
                error,
            )
            self.svc.metrics.inc("tsunagari_updates_set_aside_total", stage="intake")
        else:
            log.warning("update %s failed (attempt %s, %s)", update_id, attempts, error)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                found = await self.step()
            except Exception:
                log.exception("update processing step failed")
                found = False
            if not found:
                await _wait_any(self.wakeup, stop, seconds=5.0)
                self.wakeup.clear()


class Poller:
    """Long polling that confirms an offset only after the updates are stored."""

    def __init__(self, svc: Services, app: TelegramApp, processor: Processor) -> None:
        self.svc = svc
        self.app = app
        self.processor = processor
        self.offset: int | None = None
        # Updates fetched from Telegram and not yet committed (tests wait for this to be 0).
        self.storing = 0

    async def poll_once(self, wait_seconds: int) -> int:
        updates = await self.app.bot.get_updates(
            offset=self.offset, timeout=wait_seconds, allowed_updates=ALLOWED_UPDATES
        )
        if not updates:
            return 0
        self.storing = len(updates)
        try:
            await store_updates(self.svc, [u.to_dict() for u in updates])
        finally:
            self.storing = 0
        self.offset = max(u.update_id for u in updates) + 1
        self.processor.wakeup.set()
        return len(updates)

    async def run(self, stop: asyncio.Event) -> None:
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.poll_once(self.svc.settings.telegram.poll_timeout)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await _wait_any(stop, seconds=_seconds(exc.retry_after))
            except InvalidToken:
                log.error("Telegram rejected the bot token; stopping")
                stop.set()
            except Conflict:
                log.error("another instance is polling with this token; retrying")
                await _wait_any(stop, seconds=backoff)
                backoff = min(backoff * 2, 60.0)
            except (TimedOut, NetworkError) as exc:
                log.warning("polling failed (%s); retrying in %.0fs", type(exc).__name__, backoff)
                await _wait_any(stop, seconds=backoff)
                backoff = min(backoff * 2, 60.0)

    async def confirm(self) -> None:
        """Tell Telegram what was stored, so a restart does not fetch it again."""
        if self.offset is not None:
            try:
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
            except (TimedOut, NetworkError):
                log.info("could not confirm the last offset; the next start de-duplicates")


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


def _loads(payload: str | None) -> dict[str, Any]:
    if payload is None:
        raise ValueError("no payload stored")
    value = json.loads(payload)
    if not isinstance(value, dict):
        raise ValueError("an update must be a JSON object")
    return value


async def _wait_any(*events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
