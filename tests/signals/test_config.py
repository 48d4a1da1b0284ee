"""Rule files, organisation overrides, crisis lines: loading and clear errors."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest

from signals import (
    Classifier,
    CrisisLine,
    Severity,
    SignalsConfigError,
    load_crisis_lines,
)
from signals.classifier import default_rules

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


def test_extra_rules_are_added(tmp_path: Path) -> None:
    clf = Classifier.from_files(_write(tmp_path, GOOD_RULE))
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
    clf = Classifier.from_files(_write(tmp_path, text))
    assert clf.classify("眠れない").severity is Severity.NONE


def test_rules_can_be_disabled_by_id() -> None:
    clf = Classifier.from_files(disabled=["ja.sleep.none"])
    assert clf.classify("眠れない").severity is Severity.NONE
    assert clf.classify("死にたい").severity is Severity.CRITICAL


def test_disabling_an_unknown_id_is_an_error() -> None:
    with pytest.raises(SignalsConfigError, match=r"unknown id 'ja\.nope\.nothing'"):
        Classifier.from_files(disabled=["ja.nope.nothing"])


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
        Classifier.from_files(path)
    assert str(path) in str(info.value)


def test_missing_rule_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SignalsConfigError, match="cannot read"):
        Classifier.from_files(tmp_path / "nope.toml")


def test_non_utf8_rule_file_fails_clearly(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_bytes("id = '死'".encode("shift_jis"))
    with pytest.raises(SignalsConfigError, match="UTF-8"):
        Classifier.from_files(p)


# ─── crisis lines ───


def test_default_crisis_lines_order_and_content() -> None:
    lines = load_crisis_lines()
    assert all(isinstance(x, CrisisLine) for x in lines)
    assert [x.number for x in lines] == [
        "119",
        "110",
        "0120-279-338",
        "0120-279-889",
        "0120-783-556",
        "0570-064-556",
        "0120-061-338",
        "0120-0-78310",
    ]
    assert [x.emergency for x in lines[:2]] == [True, True]
    assert not any(x.emergency for x in lines[2:])
    for line in lines:
        assert line.tel.isdigit()
        assert line.tel == line.number.replace("-", "")
        assert line.last_verified == dt.date(2026, 11, 23)
        assert line.source and line.name_ja and line.name_en
        assert line.hours_ja and line.hours_en and line.purpose_ja and line.purpose_en
    assert lines[2].tel_uri == "tel:0120279338"


GOOD_LINE = """
[[line]]
key = "local_center"
name_ja = "地域相談センター"
name_en = "Local centre"
number = "03-1234-5678"
tel = "0312345678"
hours_ja = "平日9時〜17時"
hours_en = "Weekdays 9-17"
purpose_ja = "生活の相談"
purpose_en = "Everyday help"
source = "Example City"
last_verified = 2026-11-01
emergency = false
"""


def test_override_replaces_the_list(tmp_path: Path) -> None:
    emergency = (
        GOOD_LINE.replace('"local_center"', '"e119"')
        .replace('"03-1234-5678"', '"119"')
        .replace('"0312345678"', '"119"')
        .replace("emergency = false", "emergency = true")
    )
    lines = load_crisis_lines(_write(tmp_path, GOOD_LINE + emergency, "lines.toml"))
    assert [x.key for x in lines] == ["e119", "local_center"]  # emergency first
    assert lines[1].last_verified == dt.date(2026, 11, 1)


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
    ],
)
def test_bad_crisis_files_fail_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text, "lines.toml")
    with pytest.raises(SignalsConfigError, match=message):
        load_crisis_lines(path)


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
