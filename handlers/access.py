"""Role checks for staff commands: one place decides who may do what."""

from __future__ import annotations

from collections.abc import Callable

from domain.people import Role
from handlers.turn import Action, Actor, Handler, turn_handler


def is_coordinator(actor: Actor) -> bool:
    return actor.role is Role.COORDINATOR


def may_see_person(actor: Actor, worker_id: int, backup_worker_id: int | None) -> bool:
    """Coordinators see everyone; workers see their own people and those they back up."""
    if actor.staff is None:
        return False
    if actor.role is Role.COORDINATOR:
        return True
    return actor.staff.id in (worker_id, backup_worker_id)


def staff_gate(actor: Actor) -> str | None:
    """Strangers get the stranger's explanation and people the "staff only" line: a refusal
    never reveals anything about who is enrolled."""
    if actor.staff is not None:
        return None
    return "stranger.intro" if actor.person is None else "common.staff_only"


def coordinator_gate(actor: Actor) -> str | None:
    return staff_gate(actor) or (None if is_coordinator(actor) else "common.coordinator_only")


def person_gate(actor: Actor) -> str | None:
    if actor.person is not None:
        return None
    return "stranger.intro" if actor.staff is None else "person.only"


def staff_command(*, coordinator: bool = False) -> Callable[[Action], Handler]:
    """A staff command: one turn, with the role check and its kind refusal."""
    return turn_handler(coordinator_gate if coordinator else staff_gate)


person_command = turn_handler(person_gate)
