"""Strict parsers for what staff and people type after a command, and button presses.

One parser per kind of reference. Numbers are ASCII digits (full-width ０-９ from a
Japanese keyboard are folded to them first) and nothing else: `str.isdigit` accepts `²`
and `int()` accepts `٣`, `_` and spaces; a sign is never part of a reference. Bounds are
checked here, before the database, against the column a number is looked up in (31-bit
primary keys, 63-bit Telegram ids), so a 30-digit number is a kind reply, not an error
from the driver. A bad argument raises `BadArgument` naming its kind; `bad_argument_text`
turns it into the reply that names the one wrong argument and the expected form.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.schedule import parse_hhmm
from usecases.buttons import MAX_ROW_ID, Button, ButtonKind, parse_button
from usecases.schedule_change import NOT_ALLOWED, Problem
from usecases.words import shown, wrong_value_text

if TYPE_CHECKING:
    from handlers.turn import Turn

__all__ = [
    "MAX_ROW_ID",
    "MAX_TELEGRAM_ID",
    "ArgKind",
    "BadArgument",
    "Button",
    "ButtonKind",
    "bad_argument_text",
    "days",
    "escalation_ref",
    "hhmm",
    "invite_token",
    "parse_button",
    "person_ref",
    "pressed",
    "row_id",
    "shown",
    "staff_ref",
    "stale_button",
]

MAX_TELEGRAM_ID = 2**63 - 1  # BIGINT Telegram user ids

_FULLWIDTH = str.maketrans("０１２３４５６７８９：＃", "0123456789:#")


class ArgKind(StrEnum):
    """What an argument should have been; each names its `args.form.<kind>` sentence."""

    PERSON = "person"
    STAFF = "staff"
    ESCALATION = "escalation"
    DAYS = "days"
    TIME = "time"
    # /schedule's parts are its rules' own kinds (usecases.schedule_change.Problem).
    # /resolve
    OUTCOME = "outcome"
    # /staff_invite
    ROLE = "role"


class BadArgument(ValueError):
    """An argument that is not of the expected form; `value` is what was typed."""

    def __init__(self, kind: ArgKind | Problem, value: str, **params: object) -> None:
        self.kind = kind
        self.value = value
        self.params = params
        super().__init__(f"bad {kind.value} argument")


def _digits(text: str, *, low: int, high: int) -> int | None:
    """`text` as a number if it is ASCII digits only, within [low, high]."""
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _number(text: str, *, low: int, high: int) -> int | None:
    """A typed number: surrounding spaces and full-width digits are forgiven."""
    return _digits(text.strip().translate(_FULLWIDTH), low=low, high=high)


def person_ref(text: str) -> int:
    """A person named by internal id or Telegram user id (as staff commands allow)."""
    value = _number(text, low=1, high=MAX_TELEGRAM_ID)
    if value is None:
        raise BadArgument(ArgKind.PERSON, text)
    return value


def staff_ref(text: str) -> int:
    """A staff member named by internal id or Telegram user id."""
    value = _number(text, low=1, high=MAX_TELEGRAM_ID)
    if value is None:
        raise BadArgument(ArgKind.STAFF, text)
    return value


def escalation_ref(text: str) -> int:
    """An escalation number, as `7` or `#7` (the queue shows `#7`)."""
    folded = text.strip().translate(_FULLWIDTH)
    value = _number(folded.removeprefix("#"), low=1, high=MAX_ROW_ID)
    if value is None:
        raise BadArgument(ArgKind.ESCALATION, text)
    return value


def days(text: str, *, maximum: int) -> int:
    value = _number(text, low=1, high=maximum)
    if value is None:
        raise BadArgument(ArgKind.DAYS, text, max=maximum)
    return value


def hhmm(text: str) -> time:
    folded = text.strip().translate(_FULLWIDTH)
    if not folded.isascii():
        raise BadArgument(ArgKind.TIME, text)
    try:
        return parse_hhmm(folded)
    except ValueError:
        raise BadArgument(ArgKind.TIME, text) from None


_INVITE_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def invite_token(text: str) -> str | None:
    """A deep-link token as `secrets.token_urlsafe` writes them; None for anything else
    (Telegram's deep links allow only these characters, so nothing real is refused)."""
    return text if _INVITE_TOKEN.fullmatch(text) else None


def row_id(text: str) -> int | None:
    """A database id carried by a button; None when it cannot be one."""
    return _digits(text, low=1, high=MAX_ROW_ID)


def bad_argument_text(turn: Turn, exc: BadArgument) -> str:
    """The kind reply naming the one wrong argument and the form it should take; a
    missing argument gets the form alone."""
    return wrong_value_text(
        turn.svc.catalog,
        turn.language,
        exc.kind.value,
        exc.value,
        exc.params,
        # Values that read well but do not fit are /schedule's, named once by its rules.
        not_allowed=exc.kind in NOT_ALLOWED,
    )


def stale_button(turn: Turn) -> None:
    """Answer a press of a button the bot did not write (or no longer acts on) kindly."""
    turn.callback_answer = turn.text("args.stale_button")


# --------------------------------------------------------------------------- buttons


def pressed(turn: Turn, kind: ButtonKind) -> Button | None:
    """The turn's button press, if it is a well-formed `kind` button; otherwise the press
    is answered kindly (`stale_button`) and None tells the handler to change nothing."""
    query = turn.update.callback_query
    button = parse_button(query.data if query is not None else None)
    if button is None or button.kind is not kind:
        stale_button(turn)
        return None
    return button
