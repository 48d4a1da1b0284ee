"""Records the stand-in keeps about what the bot did, as seen by tests.

These are plain slotted dataclasses: benchmarks push hundreds of thousands of messages
through the stand-in, so per-message overhead matters more than convenience.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TextEdit:
    """One state of a message before an edit replaced it."""

    text: str | None
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    edit_date: int | None


@dataclass(frozen=True, slots=True)
class SentPhoto:
    """A photo the bot sent: an upload (its filename, size and the SHA-256 of the bytes that
    arrived) or a file_id or URL string (no bytes, so no size or digest)."""

    file_id: str
    file_unique_id: str
    size: int | None = None
    sha256: str | None = None
    filename: str | None = None


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent to a chat, with its current state and edit history."""

    message_id: int
    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    date: int
    parse_mode: str | None = None
    entities: list[dict[str, Any]] | None = None
    edit_date: int | None = None
    # When the stand-in accepted the send and the latest edit, on its monotonic clock
    # (see UpdateTiming).
    received_at: float = 0.0
    edited_at: float | None = None
    # Earlier states, oldest first; the current state lives in the fields above.
    edits: list[TextEdit] = field(default_factory=list)
    photo: SentPhoto | None = None
    caption: str | None = None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons flattened row by row, as ``(text, callback_data)``."""
        if not self.reply_markup:
            return []
        return [
            (button.get("text", ""), button.get("callback_data"))
            for row in self.reply_markup.get("inline_keyboard", [])
            for button in row
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "text": self.text,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "buttons": [list(b) for b in self.buttons],
            "date": self.date,
            "edit_date": self.edit_date,
            "received_at": self.received_at,
            "edited_at": self.edited_at,
            "edits": [
                {"text": e.text, "reply_markup": e.reply_markup, "edit_date": e.edit_date}
                for e in self.edits
            ],
            "caption": self.caption,
            "photo": None
            if self.photo is None
            else {
                "file_id": self.photo.file_id,
                "size": self.photo.size,
                "sha256": self.photo.sha256,
                "filename": self.photo.filename,
            },
        }


@dataclass(slots=True)
class UpdateTiming:
    """When an update was queued and first handed to the bot (getUpdates answer or webhook
    POST), in seconds on the stand-in's monotonic clock.

    Latency benchmarks subtract ``handed_at`` from a reply's ``SentMessage.received_at``:
    both are read in the stand-in process, so the bot's own clock and the benchmark's
    HTTP round trips never enter the figure.
    """

    update_id: int
    kind: str
    chat_id: int | None
    queued_at: float
    handed_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "update_id": self.update_id,
            "kind": self.kind,
            "chat_id": self.chat_id,
            "queued_at": self.queued_at,
            "handed_at": self.handed_at,
        }


@dataclass(frozen=True, slots=True)
class Violation:
    """A request the spec (or real Telegram) would not accept."""

    method: str
    description: str


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    callback_query_id: str
    chat_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None


@dataclass(slots=True)
class StandInStats:
    """Cheap counters kept even when full request recording is off."""

    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    updates_delivered: int = 0
    webhook_failures: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "errors": dict(self.errors),
            "total_requests": self.total_requests,
            "updates_delivered": self.updates_delivered,
            "webhook_failures": self.webhook_failures,
        }
