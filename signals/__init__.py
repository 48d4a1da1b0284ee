"""Distress signals: offline, explainable classification of a person's messages.

The bot relies on this contract::

    from signals import Severity, Classification, Classifier, classify, CrisisLine
    from signals import load_crisis_lines

The package depends on the standard library only (no Telegram or database imports).
"""

from signals.classifier import Classification, Classifier, Hit, classify, default_classifier
from signals.cli import run_classify, run_eval
from signals.crisis import CrisisLine, load_crisis_lines
from signals.rules import Rule, RuleKind, Severity, SignalsConfigError

__all__ = [
    "Classification",
    "Classifier",
    "CrisisLine",
    "Hit",
    "Rule",
    "RuleKind",
    "Severity",
    "SignalsConfigError",
    "classify",
    "default_classifier",
    "load_crisis_lines",
    "run_classify",
    "run_eval",
]
