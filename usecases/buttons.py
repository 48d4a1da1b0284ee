"""Every button's callback data, written and read here and nowhere else.

A button's data is `kind:part:part`, at most 64 bytes (Telegram's limit). Each kind has
a fixed shape, so the builder refuses what the parser would refuse, and the parser
returns None for anything the bot never wrote: unknown kinds, missing or extra parts,
non-ASCII digits, ids out of range. Handlers register one pattern per kind
(`pattern`), derived from the same table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ID_MARK",
    "MAX_PAGE",
    "MAX_ROW_ID",
    "Button",
    "ButtonKind",
    "button_data",
    "fill_id",
    "parse_button",
    "pattern",
]

MAX_ROW_ID = 2**31 - 1  # INTEGER primary keys (people, staff, escalations, check-ins, invites)
MAX_PAGE = 10_000
MAX_DATA_BYTES = 64
# Stands for an id not known yet when a keyboard is built once and reused (check-ins):
# `fill_id` puts the real id in. Never valid data on its own.
ID_MARK = "\u0000id\u0000"


class ButtonKind(StrEnum):
    CONSENT = "consent"
    LANGUAGE = "lang"
    MOOD = "mood"
    TALK = "talk"
    FORGET = "forget"
    ACK = "ack"
    QUEUE_PAGE = "queue"
    ESCALATION = "esc"
    RESOLVE_MENU = "resolve"
    RESOLVE = "res"
    CRISIS_LINES = "crisis"
    PAUSE_REASON = "pause"
    REVIEW = "review"
    HANDOVER = "handover"  # confirm a departing worker's handover plan: handover:<staff>:yes|no

    TIE = "tie"  # the person's answer to a proposed tie: tie:<id>:yes|no
    TIE_END = "tieend"  # the person ends an active tie from /mydata: tieend:<id>
    TIE_CHECK = "tiechk"  # the periodic question about a tie: tiechk:<id>:going|quiet|stopped


@dataclass(frozen=True, slots=True)
class Button:
    """A pressed button's data, checked: `number` is an id (or a page), `choice` a word,
    `words` an optional trailing list of words."""

    kind: ButtonKind
    number: int | None = None
    choice: str | None = None
    words: tuple[str, ...] = ()


_WORD = re.compile(r"[a-z_]{1,30}")
# Which parts each kind carries, in the order they are written; "words" is an optional
# last part holding a comma-separated list.
_SHAPES: dict[ButtonKind, tuple[str, ...]] = {
    ButtonKind.CONSENT: ("word", "id"),
    ButtonKind.LANGUAGE: ("word",),
    ButtonKind.MOOD: ("id", "word"),
    ButtonKind.TALK: ("id",),
    ButtonKind.FORGET: ("word",),
    ButtonKind.ACK: ("id",),
    ButtonKind.QUEUE_PAGE: ("page",),
    ButtonKind.ESCALATION: ("id",),
    ButtonKind.RESOLVE_MENU: ("id",),
    ButtonKind.RESOLVE: ("id", "word"),
    ButtonKind.CRISIS_LINES: ("word", "words"),
    ButtonKind.PAUSE_REASON: ("word",),
    ButtonKind.REVIEW: ("id", "word"),
    ButtonKind.HANDOVER: ("id", "word"),

    ButtonKind.TIE: ("id", "word"),
    ButtonKind.TIE_END: ("id",),
    ButtonKind.TIE_CHECK: ("id", "word"),
}


def pattern(kind: ButtonKind) -> str:
    """The regular expression a handler for `kind` is registered with."""
    return f"^{re.escape(kind.value)}(:|$)"


def _digits(text: str, *, low: int, high: int) -> int | None:
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _part_ok(part: str, form: str) -> bool:
    if form == "word":
        return _WORD.fullmatch(part) is not None
    if form == "words":
        return all(_WORD.fullmatch(w) for w in part.split(","))
    low, high = (0, MAX_PAGE) if form == "page" else (1, MAX_ROW_ID)
    return _digits(part, low=low, high=high) is not None


def button_data(kind: ButtonKind, *parts: int | str) -> str:
    """The data of a `kind` button; raises ValueError for parts its shape does not allow
    (a programming error: what is written here must parse)."""
    shape = _SHAPES[kind]
    if len(parts) not in _lengths(shape):
        raise ValueError(f"button {kind.value}: {len(parts)} parts, shape {shape}")
    texts = [str(p) for p in parts]
    for text, form in zip(texts, shape, strict=False):
        if text == ID_MARK and form == "id":
            continue
        if not _part_ok(text, form):
            raise ValueError(f"button {kind.value}: part {text!r} is not a {form}")
    data = ":".join([kind.value, *texts])
    if len(data.replace(ID_MARK, str(MAX_ROW_ID)).encode()) > MAX_DATA_BYTES:
        raise ValueError(f"button {kind.value}: longer than {MAX_DATA_BYTES} bytes")
    return data


def fill_id(text: str, number: int) -> str:
    """`text` (JSON or plain) with every ID_MARK replaced by `number`."""
    return text.replace(ID_MARK, str(number)).replace(_JSON_MARK, str(number))


_JSON_MARK = "\\u0000id\\u0000"


def _lengths(shape: tuple[str, ...]) -> set[int]:
    return {len(shape) - 1, len(shape)} if shape[-1] == "words" else {len(shape)}


def parse_button(data: str | None) -> Button | None:
    """The button `data` describes, or None for anything the bot never wrote."""
    if not data or not data.isascii() or len(data) > MAX_DATA_BYTES:
        return None
    prefix, *parts = data.split(":")
    try:
        kind = ButtonKind(prefix)
    except ValueError:
        return None
    shape = _SHAPES[kind]
    if len(parts) not in _lengths(shape):
        return None
    number: int | None = None
    choice: str | None = None
    words: tuple[str, ...] = ()
    for part, form in zip(parts, shape, strict=False):
        if not _part_ok(part, form):
            return None
        if form == "word":
            choice = part
        elif form == "words":
            words = tuple(part.split(","))
        else:
            number = int(part)
    return Button(kind, number, choice, words)
