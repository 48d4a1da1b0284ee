"""Which lines the crisis reply shows: a table over the packaged data, at the hours and
days the issue names, plus the invariants over two whole weeks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signals.crisis import CrisisLine, Situation, load_crisis_lines, parse_crisis_lines
from signals.crisis_choice import (
    CLOSING_SOON,
    MAX_EXTRA_LINES,
    Why,
    choose_lines,
    situations_from_concepts,
)

JST = ZoneInfo("Asia/Tokyo")
LINES = load_crisis_lines()
EMERGENCY = ["jp_119", "jp_110"]
V, C, S = Situation.VIOLENCE, Situation.CHILD, Situation.SEXUAL_VIOLENCE


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


# 2026-12-03 is an ordinary Thursday; 2026-12-01 a Tuesday; 2026-12-10 the 10th (Thursday).
TABLE = [
    ("2026-12-03 03:00", "ja", (), ["yorisoi", "inochi_sos"]),
    ("2026-12-03 10:00", "ja", (), ["yorisoi", "inochi_sos"]),
    ("2026-12-03 20:30", "ja", (), ["yorisoi", "inochi_no_denwa", "inochi_sos"]),
    # Tuesday night: #いのちSOS is closed 00:00-06:00, open again from 06:00.
    ("2026-12-01 03:00", "ja", (), ["yorisoi"]),
    ("2026-12-01 06:00", "ja", (), ["yorisoi", "inochi_sos"]),
    ("2026-12-01 23:30", "ja", (), ["yorisoi", "inochi_sos"]),
    # ... but not ten minutes before it closes for the night.
    ("2026-12-01 23:50", "ja", (), ["yorisoi"]),
    # The 10th: いのちの電話 runs from 08:00 to 08:00 the next day.
    ("2026-12-10 03:00", "ja", (), ["yorisoi", "inochi_sos"]),
    ("2026-12-10 12:00", "ja", (), ["yorisoi", "inochi_no_denwa", "inochi_sos"]),
    ("2026-12-11 03:00", "ja", (), ["yorisoi", "inochi_no_denwa", "inochi_sos"]),
    ("2026-12-11 09:00", "ja", (), ["yorisoi", "inochi_sos"]),
    # Situations put their specialist line first.
    ("2026-12-01 03:00", "ja", (V,), ["dv_soudan_plus", "yorisoi"]),
    ("2026-12-03 20:30", "ja", (V,), ["dv_soudan_plus", "yorisoi", "inochi_no_denwa"]),
    ("2026-12-03 03:00", "ja", (C,), ["jidou_189", "kodomo_sos", "yorisoi"]),
    ("2026-12-03 20:30", "ja", (C,), ["jidou_189", "kodomo_sos", "yorisoi"]),
    ("2026-12-03 03:00", "ja", (S,), ["onestop_8891", "yorisoi", "inochi_sos"]),
    ("2026-12-01 03:00", "ja", (S,), ["onestop_8891", "yorisoi"]),
    ("2026-12-03 03:00", "ja", (C, V), ["jidou_189", "dv_soudan_plus", "kodomo_sos"]),
    # English: lines that answer in English now; at night the 24-hour line still shows.
    ("2026-12-03 03:00", "en", (), ["yorisoi"]),
    ("2026-12-03 10:00", "en", (), ["yorisoi"]),
    ("2026-12-03 20:30", "en", (), ["yorisoi"]),
    ("2026-12-03 21:50", "en", (), ["yorisoi"]),  # English ends at 22:00; 24 h in Japanese
    ("2026-12-03 13:00", "en", (V,), ["dv_soudan_plus", "yorisoi"]),
    ("2026-12-03 03:00", "en", (V,), ["dv_soudan_plus"]),
]


@pytest.mark.parametrize(("when", "language", "situations", "expected"), TABLE)
def test_the_lines_shown(
    when: str, language: str, situations: tuple[Situation, ...], expected: list[str]
) -> None:
    shown = choose_lines(LINES, jst(when), JST, language, situations)
    assert [s.line.key for s in shown] == EMERGENCY + expected
    assert [s.why for s in shown[:2]] == [Why.EMERGENCY, Why.EMERGENCY]


def test_why_each_line_is_there() -> None:
    shown = choose_lines(LINES, jst("2026-12-03 13:00"), JST, "en", {V})
    assert [(s.line.key, s.why, s.situation) for s in shown[2:]] == [
        ("dv_soudan_plus", Why.SITUATION, V),
        ("yorisoi", Why.LANGUAGE, None),
    ]
    # DV相談＋ answers English by chat at 13:00, with its own hours.
    dv = shown[2]
    assert dv.in_language and dv.language_group is not None
    assert "12:00" in dv.language_group.hours_en
    night = choose_lines(LINES, jst("2026-12-03 03:00"), JST, "en")
    assert [(s.line.key, s.why, s.in_language) for s in night[2:]] == [
        ("yorisoi", Why.OPEN_24H, False)
    ]
    # Ten minutes before English ends, it is not offered as English any more.
    late = choose_lines(LINES, jst("2026-12-03 21:50"), JST, "en")
    assert [(s.line.key, s.why) for s in late[2:]] == [("yorisoi", Why.OPEN_24H)]


def test_closing_times_are_given_in_the_persons_time_zone() -> None:
    shown = choose_lines(LINES, jst("2026-12-03 20:30"), ZoneInfo("Europe/London"))
    lifeline = next(s for s in shown if s.line.key == "inochi_no_denwa")
    assert lifeline.closes_at == jst("2026-12-03 21:00")
    assert lifeline.closes_at is not None and lifeline.closes_at.utcoffset() == timedelta(0)
    assert next(s for s in shown if s.line.key == "yorisoi").closes_at is None


def test_now_must_carry_its_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        choose_lines(LINES, datetime(2026, 12, 3, 3, 0), JST)


def test_the_invariants_hold_every_half_hour_for_two_weeks() -> None:
    start = jst("2026-11-30 00:00")
    combos: list[tuple[str, frozenset[Situation]]] = [
        (lang, frozenset(sits))
        for lang in ("ja", "en")
        for sits in ((), (V,), (C,), (S,), (V, C, S))
    ]
    for step in range(14 * 48):
        now = start + timedelta(minutes=30 * step)
        for language, situations in combos:
            shown = choose_lines(LINES, now, JST, language, situations)
            keys = [s.line.key for s in shown]
            assert keys[:2] == EMERGENCY
            extra = shown[2:]
            assert 1 <= len(extra) <= MAX_EXTRA_LINES
            assert len(set(keys)) == len(keys)
            assert any(s.line.always_open for s in extra), (now, language, situations)
            for s in extra:
                assert s.line.audience & (situations | {Situation.GENERAL})
                if s.why is Why.SITUATION and s.line.hours_vary:
                    continue
                assert s.open_now, (now, s.line.key)
                assert s.closes_at is None or s.closes_at - now >= CLOSING_SOON
                if language != "ja" and s.why is Why.LANGUAGE:
                    assert s.in_language
                    later = now + CLOSING_SOON - timedelta(seconds=1)
                    assert s.line.answers_in(language, later)


ROUND_THE_CLOCK_LAST = """
[[line]]
key = "{key}"
name_ja = "{key}"
name_en = "{key}"
number = "{number}"
tel = "{number}"
open = ["{open}"]
audience = ["general"]
hours_ja = "-"
hours_en = "-"
purpose_ja = "-"
purpose_en = "-"
source = "test"
last_verified = 2026-12-01
emergency = false
"""


def _lines(*specs: tuple[str, str, str]) -> list[CrisisLine]:
    import tomllib

    text = "".join(
        ROUND_THE_CLOCK_LAST.format(key=key, number=number, open=open_)
        for key, number, open_ in specs
    )
    return parse_crisis_lines(tomllib.loads(text), "test")


def test_a_24_hour_line_takes_the_last_place_when_none_was_picked() -> None:
    lines = _lines(
        ("day_a", "0101", "daily 09:00-21:00"),
        ("day_b", "0102", "daily 09:00-21:00"),
        ("day_c", "0103", "daily 09:00-21:00"),
        ("always", "0104", "daily 00:00-24:00"),
    )
    noon = choose_lines(lines, jst("2026-12-03 12:00"), JST)
    assert [(s.line.key, s.why) for s in noon] == [
        ("day_a", Why.OPEN_NOW),
        ("day_b", Why.OPEN_NOW),
        ("always", Why.OPEN_24H),
    ]
    night = choose_lines(lines, jst("2026-12-03 23:00"), JST)
    assert [s.line.key for s in night] == ["always"]


def test_concepts_map_to_situations() -> None:
    assert situations_from_concepts(["violence", "self_harm", "child_danger"]) == {V, C}
    assert situations_from_concepts(["sexual_violence"]) == {S}
    assert situations_from_concepts([]) == frozenset()
