"""Who is who: the states of a person's tie with the team, and the staff roles."""

from __future__ import annotations

from enum import StrEnum


class PersonStatus(StrEnum):
    """A person is never closed for inactivity (つながり続ける); only /stop ends check-ins."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"


class StaffRole(StrEnum):
    WORKER = "worker"
    COORDINATOR = "coordinator"


class Role(StrEnum):
    """What the bot knows about whoever writes to it."""

    STRANGER = "stranger"
    PERSON = "person"
    WORKER = "worker"
    COORDINATOR = "coordinator"
