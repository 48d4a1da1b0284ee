"""Role checks for staff commands: one place decides who may do what."""

from __future__ import annotations

from domain.people import Role
from handlers.turn import Actor

STAFF_ROLES = frozenset({Role.WORKER, Role.COORDINATOR})


def is_staff(actor: Actor) -> bool:
    return actor.role in STAFF_ROLES


def is_coordinator(actor: Actor) -> bool:
    return actor.role is Role.COORDINATOR


def may_see_person(actor: Actor, worker_id: int, backup_worker_id: int | None) -> bool:
    """Coordinators see everyone; workers see their own people and those they back up."""
    if actor.staff is None:
        return False
    if actor.role is Role.COORDINATOR:
        return True
    return actor.staff.id in (worker_id, backup_worker_id)
