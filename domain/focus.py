"""Time-limited intensification (issue 13, item 6): nothing stays dense silently forever.

Two things make contact denser: the cadence rule tightening (関わりは濃くなる) and a worker
starting a focused-support period (`/focus`, the report's 課題解決型の支援). Each carries a
review date. On that date the worker is asked, with buttons, whether to go on for a while
or go back to the base schedule; the answer sets the next review date or ends the period.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from domain.cadence import CadenceBounds, CadenceLevel, rank

__all__ = [
    "MAX_FOCUS_DAYS",
    "FocusKind",
    "ReviewChoice",
    "focus_level",
    "next_review",
]

MAX_FOCUS_DAYS = 90


class FocusKind(StrEnum):
    CADENCE = "cadence"  # the cadence rule tightened contact
    FOCUS = "focus"  # a worker started a focused-support period


class ReviewChoice(StrEnum):
    """The review prompt's buttons, in order: go on (two lengths), or back to base."""

    CONTINUE_7 = "week"
    CONTINUE_14 = "two_weeks"
    BASE = "base"

    @property
    def days(self) -> int | None:
        return {ReviewChoice.CONTINUE_7: 7, ReviewChoice.CONTINUE_14: 14}.get(self)


def next_review(choice: ReviewChoice, now: datetime) -> datetime | None:
    """When the period is reviewed again after `choice`; None: it ends now."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    days = choice.days
    return None if days is None else now + timedelta(days=days)


def focus_level(current: CadenceLevel, bounds: CadenceBounds) -> CadenceLevel:
    """A focus period means contact at least one step denser than base, within the
    coordinator's bounds; a level already denser stays."""
    wanted = current if rank(current) >= rank(CadenceLevel.CLOSE) else CadenceLevel.CLOSE
    return bounds.clamp(wanted)
