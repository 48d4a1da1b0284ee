"""Whether the bot can reach a staff member, and who answers an escalation next.

Telegram lets a bot write only to someone who has written to it first, so a staff member
registered from the command line is *unknown* until a send to them succeeds or they write
to the bot; a permanent send failure (blocked, chat not found, forbidden) makes them
*unreachable* until they write again.

Responders come in tiers, in ladder order: the person's worker (or whoever holds the
escalation), the backup, then every coordinator. A tier whose members are all known
unreachable is passed over; unknown staff are still tried, since a send is the only way to
find out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

__all__ = [
    "Reachability",
    "Screened",
    "Unreachable",
    "screen_tiers",
    "unreachable_cause",
]

T = TypeVar("T")


class Reachability(StrEnum):
    UNKNOWN = "unknown"
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"

    @property
    def usable(self) -> bool:
        """Worth sending to: reachable, or not yet known (only a send can tell)."""
        return self is not Reachability.UNREACHABLE


class Unreachable(StrEnum):
    """Why a staff member cannot be reached: the permanent delivery failures that say so."""

    BLOCKED = "blocked"
    CHAT_NOT_FOUND = "chat_not_found"
    FORBIDDEN = "forbidden"


def unreachable_cause(delivery_reason: str) -> Unreachable | None:
    """The cause a permanent delivery failure reveals, or None if it says nothing about the
    recipient (a malformed request, flood control, network trouble)."""
    try:
        return Unreachable(delivery_reason)
    except ValueError:
        return None


@dataclass
class Screened(Generic[T]):
    """Who to notify (`chosen`, one tier), and who was passed over as unreachable."""

    chosen: list[T] = field(default_factory=list)
    skipped: list[T] = field(default_factory=list)


def screen_tiers(tiers: Sequence[Sequence[tuple[T, Reachability]]]) -> Screened[T]:
    """The first tier with anyone usable (its usable members), and the unreachable members
    of every tier looked at, in order, without repeats."""
    result: Screened[T] = Screened()
    for tier in tiers:
        usable = [member for member, state in tier if state.usable]
        for member, state in tier:
            if not state.usable and member not in result.skipped:
                result.skipped.append(member)
        if usable:
            result.chosen = usable
            break
    return result
