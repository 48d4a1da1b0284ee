"""The pure rules of つなげる: reading a resource, finding one, and a tie's transitions."""

from __future__ import annotations

import pytest

from domain.cadence import CadenceLevel, CadenceReason
from domain.ties import (
    ResourceFields,
    ResourceKind,
    ResourceMatch,
    TieCheckAnswer,
    TieState,
    after_check,
    answer_tie,
    end_tie,
    find_resource,
    may_propose,
    moods_turned_low,
    parse_active,
    parse_resource_row,
)

DIRECTORY = [
    (1, "フードバンク東"),
    (2, "フードバンク西"),
    (3, "Food bank"),
    (4, "Food bank east"),
    (5, "若者の居場所カフェ"),
    (12, "法テラス"),
]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("5", ResourceMatch(5)),
        ("12", ResourceMatch(12)),
        ("居場所", ResourceMatch(5)),
        ("フードバンク東", ResourceMatch(1)),
        ("フードバンク", ResourceMatch(None, (1, 2))),
        ("food BANK", ResourceMatch(3)),  # the exact name wins over a longer one
        ("east", ResourceMatch(4)),
        ("99", ResourceMatch(None)),  # no such id, and no name holds "99"
        ("テラス", ResourceMatch(12)),
        ("ジム", ResourceMatch(None)),
        ("  ", ResourceMatch(None)),
    ],
)
def test_find_resource(reference: str, expected: ResourceMatch) -> None:
    assert find_resource(reference, DIRECTORY) == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"name": " フードバンク ", "kind": "food"},
            ResourceFields(name="フードバンク", kind=ResourceKind.FOOD),
        ),
        (
            {"name": "法テラス", "kind": "LEGAL", "area": "", "contact": "0570-078374"},
            ResourceFields(name="法テラス", kind=ResourceKind.LEGAL, contact="0570-078374"),
        ),
        (
            {"name": "カフェ", "kind": "place", "active": "no", "hours": "水 13-17"},
            ResourceFields(name="カフェ", kind=ResourceKind.PLACE, hours="水 13-17", active=False),
        ),
    ],
)
def test_a_good_row_is_read(row: dict[str, str], expected: ResourceFields) -> None:
    assert parse_resource_row(row) == expected


@pytest.mark.parametrize(
    ("row", "problems"),
    [
        ({"name": "", "kind": "food"}, ["name is empty"]),
        ({"name": "x", "kind": "shop"}, ["kind 'shop' is not one of"]),
        ({"name": "x", "kind": ""}, ["kind is empty"]),
        ({"name": "", "kind": "", "active": "maybe"}, ["name is empty", "kind is empty", "active"]),
        ({"name": "x" * 201, "kind": "food"}, ["name is longer than 200"]),
    ],
)
def test_a_bad_row_names_everything_wrong(row: dict[str, str], problems: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        parse_resource_row(row)
    message = str(caught.value)
    assert all(p in message for p in problems), message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("Yes", True), ("1", True), ("off", False), ("inactive", False)],
)
def test_parse_active(text: str, expected: bool) -> None:
    assert parse_active(text) is expected


def test_parse_active_refuses_other_words() -> None:
    with pytest.raises(ValueError):
        parse_active("perhaps")


@pytest.mark.parametrize(
    ("states", "allowed"),
    [
        ([], True),
        ([TieState.DECLINED], True),  # the worker proposes again, later: allowed
        ([TieState.ENDED, TieState.DECLINED], True),
        ([TieState.PROPOSED], False),  # still waiting: never asked twice at once
        ([TieState.DECLINED, TieState.ACTIVE], False),
    ],
)
def test_may_propose(states: list[TieState], allowed: bool) -> None:
    assert may_propose(states) is allowed


@pytest.mark.parametrize(
    ("state", "agreed", "after"),
    [
        (TieState.PROPOSED, True, TieState.ACTIVE),
        (TieState.PROPOSED, False, TieState.DECLINED),
        (TieState.ACTIVE, False, None),  # an old message's second button changes nothing
        (TieState.DECLINED, True, None),  # a decline stands until a new proposal
        (TieState.ENDED, True, None),
    ],
)
def test_only_a_proposed_tie_takes_an_answer(
    state: TieState, agreed: bool, after: TieState | None
) -> None:
    assert answer_tie(state, agreed) is after


@pytest.mark.parametrize(
    ("state", "after"),
    [
        (TieState.ACTIVE, TieState.ENDED),
        (TieState.PROPOSED, None),
        (TieState.DECLINED, None),
        (TieState.ENDED, None),
    ],
)
def test_only_an_active_tie_ends(state: TieState, after: TieState | None) -> None:
    assert end_tie(state) is after


@pytest.mark.parametrize(
    ("state", "answer", "after"),
    [
        (TieState.ACTIVE, TieCheckAnswer.GOING, TieState.ACTIVE),
        (TieState.ACTIVE, TieCheckAnswer.QUIET, TieState.ACTIVE),
        (TieState.ACTIVE, TieCheckAnswer.STOPPED, TieState.ENDED),
        (TieState.ENDED, TieCheckAnswer.GOING, None),  # an old question after the end
        (TieState.PROPOSED, TieCheckAnswer.STOPPED, None),
    ],
)
def test_the_periodic_question_about_a_tie(
    state: TieState, answer: TieCheckAnswer, after: TieState | None
) -> None:
    assert after_check(state, answer) is after


def test_not_lately_and_stopped_return_the_person_to_their_worker() -> None:
    assert [a for a in TieCheckAnswer if a.returns_to_worker] == [
        TieCheckAnswer.QUIET,
        TieCheckAnswer.STOPPED,
    ]
    assert next(iter(TieCheckAnswer)) is TieCheckAnswer.GOING  # the first button: still going


@pytest.mark.parametrize(
    ("active_ties", "previous", "reason", "returns"),
    [
        (1, CadenceLevel.LOOSE, CadenceReason.LOW_MOODS, True),
        (2, CadenceLevel.LOOSE, CadenceReason.LOW_MOODS, True),
        (0, CadenceLevel.LOOSE, CadenceReason.LOW_MOODS, False),  # no tie: the cadence is enough
        (1, CadenceLevel.BASE, CadenceReason.LOW_MOODS, False),  # not after a stable period
        (1, CadenceLevel.LOOSE, CadenceReason.CONCERN_SIGNAL, False),  # its own escalation
        (1, CadenceLevel.LOOSE, CadenceReason.STABLE_PERIOD, False),
        (1, CadenceLevel.LOOSE, None, False),
    ],
)
def test_moods_turning_low_after_a_stable_period_with_a_tie(
    active_ties: int, previous: CadenceLevel, reason: CadenceReason | None, returns: bool
) -> None:
    assert (
        moods_turned_low(
            active_ties=active_ties, previous=previous, loosest=CadenceLevel.LOOSE, reason=reason
        )
        is returns
    )
