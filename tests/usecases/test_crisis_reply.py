"""The crisis reply's words and layout, its "see all lines" button, and the /talk
acknowledgement's working hours. Rendering only: no database is opened."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time
from itertools import combinations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import Closure, parse_closure
from infra.clock import ControllableClock
from infra.i18n import Catalog
from infra.settings import EscalationSettings, HolidayCalendar
from signals.crisis import Situation
from signals.crisis_choice import choose_lines
from storage.db import Database
from storage.outbox import PRIORITY_URGENT, Purpose
from tests.conftest import START, make_settings
from usecases.buttons import ButtonKind, pattern
from usecases.crisis_reply import (
    all_lines_callback_data,
    all_lines_text,
    crisis_card,
    crisis_markup,
    crisis_reply_message,
    parse_all_lines_callback,
    zone_or_default,
)
from usecases.services import Services
from usecases.working_hours import describe_working_hours, talk_acknowledgement

JST = ZoneInfo("Asia/Tokyo")
V, C, S = Situation.VIOLENCE, Situation.CHILD, Situation.SEXUAL_VIOLENCE
# Words about means or methods never appear in anything the reply shows.
METHOD_WORDS = [
    "薬", "飲み", "飛び降", "首", "ロープ", "練炭", "刃", "線路", "方法", "手段",
    "pill", "overdose", "rope", "jump", "bridge", "method", "knife", "means",
]  # fmt: skip
TIMES = ["2026-12-01 03:00", "2026-12-03 03:00", "2026-12-03 10:00", "2026-12-03 20:30"]
SITUATION_SETS: list[tuple[Situation, ...]] = [(), (V,), (C,), (S,), (C, V, S)]


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Services]:
    # The engine is created lazily and never connects: rendering needs no database.
    yield Services(
        settings=make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"),
        db=Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"),
        clock=ControllableClock(START),
        catalog=Catalog("ja"),
    )


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def before_the_list(card: str) -> str:
    """Everything above the first number (119)."""
    return card[: card.index("119")].strip()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_words_before_the_list_are_short_and_true(svc: Services, language: str) -> None:
    card = crisis_card(svc, language, jst("2026-12-01 03:00"), JST)
    intro = before_the_list(card)
    assert len(intro) <= 150, intro
    # The team is being told; nobody is said to have been reached, nobody promised at once.
    if language == "ja":
        assert "知らせています" in intro
        for untrue in ("連絡しました", "伝えました", "すぐに返事", "すぐ連絡"):
            assert untrue not in card
    else:
        assert "letting your support team know" in intro
        for untrue in ("I've just let", "I have let", "right away", "immediately"):
            assert untrue not in card


def test_at_3am_the_card_shows_only_what_is_open(svc: Services) -> None:
    card = crisis_card(svc, "ja", jst("2026-12-01 03:00"), JST)  # a Tuesday
    rows = card.splitlines()
    assert rows.index("119 救急・消防") < rows.index("110 警察") < rows.index("0120-279-338")
    assert "0120-783-556" not in card, "いのちの電話 is closed at 3 a.m."
    assert "0120-061-338" not in card, "#いのちSOS is closed 00:00-06:00 on Tuesdays"
    assert "0120-279-889" not in card and "0120-0-78310" not in card and "189" not in rows
    assert "24時間" in card
    # No brackets nested inside brackets, as the old card had.
    assert not re.search(r"（[^）]*（", card)


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize("situations", SITUATION_SETS)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_number_shown_sits_on_a_line_of_its_own(
    svc: Services, when: str, situations: tuple[Situation, ...], language: str
) -> None:
    now = jst(when)
    card = crisis_card(svc, language, now, JST, situations)
    rows = card.splitlines()
    shown = choose_lines(svc.crisis_lines, now, JST, language, situations)
    for item in shown:
        number = item.line.number
        if item.line.emergency:
            assert any(row.startswith(number + " ") for row in rows), number
        else:
            assert number in rows, (number, card)
    assert len(card) < 1000
    for word in METHOD_WORDS:
        assert word not in card.lower(), word


def test_an_evening_card_says_until_when(svc: Services) -> None:
    card = crisis_card(svc, "ja", jst("2026-12-03 20:30"), JST)
    assert "いのちの電話（フリーダイヤル）：21:00まで" in card
    assert "0120-783-556" in card.splitlines()
    # #いのちSOS is open until Saturday 00:00: no clock time that would read as tonight.
    assert "#いのちSOS：いま受付中" in card


def test_an_english_card_gives_the_english_hours(svc: Services) -> None:
    card = crisis_card(svc, "en", jst("2026-12-03 03:00"), JST)
    assert "Ambulance / Fire" in card and "0120-279-338" in card.splitlines()
    assert "In English and other languages 10:00–22:00" in card
    violence = crisis_card(svc, "en", jst("2026-12-03 03:00"), JST, {V})
    assert violence.index("0120-279-889") < violence.index("You can keep writing")
    assert "by chat 12:00–22:00 and e-mail only" in violence
    child = crisis_card(svc, "en", jst("2026-12-03 03:00"), JST, {C})
    assert "189" in child.splitlines() and "In Japanese" in child


def test_situation_cards_put_their_line_first(svc: Services) -> None:
    now = jst("2026-12-03 20:30")
    for situations, number in [({V}, "0120-279-889"), ({C}, "189"), ({S}, "#8891")]:
        rows = crisis_card(svc, "ja", now, JST, situations).splitlines()
        numbers = [r for r in rows if r and (r[0].isdigit() or r[0] == "#")]
        assert numbers[2] == number, rows
    sexual = crisis_card(svc, "ja", now, JST, {S})
    assert "24時間のセンターもあります。時間は地域によって違います" in sexual


def test_the_button_carries_the_situations(svc: Services) -> None:
    markup = crisis_markup(svc, "ja", {V, C})
    [[button]] = markup["inline_keyboard"]
    assert button["text"] == "すべての相談先を見る"
    assert parse_all_lines_callback(button["callback_data"]) == {V, C}
    assert crisis_markup(svc, "en")["inline_keyboard"][0][0]["text"] == "See all lines"


def test_callback_data_builder_and_parser_agree() -> None:
    situations = [s for s in Situation if s is not Situation.GENERAL]
    for n in range(len(situations) + 1):
        for combo in combinations(situations, n):
            data = all_lines_callback_data(combo)
            assert len(data.encode()) <= 64
            assert re.match(pattern(ButtonKind.CRISIS_LINES), data)
            assert parse_all_lines_callback(data) == set(combo)
    assert all_lines_callback_data([Situation.GENERAL]) == "crisis:all"
    for bad in ("", "crisis:allx", "crisis:all:", "crisis:all:nonsense", "x crisis:all:child"):
        assert parse_all_lines_callback(bad) is None


@pytest.mark.parametrize("language", ["ja", "en"])
def test_all_lines_lists_every_line_with_its_hours(svc: Services, language: str) -> None:
    text = all_lines_text(svc, language, jst("2026-12-01 03:00"), JST, {C})
    assert len(text) < 4096
    rows = text.splitlines()
    for line in svc.crisis_lines:
        assert line.number in rows
        assert line.hours(language) in text and line.purpose(language) in text
    # Emergency numbers, then the situation's lines, then the rest in file order.
    order = [r for r in rows if r in {ln.number for ln in svc.crisis_lines}]
    assert order[:4] == ["119", "110", "189", "0120-0-78310"]
    if language == "en":
        # 189 answers in Japanese only; よりそい names its other languages' hours.
        child_line = text[text.index("Child abuse hotline") : text.index("24-hour Children")]
        assert "In Japanese" in child_line
    closed = "いまは時間外" if language == "ja" else "closed now"
    assert any(r.startswith(("いのちの電話", "Inochi no Denwa")) and closed in r for r in rows)
    for word in METHOD_WORDS:
        assert word not in text.lower(), word


def test_the_reply_is_an_urgent_row_with_its_button(svc: Services) -> None:
    now = jst("2026-12-01 03:00")
    row = crisis_reply_message(
        svc, chat_id=5, language="ja", now=now, tz=JST, situations={V}, person_id=7
    )
    params: dict[str, Any] = row.params()
    assert (row.purpose, row.priority, row.person_id) == (Purpose.CRISIS, PRIORITY_URGENT, 7)
    assert params["text"] == crisis_card(svc, "ja", now, JST, {V})
    assert params["reply_markup"] == crisis_markup(svc, "ja", {V})


def test_an_unknown_zone_falls_back_to_the_organisations(svc: Services) -> None:
    assert zone_or_default(svc, "Nowhere/Atlantis") == ZoneInfo("Asia/Tokyo")
    assert zone_or_default(svc, "Europe/London") == ZoneInfo("Europe/London")
    assert zone_or_default(svc, None) == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("days", "hours", "ja", "en"),
    [
        ((0, 1, 2, 3, 4), (time(9), time(18)), "平日の9:00〜18:00", "on weekdays, 9:00–18:00"),
        (tuple(range(7)), (time(8, 30), time(0)), "毎日の8:30〜24:00", "every day, 8:30–24:00"),
        ((0, 2, 4), (time(10), time(16)), "月曜・水曜・金曜の10:00〜16:00",
         "on Mon, Wed, Fri, 10:00–16:00"),
        ((5, 6), (time(10), time(15)), "土日の10:00〜15:00", "at weekends, 10:00–15:00"),
    ],
)  # fmt: skip
def test_working_hours_in_words(
    days: tuple[int, ...], hours: tuple[time, time], ja: str, en: str
) -> None:
    settings = EscalationSettings(
        working_hours=hours, working_days=days, national_holidays=HolidayCalendar.NONE
    )
    catalog = Catalog("ja")
    assert describe_working_hours(catalog, "ja", settings) == ja
    assert describe_working_hours(catalog, "en", settings) == en


@pytest.mark.parametrize(
    ("holidays", "closed", "ja", "en"),
    [
        (HolidayCalendar.JAPAN, (), "平日（祝日を除く）の9:00〜18:00",
         "on weekdays except public holidays, 9:00–18:00"),
        (HolidayCalendar.NONE, (parse_closure("12-29..01-03"),),
         "平日（休業日を除く）の9:00〜18:00",
         "on weekdays except the days we are closed, 9:00–18:00"),
        (HolidayCalendar.JAPAN, (parse_closure("08-13..08-16"),),
         "平日（祝日と休業日を除く）の9:00〜18:00",
         "on weekdays except public holidays and the days we are closed, 9:00–18:00"),
    ],
)  # fmt: skip
def test_working_hours_say_holidays_and_closed_days_are_off(
    holidays: HolidayCalendar, closed: tuple[Closure, ...], ja: str, en: str
) -> None:
    settings = EscalationSettings(national_holidays=holidays, closed_days=closed)
    catalog = Catalog("ja")
    assert describe_working_hours(catalog, "ja", settings) == ja
    assert describe_working_hours(catalog, "en", settings) == en


def test_the_talk_acknowledgement_says_when_workers_usually_answer() -> None:
    catalog = Catalog("ja")
    hours = EscalationSettings()
    ja = talk_acknowledgement(catalog, "ja", hours, "佐藤")
    assert "佐藤さんに伝えます" in ja and "平日（祝日を除く）の9:00〜18:00" in ja
    assert " さん" not in ja
    en = talk_acknowledgement(catalog, "en", hours, "Sato")
    assert "Sato" in en and "on weekdays except public holidays, 9:00–18:00" in en
    assert "担当の支援員に伝えます" in talk_acknowledgement(catalog, "ja", hours, None)
