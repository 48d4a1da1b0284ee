"""Normalisation: views, obfuscations, and the map back to the original text."""

from __future__ import annotations

import random

import pytest

from signals.normalize import _normalize, _stage_one, _stage_one_per_char, fold_pattern, normalize


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("ｼﾆﾀｲ", "しにたい"),
        ("シニタイ", "しにたい"),
        ("ﾀﾞﾒ", "だめ"),
        ("死にたーい", "死にたい"),
        ("しにたい〜〜", "しにたい"),
        ("しにたいいいい", "しにたい"),
        ("しにたぁい", "しにたい"),
        ("し に た い", "しにたい"),
        ("し　に　た　い", "しにたい"),
        ("し・に・た・い", "しにたい"),
        ("し.に.た.い", "しにたい"),
        ("し、に、た、い", "しにたい"),
        ("タヒにたい", "死にたい"),
        ("ﾀﾋにたい", "死にたい"),
        ("氏にたい", "死にたい"),
        ("４ね", "死ね"),
        ("4にたい", "死にたい"),
        ("〇にたい", "死にたい"),
        ("4年生", "4年生"),
        ("タヒチ", "たひち"),
        ("田中氏に連絡", "田中氏に連絡"),
        ("I   WANT to DIE!!!", "i want to die!"),
        ("helppp me", "help me"),
        ("ｈｅｌｌｏ　ｗｏｒｌｄ", "hello world"),
        ("I don’t", "i don't"),
        ("💊💊💊 さよなら", "💊💊💊 さよなら"),
        ("もう消えたい。でも、大丈夫", "もう消えたい。でも、大丈夫"),
        ("1000円", "1000円"),
        ("  spaced  ", "spaced"),
        ("", ""),
    ],
)
def test_view(text: str, view: str) -> None:
    assert normalize(text).text == view


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("死にたーい", "死にたい"),
        ("し に た い", "しにたい"),
        ("ねえ、ﾀﾋにたい", "死にたい"),
        ("well  HELPPP me", "help me"),
        ("ｼﾆﾀｲよ", "しにたい"),
    ],
)
def test_spans_map_back_to_original(text: str, needle: str) -> None:
    n = normalize(text)
    i = n.text.index(needle)
    s, e = n.original_span(i, i + len(needle))
    original = text[s:e]
    assert normalize(original).text == needle


def test_position_maps_are_monotonic_and_in_range() -> None:
    rng = random.Random(3)
    alphabet = "しにたい死消えー〜 ・、。!ｼﾆﾀｲﾞabcHELP 💊ぁぃ4タヒ\n\tーaaa"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        n = normalize(text)
        assert len(n.starts) == len(n.ends) == len(n.text)
        assert all(0 <= s < e <= len(text) for s, e in zip(n.starts, n.ends, strict=True))
        assert list(n.starts) == sorted(n.starts)


def test_fast_path_agrees_with_full_path() -> None:
    rng = random.Random(11)
    alphabet = "今日はいい天気ですね死にたい消えたいゲームー〜 、。!?.,ｼﾆﾀｲabc HELLO  \nぁぃ4💊"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        assert normalize(text) == _normalize(text, allow_fast=False), repr(text)


def test_fast_path_agrees_with_full_path_for_ascii() -> None:
    rng = random.Random(12)
    alphabet = "abcde HELP  me!!?..,,--~*/_|#+=\t\nooo'"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        assert normalize(text) == _normalize(text, allow_fast=False), repr(text)


def test_sliced_folding_agrees_with_per_character_folding() -> None:
    rng = random.Random(13)
    alphabet = "abcABCｱｲｶﾞﾞﾟか\u3099は\u309aＡＢ！？…①㍻　 死にたい\n"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert _stage_one(text) == _stage_one_per_char(text), repr(text)


def test_fold_pattern_matches_view_conventions() -> None:
    assert fold_pattern("オーバードーズ") == "おばどず"
    assert fold_pattern("パーティー") == normalize("パーティー").text
    assert fold_pattern(r"\bkill\b") == r"\bkill\b"
