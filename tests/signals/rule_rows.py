"""Shared checks for the tables of rule rows in the round test modules (test_rules_*): a message
and what the rules alone must answer, and a message and whether an ordinary reading the rules
recognise vetoes a learned raise. The learned layer is never asked, so each row tests the rules
themselves."""

from __future__ import annotations

from signals import Severity
from signals.classifier import rules_classifier
from signals.normalize import normalize

__all__ = ["assert_form", "assert_veto"]


def assert_form(label: Severity, rule_id: str, text: str) -> None:
    """The rules answer `label`, and name `rule_id` among their rules when it is given."""
    result = rules_classifier().classify(text)
    assert result.severity is label, (text, result.rules)
    if rule_id:
        assert rule_id in result.rules, (text, result.rules)


def assert_veto(vetoed: bool, text: str, *, critical: bool = True) -> None:
    """Whether an ordinary reading vetoes a learned raise to critical (or, with
    `critical=False`, to concern)."""
    clf = rules_classifier()
    result = clf.classify(text)
    to_concern, to_critical, _firm = clf.vetoes(result, normalize(text).text)
    assert (to_critical if critical else to_concern) is vetoed, (text, result.rules)
