"""Shared pieces of the latency benchmarks (not a test module).

Latency is read entirely inside the stand-in: from the moment it hands an update to the bot
(the getUpdates answer, or the webhook POST) to the moment it accepts the bot's reply. The
benchmark's own HTTP round trips to ``/_control/`` and the bot's clock never enter it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from infra.settings import Settings, settings_from_mapping
from standin.sandbox import SANDBOX_TOKEN

__all__ = [
    "WEBHOOK_SECRET",
    "StandInControl",
    "bot_settings",
    "percentile",
    "summary",
]

WEBHOOK_SECRET = "latency-benchmark-webhook-secret"


def bot_settings(
    *,
    database_url: str,
    base_url: str,
    mode: str = "polling",
    webhook_port: int = 0,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """The settings a fresh install runs with: every default, only the token, the stand-in's
    URL and the database given (plus the webhook's address in webhook mode)."""
    telegram: dict[str, Any] = {"token": SANDBOX_TOKEN, "base_url": f"{base_url}/bot"}
    if mode == "webhook":
        telegram.update(
            mode="webhook",
            webhook_url=f"http://127.0.0.1:{webhook_port}/telegram/webhook",
            webhook_listen=f"127.0.0.1:{webhook_port}",
            webhook_secret=WEBHOOK_SECRET,
        )
    data: dict[str, dict[str, Any]] = {"telegram": telegram, "database": {"url": database_url}}
    for section, values in (extra or {}).items():
        data.setdefault(section, {}).update(values)
    return settings_from_mapping(data, {})


@dataclass
class StandInControl:
    """The stand-in's ``/_control/`` API, as simulated users and an observer use it."""

    http: aiohttp.ClientSession
    url: str

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.http.request(method, f"{self.url}/_control{path}", **kwargs) as response:
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: {response.status} {await response.text()}")
            return await response.json()

    async def send_text(self, user_id: int, text: str, first_name: str = "User") -> tuple[int, int]:
        """A user writes; returns (update_id, the id of the user's message in the chat)."""
        body = {"text": text, "first_name": first_name}
        sent = await self._json("POST", f"/users/{user_id}/text", json=body)
        return int(sent["update_id"]), int(sent["message_id"])

    async def press(self, user_id: int, message_id: int, data: str) -> int:
        """A user presses a button; returns the update_id."""
        body = {"message_id": message_id, "data": data}
        pressed = await self._json("POST", f"/users/{user_id}/press", json=body)
        return int(pressed["update_id"])

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json("GET", f"/chats/{chat_id}/messages")
        return result

    async def messages_after(
        self, chat_id: int, after: int, wait: float
    ) -> list[dict[str, Any]]:
        """What the bot sent to `chat_id` after message `after`, waiting up to `wait` s."""
        query = {"after": str(after), "timeout": str(wait)}
        result: list[dict[str, Any]] = await self._json(
            "GET", f"/chats/{chat_id}/messages", params=query
        )
        return result

    async def update_timings(self, since: int) -> dict[int, dict[str, Any]]:
        timings = await self._json("GET", "/updates/timings", params={"since": str(since)})
        return {int(t["update_id"]): t for t in timings}

    async def accepted_sends(self) -> int:
        stats = await self._json("GET", "/stats")
        return int(stats["requests"].get("sendMessage", 0)) - int(
            stats["errors"].get("sendMessage", 0)
        )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values_ms: Sequence[float]) -> str:
    """``p50 … p90 … p99 … max …`` in milliseconds."""
    if not values_ms:
        return "no samples"
    parts = [f"p{p} {percentile(values_ms, p):.1f}" for p in (50, 90, 99)]
    return ", ".join(parts) + f", max {max(values_ms):.1f} ms"
