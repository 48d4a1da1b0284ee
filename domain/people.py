"""Who is who: the states of a person's tie with the team, and the staff roles."""

from __future__ import annotations

from enum import StrEnum


class PersonStatus(StrEnum):
    """A person is never closed for inactivity (つながり続ける); only /stop ends check-ins."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"


class PauseReason(StrEnum):
    """Why a person took a break, if they chose to say (/pause offers these as buttons)."""

    HOSPITAL = "hospital"
    MOVING = "moving"
    WORK = "work"
    REST = "rest"
    OTHER = "other"


class StaffRole(StrEnum):
    WORKER = "worker"
    COORDINATOR = "coordinator"


class Role(StrEnum):
    """What the bot knows about whoever writes to it."""

    STRANGER = "stranger"
    PERSON = "person"
    WORKER = "worker"
    COORDINATOR = "coordinator"


def sees_person(
    staff_id: int, role: StaffRole, worker_id: int | None, backup_worker_id: int | None
) -> bool:
    """Who may see a person's record: coordinators everyone; a worker the people they
    support or back up. (storage.escalations.visible_to says the same in SQL.)"""
    return role is StaffRole.COORDINATOR or staff_id in (worker_id, backup_worker_id)


def sees_episode(
    staff_id: int,
    role: StaffRole,
    assignee_id: int | None,
    person: tuple[int | None, int | None] | None,
) -> bool:
    """Who may see an escalation: whoever holds it now, and those who may see its person
    (`person` is their worker and backup; None for a stranger, whom coordinators see)."""
    if assignee_id == staff_id:
        return True
    if person is None:
        return role is StaffRole.COORDINATOR
    return sees_person(staff_id, role, *person)
