"""Continuity first (issue 13, item 8): a person goes back to whoever knows them.

When a worker leaves (deactivation) or a stopped person comes back to a worker who is no
longer there, the bot suggests, and a coordinator confirms:

1. the person's backup, if active (they already know the person);
2. otherwise the active staff member who handled most of the person's episodes
   (acknowledged or held them); ties go to whoever joined first (the lower id);
3. otherwise no suggestion: the coordinator chooses with /assign.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["HandoverReason", "Suggestion", "suggest_worker"]


class HandoverReason(StrEnum):
    BACKUP = "backup"
    EPISODES = "episodes"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Suggestion:
    staff_id: int | None
    reason: HandoverReason
    episodes: int = 0  # how many of the person's episodes they handled (EPISODES)


def suggest_worker(
    leaving: int | None,
    backup_id: int | None,
    active: Collection[int],
    handled: Mapping[int, int],
) -> Suggestion:
    """Who should look after the person instead of `leaving` (rules in the module doc).
    `handled`: episodes of the person each staff member acknowledged or held."""
    if backup_id is not None and backup_id != leaving and backup_id in active:
        return Suggestion(backup_id, HandoverReason.BACKUP)
    candidates = [
        (count, -staff_id)
        for staff_id, count in handled.items()
        if count > 0 and staff_id != leaving and staff_id in active
    ]
    if not candidates:
        return Suggestion(None, HandoverReason.NONE)
    count, negative_id = max(candidates)
    return Suggestion(-negative_id, HandoverReason.EPISODES, count)
