"""The classifier the bot uses: the rules with the shipped learned layer on top.

The rule tables (test_traps, test_taxonomy*, test_heldout_style) describe the rule layer
alone. Here, over the same tables, what the learned layer adds: it only ever raises a
label, it never hides a crisis the rules found, and on the earlier held-out-style set it
keeps every critical message critical while false alarms stay within a measured bound.
"""

from __future__ import annotations

import pytest

from signals import Classifier, Severity
from signals.classifier import (
    MODEL_CONCERN_THRESHOLD,
    MODEL_CRITICAL_THRESHOLD,
    default_classifier,
    rules_classifier,
)
from tests.signals.test_heldout_style import ROWS

RANK = {Severity.NONE: 0, Severity.CONCERN: 1, Severity.CRITICAL: 2}


def test_the_bot_uses_the_learned_layer() -> None:
    clf = default_classifier()
    assert clf.model is not None
    assert (clf.model_critical_threshold, clf.model_concern_threshold) == (
        MODEL_CRITICAL_THRESHOLD,
        MODEL_CONCERN_THRESHOLD,
    )
    assert rules_classifier().model is None


@pytest.mark.parametrize(("label", "text"), [(r[1], r[3]) for r in ROWS], ids=[r[0] for r in ROWS])
def test_the_learned_layer_only_raises(label: Severity, text: str) -> None:
    rules = rules_classifier().classify(text)
    both = default_classifier().classify(text)
    assert RANK[both.severity] >= RANK[rules.severity], both.explain()
    if both.severity is not rules.severity:
        assert any(r.startswith("model:") for r in both.rules), both.explain()


def test_on_the_earlier_held_out_style_set() -> None:
    clf = default_classifier()
    critical = [r for r in ROWS if r[1] is Severity.CRITICAL]
    none = [r for r in ROWS if r[1] is Severity.NONE]
    missed = [r[0] for r in critical if clf.classify(r[3]).severity is not Severity.CRITICAL]
    assert missed == []
    false_critical = sum(clf.classify(r[3]).severity is Severity.CRITICAL for r in none)
    false_any = sum(clf.classify(r[3]).severity is not Severity.NONE for r in none)
    # Measured when the layer was wired in (December 2026): of these 185 none rows (mostly
    # traps), 13 are raised to critical and 30 in all: the price of recall on unseen
    # phrasing. The bounds keep it from growing unnoticed.
    assert false_critical / len(none) <= 0.08
    assert false_any / len(none) <= 0.17


class _Verdict:
    severity = Severity.CRITICAL
    confidence = 0.95
    features: tuple[str, ...] = ()


class _PriorOnly:
    """A model that has seen nothing of the text: its verdict is its prior alone."""

    def predict(self, text: str) -> _Verdict:
        return _Verdict()


def test_a_verdict_without_evidence_raises_nothing() -> None:
    clf = Classifier(rules_classifier().rules, model=_PriorOnly())
    assert clf.classify("hello").severity is Severity.NONE
    assert default_classifier().classify("hello").severity is Severity.NONE


class _SureOfACrisis:
    """A model that reads every message as a crisis, with evidence."""

    def predict(self, text: str) -> _Verdict:
        verdict = _Verdict()
        verdict.features = ("x",)
        return verdict


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A negated wish alone: the model may ask for a look, not for the crisis card.
        ("i'm not suicidal, just tired", Severity.CONCERN),
        ("消えたいなんて思ってないよ", Severity.CONCERN),
        ("消えたいわけでもないし、元気にやってるよ", Severity.CONCERN),  # でも inside the denial
        # A turn after the denial (taxonomy §M1, double forms): the model's reading stands.
        ("not suicidal but i'd be fine if it all ended tonight", Severity.CRITICAL),
        ("told my therapist i'm not suicidal. i lied", Severity.CRITICAL),
        ("消えたいなんて思ってない、けどもう疲れた", Severity.CRITICAL),
    ],
)
def test_a_negated_wish_caps_a_learned_crisis_unless_something_turns_after(
    text: str, label: Severity
) -> None:
    clf = Classifier(rules_classifier().rules, model=_SureOfACrisis())
    result = clf.classify(text)
    assert any(h.status == "negated" for h in result.hits), result.explain()
    assert result.severity is label, result.explain()
