"""Every catalog entry, rendered in both languages with realistic values, reads as words.

Values come from the renderers the bot uses (`usecases.words`, `infra.dates`), in two
situations: a named person with ordinary figures, and a person whose name was erased with
zero and missing figures. Each rendering is checked for what a person or a worker should
never read: a space before さん or a particle, half-width punctuation inside Japanese, a
stored token (daily, Asia/Tokyo, closest, ja …), "-" standing for a missing value, an
honorific with no name before it, or an empty pair of brackets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from domain.cadence import CadenceLevel
from infra import dates
from infra.i18n import LANGUAGES, Catalog, load_catalog, placeholders
from usecases.words import duration, language_name, level_name, moment, person_label
from usecases.words import schedule_words as words_for_schedule
from usecases.working_hours import describe_days

ZONE = "Asia/Tokyo"
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Saturday 10:00 in Tokyo
SITUATIONS = ("named", "erased")


def _values(catalog: Catalog, lang: str, situation: str) -> dict[str, object]:
    """Placeholder → value, as the bot renders it in this situation."""
    named = situation == "named"
    text = catalog.text
    none = text(lang, "common.none")
    schedule = (
        words_for_schedule(
            catalog,
            lang,
            times="09:00,18:30",
            days="mon,wed,fri",
            timezone=ZONE,
            quiet_hours="22:00-07:00",
        )
        if named
        else words_for_schedule(
            catalog, lang, times="10:00", days="every 3 days", timezone="UTC", quiet_hours=None
        )
    )
    count = 3 if named else 0
    when = text(
        lang,
        "hours.range",
        days=describe_days(catalog, lang, (0, 1, 2, 3, 4)),
        start=dates.clock(time(9), lang),
        end=dates.clock(time(18), lang),
    )
    return {
        "person": person_label(catalog, lang, "田中" if named else None, 12),
        "person_id": 12,
        "name": "佐藤",
        "worker": "佐藤",
        "by": "佐藤",
        "backup": "鈴木" if named else none,
        "holder": "佐藤" if named else text(lang, "escalation.told_nobody"),
        "told": "佐藤、鈴木" if named else text(lang, "escalation.told_nobody"),
        "at": dates.day_and_time(NOW, lang, ZONE),
        "created": dates.day_and_time(NOW - timedelta(hours=3), lang, ZONE),
        "expires": dates.day_and_time(NOW + timedelta(days=7), lang, ZONE),
        "since": dates.day_with_year(NOW - timedelta(days=400), lang, ZONE),
        "date": dates.day(NOW + timedelta(days=7), lang, ZONE),
        "last_reply": moment(catalog, lang, NOW if named else None, ZONE, missing="common.not_yet"),
        "next_checkin": moment(
            catalog, lang, NOW + timedelta(days=1) if named else None, ZONE, missing="common.none"
        ),
        "times": schedule.times,
        "days": schedule.days,
        "timezone": schedule.timezone,
        "quiet": schedule.quiet,
        "nudge": duration(catalog, lang, timedelta(hours=6)),
        "escalate": duration(catalog, lang, timedelta(days=2)),
        "age": duration(catalog, lang, timedelta(hours=4, minutes=10) if named else timedelta()),
        "level": level_name(catalog, lang, CadenceLevel.BASE),
        "cadence": level_name(catalog, lang, CadenceLevel.CLOSE),
        "tightest": level_name(catalog, lang, CadenceLevel.CLOSEST),
        "loosest": level_name(catalog, lang, CadenceLevel.LOOSE),
        "language": language_name(catalog, lang, "ja" if named else "en"),
        "status": text(lang, "status.paused"),
        "state": text(lang, "state.acknowledged"),
        "outcome": text(lang, "outcome.met_in_person"),
        "reason": text(lang, "reason.wants_contact"),
        "trend": text(lang, "trend.falling" if named else "trend.unknown"),
        "role": text(lang, "role.coordinator"),
        "cause": text(lang, "reachability.cause.chat_not_found"),
        "mood": text(lang, "mood.low"),
        "median": (
            duration(catalog, lang, timedelta(minutes=12))
            if named
            else text(lang, "stats.median_none")
        ),
        "rate": text(lang, "stats.rate", percent=75) if named else "",
        "percent": 75,
        "templates": "daily_morning、weekly" if named else none,
        "when": when,
        "time": dates.clock(time(3, 0), lang),
        "start": dates.clock(time(7, 0), lang),
        "end": dates.clock(time(21, 0), lang),
        "lines": "119 救急・消防\n110 警察",
        "number": "0120-279-338",
        "org": "つながりサポート",
        "original": catalog.variants(lang, "checkin.morning")[0],
        "text": "元気です",
        "link": "https://t.me/tsunagari_bot?start=abc123",
        "ref": "12",
        "value": "abc",
        "form": text(lang, "args.form.person"),
        "telegram_id": 123456789,
        "id": 7,
        "escalation_id": 7,
        "priority": "P1",
        "period": text(lang, "pause.period_open"),
        "open": 1 if named else 0,
        "max": 30,
        "n": 3,
        "hours": 4,
        "minutes": 10 if named else 0,
        # Community resources and ties (issue 13).
        "resource": "フードバンク東",
        "resources": "フードバンク東、子ども食堂みなみ" if named else "フードバンク東",
        "moods": "🙂 いい、😔 しんどい",
        "kind": text(lang, "resource_kind.food"),
        "kinds": text(lang, "resource_kind.food") + "、" + text(lang, "resource_kind.place"),
        "area": "東区",
        "details": "\n" + text(lang, "resource_detail.area", value="東区") if named else "",
        "names": "#3 フードバンク東、#4 フードバンク西",
        # The person's own rhythm, focus periods and continuity (issue 13).
        "usual": duration(catalog, lang, timedelta(minutes=50)),
        "silent": duration(catalog, lang, timedelta(hours=12)),
        "review": dates.day_and_time(NOW + timedelta(days=14), lang, ZONE),
        "started": text(lang, "focus.kind_focus"),
        "note": "家賃の相談",
        "suggestion": (
            text(lang, "continuity.because_backup", name="鈴木", staff_id=3, count=0)
            if named
            else text(lang, "continuity.none")
        ),
        # What a coordinator types, beside its word (argument errors).
        "token": "contacted",
        "word": text(lang, "outcome.contacted"),
        "choices": "contacted（連絡した）、other（その他）",
        **{key: count for key in ("count", "page", "pages", "messages", "checkins", "sent")},
        **{key: count for key in ("replied", "active", "paused", "stopped", "unreachable")},
        **{key: count for key in ("p1", "p2", "p3")},
    }


def _overrides(catalog: Catalog, lang: str, situation: str) -> dict[str, dict[str, object]]:
    """Placeholders whose value differs by entry (a day count, a span of days)."""
    named = situation == "named"
    text = catalog.text
    span = text(
        lang,
        "stats.period",
        start=dates.day(NOW - timedelta(days=7), lang, ZONE),
        end=dates.day(NOW, lang, ZONE),
        days=7,
    )
    paused = (
        text(lang, "pause.period_until", days=7, date=dates.day(NOW, lang, ZONE))
        if named
        else text(lang, "pause.period_open")
    )
    return {
        "duration.days": {"days": 2},
        "pause.period_until": {"days": 7},
        "stats.period": {
            "days": 7,
            "start": dates.day(NOW - timedelta(days=7), lang, ZONE),
            "end": dates.day(NOW, lang, ZONE),
        },
        "talk.ok": {"worker": text(lang, "talk.worker", name="佐藤")},
        "stats.text": {"period": span},
        "pause.worker_told": {"period": paused},
        "escalation.replied": {
            "mood": text(lang, "escalation.replied_mood", mood=text(lang, "mood.low"))
            if named
            else ""
        },
        "hours.some_days": {"days": "月曜・水曜" if lang == "ja" else "Mon, Wed"},
        "hours.range": {"days": describe_days(catalog, lang, (0, 1, 2, 3, 4))},
        "mydata.text": {"name": "田中" if named else text(lang, "common.none")},
        "crisis.line": {"when": text(lang, "crisis.when_24h"), "name": "よりそいホットライン"},
        "crisis.full_line": {"state": text(lang, "crisis.state_open"), "name": "いのちの電話"},
        "crisis.emergency": {"name": "救急・消防"},
        "staff.person_named": {"name": "田中"},
        "web.person.event.focus_reviewed": {"choice": text(lang, "focus.choice_week")},
        "web.person.event.tie_checked": {"answer": text(lang, "tie_check.quiet")},
    }


def _renderings() -> list[tuple[str, str, str, str]]:
    """(language, situation, key, text) for every entry and every variant."""
    out = []
    for lang in LANGUAGES:
        catalog = Catalog(lang)
        for situation in SITUATIONS:
            values = _values(catalog, lang, situation)
            overrides = _overrides(catalog, lang, situation)
            for key, entry in load_catalog(lang).items():
                for variant in entry if isinstance(entry, list) else [entry]:
                    names = placeholders(variant)
                    missing = names - set(values) - set(overrides.get(key, {}))
                    assert not missing, f"{key}: give {sorted(missing)} a realistic value here"
                    params = {**values, **overrides.get(key, {})}
                    out.append((lang, situation, key, variant.format(**params)))
    return out


RENDERINGS = _renderings()

# Where a stored word is what the reader types: usage lines and command lists.
SYNTAX_KEYS = re.compile(r"(^help\.|\.usage$|^schedule\.show$|^args\.)")

JA = r"\u3040-\u30ff\u3400-\u9fff"
PARTICLES = r"(?:さん|の|が|を|に|へ|と|で|は|も|や|から|まで|より|ごろ)"
# A space between a Japanese word, a number or a closing bracket and the particle after it
# (not after a command or a syntax word: /talk で, <本人> で).
SPACED_PARTICLE = re.compile(rf"(?<=[{JA}0-9)）」』】])[ \u3000]+{PARTICLES}")
SPACED_NUMBER = re.compile(rf"(?<=[{JA}])[ \u3000]*\d+[ \u3000]+(?=[件人日分]|時間)")
HALF_WIDTH = re.compile(rf"[{JA}][:,!?;()]|[:,!?;()][{JA}]")
WEEKDAY_IN_DATE = re.compile(r"\([月火水木金土日]\)")
MISSING_DASH = re.compile(r"(?:^|[\s：:（(・、,=])[-－](?:$|[\s）)・、,。.])")
BARE_HONORIFIC = re.compile(r"(?:^|[\s：:（(・、「】])さん")
EMPTY_BRACKETS = re.compile(r"（）|\(\)|「」")
TOKENS = {
    "ja": re.compile(
        r"(?<![\w/])(?:daily|weekdays|weekends|every \d+ days|closest|loose|base|close|active"
        r"|paused|stopped|unreachable|open|acknowledged|resolved|auto_resolved|silence|distress"
        r"|concern|wants_contact|reconnect|contacted|met_in_person|referred|no_action_needed"
        r"|worker|coordinator|ja|en|mon|tue|wed|thu|fri|sat|sun|great|good|okay|low|bad"
        r"|rising|falling|steady|None|null|True|False|UTC|[A-Z][a-z]+/[A-Za-z_]+)(?![\w/])"
    ),
    "en": re.compile(
        r"(?<![\w/])(?:daily|closest|loose|base|auto_resolved|wants_contact|met_in_person"
        r"|no_action_needed|ja|en|mon|tue|wed|thu|fri|sat|sun|None|null|True|False"
        r"|[A-Z][a-z]+/[A-Za-z_]+)(?![\w/])"
    ),
}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
INTENDED_IDENTIFIERS = {"daily_morning"}  # template names from the configuration


URL = re.compile(r"https?://\S+")


def _found(pattern: re.Pattern[str], *, lang: str | None = None, syntax: bool = True) -> dict:
    """Where the pattern occurs (links left out: a deep link is not prose)."""
    return {
        f"{lang_}/{situation}/{key}": pattern.findall(URL.sub("", text))
        for lang_, situation, key, text in RENDERINGS
        if (lang is None or lang_ == lang)
        and (syntax or not SYNTAX_KEYS.search(key))
        and pattern.search(URL.sub("", text))
    }


def test_every_entry_renders_in_both_situations() -> None:
    entries = sum(
        len(e) if isinstance(e, list) else 1
        for lang in LANGUAGES
        for e in load_catalog(lang).values()
    )
    assert len(RENDERINGS) == entries * len(SITUATIONS)
    assert all(text.strip() for *_, text in RENDERINGS)


def test_japanese_puts_no_space_before_an_honorific_or_a_particle() -> None:
    assert _found(SPACED_PARTICLE, lang="ja") == {}
    assert _found(SPACED_NUMBER, lang="ja") == {}


def test_japanese_punctuation_is_full_width() -> None:
    stripped = re.compile(HALF_WIDTH.pattern)
    found = {
        f"{situation}/{key}": stripped.findall(WEEKDAY_IN_DATE.sub("", text))
        for lang, situation, key, text in RENDERINGS
        if lang == "ja" and stripped.search(WEEKDAY_IN_DATE.sub("", text))
    }
    assert found == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_stored_token_reaches_a_reader(lang: str) -> None:
    assert _found(TOKENS[lang], lang=lang, syntax=False) == {}
    identifiers = {
        key: found
        for key, found in _found(SNAKE, lang=lang, syntax=False).items()
        if set(found) - INTENDED_IDENTIFIERS
    }
    assert identifiers == {}


def test_no_dash_stands_for_a_missing_value() -> None:
    assert _found(MISSING_DASH) == {}


def test_an_honorific_always_follows_a_name_and_no_brackets_are_empty() -> None:
    assert _found(BARE_HONORIFIC, lang="ja") == {}
    assert _found(EMPTY_BRACKETS) == {}


def test_an_erased_name_reads_as_the_person_with_that_id() -> None:
    erased = {
        (lang, key): text for lang, situation, key, text in RENDERINGS if situation == "erased"
    }
    assert (
        erased[("ja", "stop.worker_told")]
        == "ID 12の方が声かけの停止（同意の取り下げ）をしました。"
    )
    assert erased[("en", "stop.worker_told")] == "Person 12 stopped check-ins (consent withdrawn)."
    named = {(lang, key): text for lang, situation, key, text in RENDERINGS if situation == "named"}
    assert named[("ja", "resume.worker_told")] == "田中さん（ID 12）が声かけを再開しました。"


def test_the_checks_catch_what_they_look_for() -> None:
    """The patterns above find the faults they are written for (so a pass means something)."""
    assert SPACED_PARTICLE.search("田中 さん（ID 1）") and SPACED_PARTICLE.search(
        "12月5日(土) まで"
    )
    assert not SPACED_PARTICLE.search("/talk でどうぞ") and not SPACED_PARTICLE.search("田中さん")
    assert SPACED_NUMBER.search("未読 3 件") and not SPACED_NUMBER.search("P1 3件")
    assert HALF_WIDTH.search("使い方: /pause") and not HALF_WIDTH.search("使い方：/pause 10:00")
    assert TOKENS["ja"].search("言語: ja") and TOKENS["ja"].search("（daily、Asia/Tokyo）")
    assert TOKENS["ja"].search("範囲: closest〜loose") and not TOKENS["ja"].search("/talk")
    assert TOKENS["en"].search("time zone Asia/Tokyo") and not TOKENS["en"].search("Japan Time")
    assert MISSING_DASH.search("- さん（ID 1）") and MISSING_DASH.search("（日数: -）")
    assert MISSING_DASH.search("- 分") and not MISSING_DASH.search("22:00-07:00")
    assert BARE_HONORIFIC.search("・さん（ID 1）") and not BARE_HONORIFIC.search("田中さん")
    assert SNAKE.search("auto_resolved") and not SNAKE.search("auto-resolved")
