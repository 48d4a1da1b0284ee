"""The timeline as data: every event of a person's time with the team, in order.

Events carry ids, kinds and words (a mood, a reason, a state), never message text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["TimelineEvent", "TimelineKind", "in_order"]


class TimelineKind(StrEnum):
    CHECKIN = "checkin"
    MOOD = "mood"
    MESSAGE = "message"
    NUDGE = "nudge"
    ESCALATION_OPENED = "escalation_opened"
    ESCALATION_RESOLVED = "escalation_resolved"
    CADENCE_CHANGED = "cadence_changed"
    FOCUS_STARTED = "focus_started"  # denser contact with a review date (domain/focus.py)
    FOCUS_REVIEWED = "focus_reviewed"  # the last review's answer
    FOCUS_ENDED = "focus_ended"
    TIE_PROPOSED = "tie_proposed"
    TIE_ACTIVE = "tie_active"
    TIE_DECLINED = "tie_declined"
    TIE_CHECKED = "tie_checked"  # the last answer to the periodic question about the tie
    TIE_ENDED = "tie_ended"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"


# Events at the same instant keep the order a life runs in: a check-in is sent before it
# is nudged, answered or escalated; a tie is proposed before it is answered.
_RANK = {kind: rank for rank, kind in enumerate(TimelineKind)}


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: TimelineKind
    fields: Mapping[str, object] = field(default_factory=dict)


def in_order(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """Oldest first; same-instant events in the order of `TimelineKind` (stable)."""
    return sorted(events, key=lambda e: (e.at, _RANK[e.kind]))
