"""The person's own rhythm: silence read against how they usually reply (issue 13, item 5).

Someone who always answers within the hour and has been quiet for a day is not in the same
place as someone who answers every other evening. Once a person has answered enough
check-ins, their usual reply delay (the 90th percentile of their recent delays: most of
their replies come sooner) sets when the nudge and the silence escalation come, within the
organisation's bounds:

* nudge after the usual delay, never sooner than ``NUDGE_FLOOR``;
* the silence escalation after ``ESCALATE_FACTOR`` times the usual delay, within the
  organisation's minimum and maximum, and always after the nudge;
* until there is enough history, the configured delays, unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "ESCALATE_FACTOR",
    "NUDGE_FLOOR",
    "RECENT_REPLIES",
    "RhythmBounds",
    "SilenceDelays",
    "silence_delays",
    "usual_delay",
]

# Only the most recent replies count: a rhythm changes with a life.
RECENT_REPLIES = 20
NUDGE_FLOOR = timedelta(hours=1)
ESCALATE_FACTOR = 3


@dataclass(frozen=True, slots=True)
class RhythmBounds:
    """The organisation's settings: how many replies make a rhythm (0: never use one), and
    the shortest and longest wait before a silence escalation."""

    min_replies: int
    escalate_min: timedelta
    escalate_max: timedelta

    def __post_init__(self) -> None:
        if self.min_replies < 0:
            raise ValueError("min_replies must not be negative")
        if not timedelta(0) < self.escalate_min <= self.escalate_max:
            raise ValueError("escalate_min must be positive and at most escalate_max")


@dataclass(frozen=True, slots=True)
class SilenceDelays:
    nudge_after: timedelta
    escalate_after: timedelta
    # The usual delay these came from; None when the configured delays apply.
    usual: timedelta | None = None


def usual_delay(delays: Sequence[timedelta], min_replies: int) -> timedelta | None:
    """The 90th percentile (nearest rank) of the most recent `RECENT_REPLIES` reply delays,
    newest first; None below `min_replies` replies (or when `min_replies` is 0)."""
    recent = sorted(d for d in delays[:RECENT_REPLIES] if d >= timedelta(0))
    if min_replies <= 0 or len(recent) < min_replies:
        return None
    rank = math.ceil(0.9 * len(recent))
    return recent[rank - 1]


def silence_delays(
    usual: timedelta | None,
    nudge_after: timedelta,
    escalate_after: timedelta,
    bounds: RhythmBounds,
) -> SilenceDelays:
    """When to nudge and when to escalate after a check-in goes unanswered."""
    if usual is None or bounds.min_replies <= 0:
        return SilenceDelays(nudge_after, escalate_after)
    escalate = min(max(usual * ESCALATE_FACTOR, bounds.escalate_min), bounds.escalate_max)
    nudge = min(max(usual, NUDGE_FLOOR), escalate / 2)
    return SilenceDelays(nudge, escalate, usual)
