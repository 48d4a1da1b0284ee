"""Rule files, organisation overrides, crisis lines: loading and clear errors."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signals import (
    Classifier,
    CrisisLine,
    Severity,
    SignalsConfigError,
    load_crisis_lines,
)
from signals.classifier import default_rules
from signals.crisis import Channel, Situation
from signals.rules import CONTEXT_KINDS

GOOD_RULE = """
[[rule]]
id = "org.slang.kaeritai"
kind = "trigger"
severity = "critical"
patterns = ['お空に帰りたい']
description = "local slang for wanting to die"
"""


def _write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_packaged_rules_are_well_formed() -> None:
    rules = default_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) > 50
    assert all(r.description for r in rules)
    kinds = {r.kind.value for r in rules}
    assert {"trigger", "means", "plan", "time", "block", "downgrade", "negation"} <= kinds


def test_packaged_context_rules_target_categories_that_exist() -> None:
    # A target no signal carries is silently inert: a typo would leave a reading unguarded.
    rules = default_rules()
    categories = {r.category for r in rules if r.kind not in CONTEXT_KINDS}
    unknown = {
        (r.id, t)
        for r in rules
        if r.kind in CONTEXT_KINDS
        for t in r.targets
        if t not in categories
    }
    assert unknown == set()


def test_extra_rules_are_added(tmp_path: Path) -> None:
    clf = Classifier.from_files(_write(tmp_path, GOOD_RULE), learned=False)
    got = clf.classify("もうお空に帰りたい")
    assert got.severity is Severity.CRITICAL
    assert "org.slang.kaeritai" in got.rules


def test_extra_rule_with_same_id_replaces_packaged_rule(tmp_path: Path) -> None:
    text = """
