"""Fault injection and optional flood-limit emulation.

Faults are rules matched against each *valid* request (violations are always reported first,
so an injected fault never hides a malformed request). A rule fires ``count`` times, or
forever when ``count`` is ``None``.

Flood limits use token buckets with Telegram's documented rates (about 30 messages per second
overall, about one per second per chat, with a small burst allowance because real Telegram
tolerates a reply or two in quick succession).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

# "reset": the connection is dropped without an answer (a reset or a crashed proxy).
FaultKind = Literal["retry_after", "server_error", "slow", "error", "reset"]
_KINDS = ("retry_after", "server_error", "slow", "error", "reset")


@dataclass(slots=True)
class Fault:
    method: str | None
    kind: FaultKind
    count: int | None
    chat_id: int | str | None
    retry_after: int
    status: int
    description: str | None
    delay: float
    fired: int = 0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.count is not None and self.fired >= self.count:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass(frozen=True, slots=True)
class FaultResponse:
    """What the server should do: answer ``status``/``body`` after sleeping ``delay``, or
    drop the connection without answering when ``reset``."""

    delay: float
    status: int | None = None
    body: dict[str, Any] | None = None
    reset: bool = False


class FaultInjector:
    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(
        self,
        method: str | None = None,
        kind: FaultKind = "server_error",
        *,
        count: int | None = 1,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        status: int | None = None,
        description: str | None = None,
        delay: float = 1.0,
    ) -> Fault:
        """Register a fault; ``method=None`` matches every method."""
        if kind not in _KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {_KINDS}")
        default_status = {"retry_after": 429, "server_error": 502, "error": 400}.get(kind, 200)
        fault = Fault(
            method=method,
            kind=kind,
            count=count,
            chat_id=chat_id,
            retry_after=retry_after,
            status=status or default_status,
            description=description,
            delay=delay,
        )
        self.rules.append(fault)
        return fault

    def clear(self) -> None:
        self.rules.clear()

    def check(self, method: str, params: dict[str, Any]) -> FaultResponse | None:
        for fault in self.rules:
            if not fault.matches(method, params):
                continue
            fault.fired += 1
            if fault.kind == "slow":
                return FaultResponse(delay=fault.delay)
            if fault.kind == "reset":
                return FaultResponse(delay=0.0, reset=True)
            if fault.kind == "retry_after":
                return FaultResponse(
                    delay=0.0,
                    status=429,
                    body=retry_after_body(fault.retry_after),
                )
            description = fault.description or (
                "Bad Gateway" if fault.kind == "server_error" else "Bad Request: injected error"
            )
            return FaultResponse(
                delay=0.0,
                status=fault.status,
                body={"ok": False, "error_code": fault.status, "description": description},
            )
        return None


def retry_after_body(seconds: int) -> dict[str, Any]:
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {seconds}",
        "parameters": {"retry_after": seconds},
    }


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FloodLimiter:
    """Answers "retry after N" when the bot sends faster than Telegram allows."""

    def __init__(
        self,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3.0,
    ) -> None:
        self._global = _Bucket(global_rate, global_rate, time.monotonic())
        self._per_chat_rate = per_chat_rate
        self._per_chat_burst = per_chat_burst
        self._chats: dict[Any, _Bucket] = {}

    def retry_after(self, chat_id: Any) -> int | None:
        """Consume a send slot, or return the seconds the bot must wait."""
        now = time.monotonic()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(self._per_chat_rate, self._per_chat_burst, now)
        wait = max(self._global.wait_needed(now), chat.wait_needed(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.tokens -= 1
        chat.tokens -= 1
        return None
