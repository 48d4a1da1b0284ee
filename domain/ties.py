"""つなげる: community resources and the ties a person makes to them, with their consent.

Pure rules only: the kinds of resource, a tie's states and transitions, reading a
resource's fields (from the command line, a CSV row or the chat) and finding a resource
by id or by a unique part of its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.cadence import CadenceLevel, CadenceReason

__all__ = [
    "RESOURCE_FIELDS",
    "RESOURCE_LIMITS",
    "ResourceFields",
    "ResourceKind",
    "ResourceMatch",
    "TieCheckAnswer",
    "TieState",
    "after_check",
    "answer_tie",
    "end_tie",
    "find_resource",
    "may_propose",
    "moods_turned_low",
    "parse_active",
    "parse_resource_row",
]


class ResourceKind(StrEnum):
    FOOD = "food"
    HOUSING = "housing"
    WORK = "work"
    MONEY = "money"  # money and debt
    HEALTH = "health"
    CARE = "care"
    PLACE = "place"  # a place to be (居場所)
    PEER = "peer"  # a peer group
    LEGAL = "legal"
    PUBLIC = "public"  # a public window: 自立相談支援機関, 福祉事務所
    OTHER = "other"


class TieCheckAnswer(StrEnum):
    """The person's answer to the periodic question about an active tie (first to last)."""

    GOING = "going"  # still going
    QUIET = "quiet"  # not lately
    STOPPED = "stopped"

    @property
    def returns_to_worker(self) -> bool:
        """ "Not lately" and "stopped" bring the person back to their worker (もどす)."""
        return self is not TieCheckAnswer.GOING


class TieState(StrEnum):
    """proposed → active (the person agreed) or declined; active → ended."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


# The text fields a resource has, with the longest value each column stores.
RESOURCE_LIMITS: Mapping[str, int] = {
    "name": 200,
    "area": 100,
    "contact": 200,
    "hours": 200,
    "url": 500,
    "notes": 1000,
}
RESOURCE_FIELDS: tuple[str, ...] = ("name", "kind", "area", "contact", "hours", "url", "notes")
_TRUE = frozenset({"true", "yes", "1", "on", "active"})
_FALSE = frozenset({"false", "no", "0", "off", "inactive"})


@dataclass(frozen=True, slots=True)
class ResourceFields:
    name: str
    kind: ResourceKind
    area: str | None = None
    contact: str | None = None
    hours: str | None = None
    url: str | None = None
    notes: str | None = None
    active: bool = True


def parse_active(text: str) -> bool:
    """`active` as typed: true/false, yes/no, 1/0, on/off; ValueError otherwise."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"active must be true or false, not {text!r}")


def parse_resource_row(row: Mapping[str, str | None]) -> ResourceFields:
    """A resource from named text values (a CSV row, the command line's options).

    Raises ValueError naming everything wrong with the row, so one report lists it all.
    """
    problems: list[str] = []
    values: dict[str, str | None] = {}
    for field, limit in RESOURCE_LIMITS.items():
        value = (row.get(field) or "").strip()
        if len(value) > limit:
            problems.append(f"{field} is longer than {limit} characters")
        values[field] = value or None
    if values["name"] is None:
        problems.append("name is empty")
    kind_text = (row.get("kind") or "").strip().lower()
    kind: ResourceKind | None = None
    try:
        kind = ResourceKind(kind_text)
    except ValueError:
        choices = ", ".join(k.value for k in ResourceKind)
        problems.append(
            f"kind {kind_text!r} is not one of {choices}"
            if kind_text
            else f"kind is empty (one of {choices})"
        )
    active = True
    if active_text := (row.get("active") or "").strip():
        try:
            active = parse_active(active_text)
        except ValueError as exc:
            problems.append(str(exc))
    if problems or kind is None or values["name"] is None:
        raise ValueError("; ".join(problems))
    return ResourceFields(
        name=values["name"],
        kind=kind,
        area=values["area"],
        contact=values["contact"],
        hours=values["hours"],
        url=values["url"],
        notes=values["notes"],
        active=active,
    )


@dataclass(frozen=True, slots=True)
class ResourceMatch:
    """What a reference found: exactly one id, or the candidates when it was not unique
    (empty when nothing matched)."""

    found: int | None
    candidates: tuple[int, ...] = ()


def find_resource(reference: str, resources: Sequence[tuple[int, str]]) -> ResourceMatch:
    """A resource by its id (digits) or a unique part of its name, case-insensitively.

    `resources` are (id, name) pairs. A name equal to the reference wins over names that
    merely contain it, so "Food bank" is found even when "Food bank east" exists too.
    """
    text = reference.strip()
    if not text:
        return ResourceMatch(None)
    if text.isascii() and text.isdigit():
        number = int(text)
        if any(rid == number for rid, _ in resources):
            return ResourceMatch(number)
    folded = text.casefold()
    exact = [rid for rid, name in resources if name.casefold() == folded]
    if len(exact) == 1:
        return ResourceMatch(exact[0])
    partial = tuple(rid for rid, name in resources if folded in name.casefold())
    if len(partial) == 1:
        return ResourceMatch(partial[0])
    return ResourceMatch(None, partial)


def may_propose(states: Sequence[TieState]) -> bool:
    """A worker may propose a tie to a resource unless one with it is already waiting for
    an answer or active. A decline or an end is respected until the worker proposes again:
    proposing again is that later proposal."""
    return not any(s in (TieState.PROPOSED, TieState.ACTIVE) for s in states)


def answer_tie(state: TieState, agreed: bool) -> TieState | None:
    """The state after the person's answer; None when the tie is no longer waiting for one
    (a second press, an old message): nothing changes."""
    if state is not TieState.PROPOSED:
        return None
    return TieState.ACTIVE if agreed else TieState.DECLINED


def after_check(state: TieState, answer: TieCheckAnswer) -> TieState | None:
    """The tie's state after the person's answer to the periodic question: "stopped" ends
    it; otherwise it stays active. None when the tie is no longer active (nothing changes)."""
    if state is not TieState.ACTIVE:
        return None
    return TieState.ENDED if answer is TieCheckAnswer.STOPPED else TieState.ACTIVE


def end_tie(state: TieState) -> TieState | None:
    """Only an active tie can end; None otherwise (nothing changes)."""
    return TieState.ENDED if state is TieState.ACTIVE else None


def moods_turned_low(
    *,
    active_ties: int,
    previous: CadenceLevel,
    loosest: CadenceLevel,
    reason: CadenceReason | None,
) -> bool:
    """もどす: a person with an active tie, watched loosely after a stable period (their
    cadence at its loosest bound), whose low moods have just tightened it again, goes back
    to their worker (a `reconnect` episode)."""
    return active_ties > 0 and reason is CadenceReason.LOW_MOODS and previous == loosest