[[rule]]
id = "ja.sleep.none"
kind = "trigger"
severity = "none"
patterns = ['眠れない']
"""
    clf = Classifier.from_files(_write(tmp_path, text), learned=False)
    assert clf.classify("眠れない").severity is Severity.NONE


def test_rules_can_be_disabled_by_id() -> None:
    clf = Classifier.from_files(disabled=["ja.sleep.none"], learned=False)
    assert clf.classify("眠れない").severity is Severity.NONE
    assert clf.classify("死にたい").severity is Severity.CRITICAL


def test_disabling_an_unknown_id_is_an_error() -> None:
    with pytest.raises(SignalsConfigError, match=r"unknown id 'ja\.nope\.nothing'"):
        Classifier.from_files(disabled=["ja.nope.nothing"], learned=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]\nid=", "invalid TOML"),
        ("x = 1", "unknown top-level key 'x'"),
        ("rule = 3", "expected one or more"),
        (GOOD_RULE.replace('"org.slang.kaeritai"', '"Bad Id"'), "key 'id'"),
        (GOOD_RULE.replace('"trigger"', '"trig"'), "key 'kind': expected one of"),
        (GOOD_RULE.replace('"critical"', '"urgent"'), "key 'severity'"),
        (GOOD_RULE.replace("patterns = ['お空に帰りたい']", "patterns = []"), "key 'patterns'"),
        (
            GOOD_RULE.replace("patterns = ['お空に帰りたい']", "patterns = ['(']"),
            "not a valid regular expression",
        ),
        (
            GOOD_RULE.replace("patterns = ['お空に帰りたい']", "patterns = ['a*']"),
            "matches the empty string",
        ),
        (
            GOOD_RULE.replace("patterns = ['お空に帰りたい']", "patterns = ['(?P<x>a)']"),
            "named group",
        ),
        (GOOD_RULE + 'weight = "heavy"\n', "key 'weight'"),
        (GOOD_RULE + 'colour = "red"\n', "unknown key 'colour'"),
        (GOOD_RULE + 'position = "after"\n', "key 'position'"),
        (GOOD_RULE + 'scope = "clause"\n', "key 'scope'"),
        (GOOD_RULE + GOOD_RULE, "duplicate id"),
    ],
)
def test_bad_rule_files_fail_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SignalsConfigError, match=message) as info:
        Classifier.from_files(path, learned=False)
    assert str(path) in str(info.value)


def test_missing_rule_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SignalsConfigError, match="cannot read"):
        Classifier.from_files(tmp_path / "nope.toml", learned=False)


def test_non_utf8_rule_file_fails_clearly(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_bytes("id = '死'".encode("shift_jis"))
    with pytest.raises(SignalsConfigError, match="UTF-8"):
        Classifier.from_files(p, learned=False)


# ─── crisis lines ───


def test_default_crisis_lines_order_and_content() -> None:
    lines = load_crisis_lines()
    assert all(isinstance(x, CrisisLine) for x in lines)
    assert [x.number for x in lines] == [
        "119",
        "110",
        "0120-279-338",
        "0120-279-889",
        "189",
        "#8891",
        "0120-783-556",
        "0570-064-556",
        "0120-061-338",
        "0120-0-78310",
    ]
    assert [x.emergency for x in lines[:2]] == [True, True]
    assert not any(x.emergency for x in lines[2:])
    for line in lines:
        assert line.tel == line.number.replace("-", "")
        assert line.source and line.name_ja and line.name_en
        assert line.hours_ja and line.hours_en and line.purpose_ja and line.purpose_en
        assert line.zone.key == "Asia/Tokyo"
        assert line.audience
    assert lines[2].tel_uri == "tel:0120279338"
    assert by_key(lines, "onestop_8891").tel_uri == "tel:%238891"


def by_key(lines: list[CrisisLine], key: str) -> CrisisLine:
    return next(line for line in lines if line.key == key)


def test_what_changed_from_the_research_is_dated_today_and_the_rest_kept() -> None:
    lines = load_crisis_lines()
    changed = {
        "yorisoi",
        "dv_soudan_plus",
        "jidou_189",
        "onestop_8891",
        "inochi_no_denwa",
        "inochi_sos",
    }
    for line in lines:
        expected = dt.date(2026, 12, 1) if line.key in changed else dt.date(2026, 11, 23)
        assert line.last_verified == expected, line.key


def test_default_hours_are_data() -> None:
    lines = load_crisis_lines()
    round_the_clock = {x.key for x in lines if x.always_open}
    assert round_the_clock == {
        "jp_119",
        "jp_110",
        "yorisoi",
        "dv_soudan_plus",
        "jidou_189",
        "kodomo_sos",
    }
    assert {x.key for x in lines if x.hours_vary} == {"onestop_8891", "kokoro_unified"}
    # Who each specialist line is for: not shown to every adult.
    assert by_key(lines, "dv_soudan_plus").audience == {Situation.VIOLENCE}
    assert by_key(lines, "jidou_189").audience == {Situation.CHILD}
    assert by_key(lines, "onestop_8891").audience == {Situation.SEXUAL_VIOLENCE}
    assert by_key(lines, "kodomo_sos").audience == {Situation.CHILD, Situation.YOUTH}
    # DV相談＋ answers other languages by chat only, 12:00-22:00.
    dv_english = by_key(lines, "dv_soudan_plus").group_for("en")
    assert dv_english is not None and dv_english.channel is Channel.CHAT
    assert by_key(lines, "jidou_189").group_for("en") is None


GOOD_LINE = """
[[line]]
key = "local_center"
name_ja = "地域相談センター"
name_en = "Local centre"
number = "03-1234-5678"
tel = "0312345678"
open = ["mon-fri 09:00-17:00"]
audience = ["general"]
hours_ja = "平日9時〜17時"
hours_en = "Weekdays 9-17"
purpose_ja = "生活の相談"
purpose_en = "Everyday help"
source = "Example City"
last_verified = 2026-11-01
emergency = false
"""

ENGLISH = """
[[line.languages]]
codes = ["ja"]

