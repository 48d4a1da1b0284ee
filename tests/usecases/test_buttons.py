"""The callback-data protocol: what is built parses back, what is refused is never built."""

from __future__ import annotations

import json
import re

import pytest

from usecases.buttons import (
    ID_MARK,
    MAX_ROW_ID,
    Button,
    ButtonKind,
    button_data,
    fill_id,
    parse_button,
    pattern,
)

BUILT = [
    ((ButtonKind.CONSENT, "yes", 7), Button(ButtonKind.CONSENT, 7, "yes")),
    ((ButtonKind.LANGUAGE, "en"), Button(ButtonKind.LANGUAGE, None, "en")),
    ((ButtonKind.MOOD, 12, "good"), Button(ButtonKind.MOOD, 12, "good")),
    ((ButtonKind.TALK, 3), Button(ButtonKind.TALK, 3)),
    ((ButtonKind.FORGET, "no"), Button(ButtonKind.FORGET, None, "no")),
    ((ButtonKind.ACK, MAX_ROW_ID), Button(ButtonKind.ACK, MAX_ROW_ID)),
    ((ButtonKind.QUEUE_PAGE, 0), Button(ButtonKind.QUEUE_PAGE, 0)),
    ((ButtonKind.ESCALATION, 9), Button(ButtonKind.ESCALATION, 9)),
    ((ButtonKind.RESOLVE_MENU, 9), Button(ButtonKind.RESOLVE_MENU, 9)),
    ((ButtonKind.RESOLVE, 9, "met_in_person"), Button(ButtonKind.RESOLVE, 9, "met_in_person")),
    ((ButtonKind.CRISIS_LINES, "all"), Button(ButtonKind.CRISIS_LINES, None, "all")),
    (
        (ButtonKind.CRISIS_LINES, "all", "child,violence"),
        Button(ButtonKind.CRISIS_LINES, None, "all", ("child", "violence")),
    ),
    ((ButtonKind.PAUSE_REASON, "hospital"), Button(ButtonKind.PAUSE_REASON, None, "hospital")),
    ((ButtonKind.REVIEW, 4, "two_weeks"), Button(ButtonKind.REVIEW, 4, "two_weeks")),
    ((ButtonKind.HANDOVER, 3, "yes"), Button(ButtonKind.HANDOVER, 3, "yes")),

    ((ButtonKind.TIE, 5, "yes"), Button(ButtonKind.TIE, 5, "yes")),
    ((ButtonKind.TIE, 5, "no"), Button(ButtonKind.TIE, 5, "no")),
    ((ButtonKind.TIE_END, 5), Button(ButtonKind.TIE_END, 5)),
    ((ButtonKind.TIE_CHECK, 5, "stopped"), Button(ButtonKind.TIE_CHECK, 5, "stopped")),
]


@pytest.mark.parametrize(("parts", "expected"), BUILT)
def test_what_is_built_parses_back_and_matches_its_handler(
    parts: tuple[ButtonKind, ...], expected: Button
) -> None:
    kind, *rest = parts
    data = button_data(kind, *rest)
    assert parse_button(data) == expected
    assert re.match(pattern(kind), data)
    others = [k for k in ButtonKind if k is not kind]
    assert not any(re.match(pattern(k), data) for k in others)


def test_every_kind_has_a_built_example() -> None:
    assert {parts[0] for parts, _ in BUILT} == set(ButtonKind)


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        (ButtonKind.ACK, ()),
        (ButtonKind.ACK, (0,)),
        (ButtonKind.ACK, (MAX_ROW_ID + 1,)),
        (ButtonKind.ACK, (1, 2)),
        (ButtonKind.MOOD, ("good", 1)),
        (ButtonKind.LANGUAGE, ("EN",)),
        (ButtonKind.QUEUE_PAGE, (-1,)),
        (ButtonKind.CRISIS_LINES, ("all", "")),
        (ButtonKind.CONSENT, ("yes", "１")),
        (ButtonKind.TIE, (5,)),
        (ButtonKind.TIE, ("yes", 5)),
        (ButtonKind.TIE_END, (0,)),
    ],
)
def test_the_builder_refuses_what_the_parser_would_refuse(
    kind: ButtonKind, parts: tuple[int | str, ...]
) -> None:
    with pytest.raises(ValueError, match=kind.value):
        button_data(kind, *parts)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "ack",
        "ack:",
        "ack:1:2",
        "ack:x",
        "ack:²",
        "nope:1",
        "crisis:all:",
        "a" * 65,
        "mood:1:Good",
        "tie:5",
        "tie:5:yes:1",
        "tieend:5:yes",
    ],
)
def test_data_the_bot_never_wrote_parses_to_nothing(data: str) -> None:
    assert parse_button(data) is None


def test_a_keyboard_built_once_takes_its_id_later_in_text_and_json() -> None:
    data = button_data(ButtonKind.MOOD, ID_MARK, "good")
    assert parse_button(data) is None
    assert fill_id(data, 42) == "mood:42:good"
    assert json.loads(fill_id(json.dumps({"d": data}), 42)) == {"d": "mood:42:good"}
