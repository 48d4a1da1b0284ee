"""What to do about silence after a check-in (待つ - the worker waits; no pressure).

Rules:

* A reply at or after the check-in was sent stops everything: no nudge, no escalation. (A
  reply *before* ``sent_at`` belongs to an earlier check-in and does not count.)
* At most one gentle nudge, once ``nudge_after`` has passed since the check-in.
* One *silence* escalation once ``escalate_after`` has passed, whether or not the nudge went
  out (after downtime a late nudge immediately followed by an escalation helps nobody, so the
  escalation wins). Never a second one.
* Silence never closes or lowers anything (つながり続ける): after an escalation the person
  keeps receiving check-ins at their cadence; this module only ever returns NONE then.

If nudges should respect quiet hours, the caller can hold a NUDGE until
:func:`domain.schedule.in_quiet_hours` is false; the nudge stays due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["SilenceAction", "next_silence_check", "silence_action"]


class SilenceAction(StrEnum):
    NONE = "none"
    NUDGE = "nudge"
    ESCALATE = "escalate"


def _validate(nudge_after: timedelta, escalate_after: timedelta, *instants: datetime) -> None:
    if nudge_after <= timedelta(0) or escalate_after <= timedelta(0):
        raise ValueError("nudge_after and escalate_after must be positive")
    for instant in instants:
        if instant.tzinfo is None:
            raise ValueError("instants must be aware datetimes (UTC)")


def _replied(sent_at: datetime, replied_at: datetime | None) -> bool:
    return replied_at is not None and replied_at >= sent_at


def silence_action(
    sent_at: datetime,
    replied_at: datetime | None,
    nudged_at: datetime | None,
    escalated: bool,
    now: datetime,
    nudge_after: timedelta,
    escalate_after: timedelta,
) -> SilenceAction:
    """The single action due now for one check-in (rules in the module docstring)."""
    _validate(nudge_after, escalate_after, sent_at, now)
    if _replied(sent_at, replied_at) or escalated:
        return SilenceAction.NONE
    waited = now - sent_at
    if waited >= escalate_after:
        return SilenceAction.ESCALATE
    if waited >= nudge_after and nudged_at is None:
        return SilenceAction.NUDGE
    return SilenceAction.NONE


def next_silence_check(
    sent_at: datetime,
    replied_at: datetime | None,
    nudged_at: datetime | None,
    escalated: bool,
    nudge_after: timedelta,
    escalate_after: timedelta,
) -> datetime | None:
    """When :func:`silence_action` will next return something other than NONE (if nothing
    changes), or ``None`` if it never will. Lets the scheduler store one due time."""
    _validate(nudge_after, escalate_after, sent_at)
    if _replied(sent_at, replied_at) or escalated:
        return None
    escalate_at = sent_at + escalate_after
    if nudged_at is None:
        return min(sent_at + nudge_after, escalate_at)
    return escalate_at
