"""Reading a message with the conversation: the past hour's messages and a tapped mood."""

from __future__ import annotations

import pytest

from signals import MOOD_LOW, MOOD_WORST, Severity
from signals.classifier import rules_classifier

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

# The rule layer on its own: these are its tables. The learned layer on top of it
# (the default classifier) is measured in test_combined.py.
classify = rules_classifier().classify


@pytest.mark.parametrize(
    ("context", "text", "expected"),
    [
        ((MOOD_WORST,), "もう無理", C),  # a worst-mood tap and despair are one signal
        ((MOOD_WORST,), "もうあかん", C),
        ((MOOD_WORST,), "i can't take it anymore", C),
        (("最近ずっと眠れない",), "もう無理", C),  # earlier distress, then despair
        (("お金がなくて家賃払えない", "今日も何も食べてない"), "もう耐えられない", C),
        (("薬ためてる",), "もう飲んじゃった", C),  # a critical message, then the act
        (("I have enough pills saved up",), "already took them", C),
        (("死にたい",), "眠れない", C),  # concern after a critical message
        ((MOOD_LOW,), "ちょっと疲れた", W),
        ((MOOD_WORST,), "ok", N),  # an ordinary reply stays ordinary
        ((MOOD_WORST,), "今日は散歩した", N),
        (("今日はいい天気",), "もう無理", W),  # no distress before: despair alone
        ((), "もう無理", W),
        (("もうすぐ仕事終わる",), "もう飲んじゃった", N),
    ],
)
def test_context_raises(context: tuple[str, ...], text: str, expected: Severity) -> None:
    got = classify(text, context=context)
    assert got.severity is expected, got.explain()


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (("今日はいい天気", "孫が来た"), "死にたい"),
        (("元気です",), "ガス止められた"),
        (("mood:1",), "眠れない"),
    ],
)
def test_context_never_lowers(context: tuple[str, ...], text: str) -> None:
    assert classify(text, context=context).severity is classify(text).severity


def test_a_raise_is_named_and_explained() -> None:
    got = classify("もう無理", context=(MOOD_WORST,))
    assert got.rules[-1] == "context:mood"
    assert "worst mood" in got.explain()
    got = classify("もう無理", context=("最近ずっと眠れない",))
    assert got.rules[-1] == "context:conversation"


def test_only_the_last_few_messages_count() -> None:
    old = ("死にたい",) + ("今日はいい天気",) * 10
    assert classify("眠れない", context=old).severity is W


def test_mood_markers_are_documented_constants() -> None:
    assert MOOD_WORST == "mood:5"
    assert MOOD_LOW == "mood:4"