[[line.languages]]
codes = ["en"]
via = "email"
open = ["mon 10:00-12:00"]
hours_ja = "英語はメールで月曜10時〜12時"
hours_en = "English by e-mail, Monday 10:00-12:00"
"""


def test_override_replaces_the_list(tmp_path: Path) -> None:
    emergency = (
        GOOD_LINE.replace('"local_center"', '"e119"')
        .replace('"03-1234-5678"', '"119"')
        .replace('"0312345678"', '"119"')
        .replace("emergency = false", "emergency = true")
        .replace('["mon-fri 09:00-17:00"]', '["daily 00:00-24:00"]')
    )
    lines = load_crisis_lines(_write(tmp_path, GOOD_LINE + ENGLISH + emergency, "lines.toml"))
    assert [x.key for x in lines] == ["e119", "local_center"]  # emergency first
    assert lines[1].last_verified == dt.date(2026, 11, 1)
    assert lines[0].always_open and not lines[1].always_open
    [japanese, english] = lines[1].languages
    assert japanese.codes == {"ja"} and japanese.schedule is None
    assert english.codes == {"en"} and english.channel is Channel.EMAIL
    monday_11 = dt.datetime(2026, 11, 30, 11, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert lines[1].answers_in("en", monday_11) and lines[1].answers_in("ja", monday_11)
    assert not lines[1].answers_in("en", monday_11 + dt.timedelta(hours=2))


def test_an_override_may_name_its_time_zone(tmp_path: Path) -> None:
    path = _write(tmp_path, 'timezone = "Europe/London"\n' + GOOD_LINE, "lines.toml")
    [line] = load_crisis_lines(path)
    assert line.zone.key == "Europe/London"
    # 09:30 in London on a Monday is 18:30 in Tokyo: the line's own clock decides.
    at = dt.datetime(2026, 11, 30, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    assert line.is_open(at)
    assert not line.is_open(at.astimezone(ZoneInfo("Asia/Tokyo")) - dt.timedelta(hours=1))


def test_old_style_lines_without_languages_answer_in_japanese(tmp_path: Path) -> None:
    [line] = load_crisis_lines(_write(tmp_path, GOOD_LINE, "lines.toml"))
    assert [g.codes for g in line.languages] == [{"ja"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_LINE.replace('tel = "0312345678"', 'tel = "03-1234"'), "key 'tel'"),
        (GOOD_LINE.replace('tel = "0312345678"', 'tel = "0312349999"'), "the digits of number"),
        (
            GOOD_LINE.replace("last_verified = 2026-11-01", 'last_verified = "soon"'),
            "key 'last_verified'",
        ),
        (GOOD_LINE.replace("emergency = false", 'emergency = "no"'), "key 'emergency'"),
        (GOOD_LINE.replace('name_ja = "地域相談センター"\n', ""), "key 'name_ja'"),
        (GOOD_LINE.replace('"local_center"', '"Local Center"'), "key 'key'"),
        (GOOD_LINE + "extra = 1\n", "unknown key 'extra'"),
        (GOOD_LINE + GOOD_LINE, "duplicate 'local_center'"),
        ("", "expected one or more"),
        ("[[line]\n", "invalid TOML"),
        (GOOD_LINE.replace('open = ["mon-fri 09:00-17:00"]\n', ""), "key 'open'"),
        (GOOD_LINE.replace("mon-fri 09:00", "someday 09:00"), "key 'open'.*'someday'"),
        (GOOD_LINE.replace("mon-fri 09:00", "fri-mon 09:00"), "key 'open'.*week order"),
        (GOOD_LINE.replace("17:00", "25:00"), "key 'open'.*24:00"),
        (GOOD_LINE.replace("mon-fri 09:00", "32nd 09:00"), "key 'open'.*day of the month"),
        (GOOD_LINE.replace('["mon-fri 09:00-17:00"]', '"sometimes"'), "key 'open'.*varies"),
        (GOOD_LINE + 'closed = ["tue 9:00-10:00"]\n', "key 'closed'.*'tue 9:00-10:00'"),
        (GOOD_LINE.replace('["general"]', '["adults"]'), "key 'audience'.*general"),
        (GOOD_LINE.replace('["general"]', "[]"), "key 'audience'"),
        (GOOD_LINE + 'url = "soudanplus.jp"\n', "key 'url'"),
        (GOOD_LINE + ENGLISH.replace('via = "email"', 'via = "fax"'), "languages\\[1\\].via"),
        (GOOD_LINE + ENGLISH.replace('codes = ["en"]', 'codes = ["English"]'), "languages"),
        (
            GOOD_LINE + ENGLISH.replace('hours_en = "English by e-mail, Monday 10:00-12:00"', ""),
            "languages\\[1\\].hours_en",
        ),
        (
            GOOD_LINE + ENGLISH.replace("mon 10:00-12:00", "monday 10:00-12:00"),
            "key 'languages\\[1\\].open'",
        ),
        (GOOD_LINE + ENGLISH + "channel = 2\n", "unknown key 'languages\\[1\\].channel'"),
        ('timezone = "Mars/Olympus"\n' + GOOD_LINE, "key 'timezone'"),
    ],
)
def test_bad_crisis_files_fail_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text, "lines.toml")
    with pytest.raises(SignalsConfigError, match=message) as info:
        load_crisis_lines(path)
    # One line that names the file, and the line when the error is in one.
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_string_dates_are_accepted(tmp_path: Path) -> None:
    text = GOOD_LINE.replace("last_verified = 2026-11-01", 'last_verified = "2026-11-02"')
    assert load_crisis_lines(_write(tmp_path, text))[0].last_verified == dt.date(2026, 11, 2)


def test_package_imports_no_telegram_or_sqlalchemy() -> None:
    import sys

    for name in list(sys.modules):
        if name == "signals" or name.startswith("signals."):
            del sys.modules[name]
    before = set(sys.modules)
    importlib.import_module("signals").classify("テスト")
    new = set(sys.modules) - before
    assert not any(m.split(".")[0] in {"telegram", "sqlalchemy"} for m in new)
