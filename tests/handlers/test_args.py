"""The strict parsers (handlers/args.py): ASCII digits only, bounds before the database."""

from __future__ import annotations

import contextlib
from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.args import (
    MAX_ROW_ID,
    MAX_TELEGRAM_ID,
    ArgKind,
    BadArgument,
    Button,
    ButtonKind,
    days,
    escalation_ref,
    hhmm,
    invite_token,
    parse_button,
    person_ref,
    shown,
    staff_ref,
)
from usecases.schedule_change import Problem

ANY = st.text(st.characters(exclude_categories=()), max_size=60)


@pytest.mark.parametrize(
    "text", ["²", "--5", "-5", "+5", "٣", "1_0", " ", "", "9" * 30, "1e3", "0x1", "0", "\x00"]
)
def test_odd_numbers_are_refused_by_kind(text: str) -> None:
    for parse, kind in ((person_ref, ArgKind.PERSON), (staff_ref, ArgKind.STAFF)):
        with pytest.raises(BadArgument) as caught:
            parse(text)
        assert (caught.value.kind, caught.value.value) == (kind, text)
    with pytest.raises(BadArgument):
        escalation_ref(text)


def test_plain_and_full_width_numbers_are_read() -> None:
    assert person_ref("12") == 12 and person_ref(" １２ ") == 12
    assert staff_ref(str(MAX_TELEGRAM_ID)) == MAX_TELEGRAM_ID
    assert escalation_ref("#7") == 7 and escalation_ref("＃７") == 7
    assert days("7", maximum=365) == 7
    assert hhmm("09:30") == time(9, 30) and hhmm("０９：３０") == time(9, 30)


def test_bounds_are_those_of_the_columns() -> None:
    with pytest.raises(BadArgument):
        staff_ref(str(MAX_TELEGRAM_ID + 1))
    with pytest.raises(BadArgument):
        escalation_ref(str(MAX_ROW_ID + 1))
    with pytest.raises(BadArgument) as caught:
        days("366", maximum=365)
    assert caught.value.params == {"max": 365}
    with pytest.raises(BadArgument):
        hhmm("²:00")


@given(ANY)
def test_parsers_raise_nothing_but_bad_argument(text: str) -> None:
    for parse in (person_ref, staff_ref):
        with contextlib.suppress(BadArgument):
            assert 1 <= parse(text) <= MAX_TELEGRAM_ID
    with contextlib.suppress(BadArgument):
        assert 1 <= escalation_ref(text) <= MAX_ROW_ID
    with contextlib.suppress(BadArgument):
        hhmm(text)
    token = invite_token(text)
    assert token is None or token == text
    assert len(shown(text)) <= 41 and shown(text).isprintable()


@given(ANY)
def test_button_data_is_either_well_formed_or_refused(data: str) -> None:
    button = parse_button(data)
    if button is not None:
        assert data.isascii() and data.split(":")[0] == button.kind.value
        assert button.number is None or 0 <= button.number <= MAX_ROW_ID


def test_every_button_the_bot_writes_is_read_back() -> None:
    assert parse_button("mood:12:good") == Button(ButtonKind.MOOD, 12, "good")
    assert parse_button("consent:yes:5") == Button(ButtonKind.CONSENT, 5, "yes")
    assert parse_button("res:3:met_in_person") == Button(ButtonKind.RESOLVE, 3, "met_in_person")
    assert parse_button("queue:0") == Button(ButtonKind.QUEUE_PAGE, 0, None)
    assert parse_button("lang:ja") == Button(ButtonKind.LANGUAGE, None, "ja")
    assert parse_button("forget:yes") == Button(ButtonKind.FORGET, None, "yes")
    for data in ("ack: 1", "ack:+1", "ack:٣", "mood:1", "mood:1:good:x", "zzz:1", "ack:0"):
        assert parse_button(data) is None, data


# What each kind's sentence needs filled in.
FORM_PARAMS: dict[ArgKind | Problem, dict[str, object]] = {
    ArgKind.DAYS: {"max": 30},
    Problem.DELAYS: {"nudge": "6h", "escalate": "2d"},
    Problem.TEMPLATE: {"names": "weekly"},
    ArgKind.OUTCOME: {"choices": "contacted"},
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("kind", [*ArgKind, *Problem])
def test_every_kind_of_bad_argument_has_one_line_in_each_catalog(
    kind: ArgKind | Problem, language: str
) -> None:
    from infra.i18n import Catalog

    catalog = Catalog("ja")
    form = catalog.text(language, f"args.form.{kind.value}", **FORM_PARAMS.get(kind, {}))
    for template in ("args.bad", "args.not_allowed"):
        line = catalog.text(language, template, value="25:00", form=form)
        assert "\n" not in line and "25:00" in line and form in line
        assert "{" not in line
