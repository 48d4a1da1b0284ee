"""The threshold replay (signals/training/thresholds.py) decides exactly as the classifier.

Thresholds are chosen by replaying the combined decision on the corpus; if the replay drifted
from `Classifier.classify`, the chosen thresholds would be for a different classifier.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection

import pytest

from signals import Classifier, Severity
from signals.classifier import rules_classifier
from signals.training.thresholds import Ordinary, _ordinary, replay

TEXTS = (
    "なんかもうどうにでもなれって感じ",  # rules: none
    "眠れない",  # rules: concern
    "誰とも話してない",  # rules: concern, isolation only
    "消えたいなんて思ってないから安心して",  # a negated wish
    "終活はじめました。お墓も決めた",  # end-of-life planning caps a raise
    "死ぬほど笑った",  # an idiom vetoes a raise, however sure the model is
    "ドラマで主人公が遺書を書くシーン、泣いた",  # media: a sure model still asks for a look
    "落ち込んでたけど、もう落ち着いた",  # low mood lifted: vetoes a raise to concern only
    "はい",  # a plain reply skips the model
    "死にたい",  # rules: critical
)
PROBS = (
    (0.85, 0.1, 0.05),
    (0.65, 0.2, 0.15),
    (0.4, 0.35, 0.25),
    (0.1, 0.75, 0.15),
    (0.1, 0.1, 0.8),
    (0.97, 0.02, 0.01),  # sure enough that a vetoed raise still goes to concern
    (0.55, 0.42, 0.03),  # in doubt between critical and concern: critical
)
GRID = (0.8, 0.7, 0.7, 0.6, 0.95, 0.95)


class _Fixed:
    def __init__(self, probs: tuple[float, float, float]) -> None:
        self.probs = probs

    def predict(self, text: str) -> object:
        raise AssertionError("not used")

    def distribution(self, view: str) -> tuple[tuple[float, float, float], Collection[str]]:
        return self.probs, {"x"}

    def explain(self, matched: Collection[str], severity: Severity) -> tuple[str, ...]:
        return ("x",)


@pytest.mark.parametrize(("text", "probs"), list(itertools.product(TEXTS, PROBS)))
def test_replay_matches_the_classifier(text: str, probs: tuple[float, float, float]) -> None:
    rules = rules_classifier()
    clf = Classifier(
        rules.rules,
        model=_Fixed(probs),  # type: ignore[arg-type]
        model_critical_threshold=GRID[0],
        model_concern_threshold=GRID[1],
        model_distress_threshold=GRID[2],
        model_agree_threshold=GRID[3],
        model_override_threshold=GRID[4],
        model_doubt_threshold=GRID[5],
    )
    result = rules.classify(text)
    expected = clf.classify(text).severity
    assert replay(result, _ordinary(rules, result, text), (probs, True), GRID) is expected


def test_without_evidence_the_rules_stand() -> None:
    rules = rules_classifier()
    result = rules.classify("眠れない")
    got = replay(
        result, Ordinary(False, False, False, False, False), ((0.99, 0.0, 0.01), False), GRID
    )
    assert got is Severity.CONCERN


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ((0.55, 0.42, 0.03), Severity.CRITICAL),  # sure of distress, leaning to a crisis
        ((0.55, 0.28, 0.17), Severity.CONCERN),  # distress, but not sure enough
        ((0.45, 0.52, 0.03), Severity.CONCERN),  # leaning to concern
    ],
)
def test_in_doubt_between_critical_and_concern_choose_critical(
    probs: tuple[float, float, float], expected: Severity
) -> None:
    clf = Classifier(rules_classifier().rules, model=_Fixed(probs))  # type: ignore[arg-type]
    assert clf.classify("なんかもうどうにでもなれって感じ").severity is expected
