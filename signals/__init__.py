"""Distress signals: offline, explainable classification of a person's messages.

The bot relies on this contract::

    from signals import Severity, Classification, Classifier, classify, CrisisLine
    from signals import load_crisis_lines

    classify(text, context=(MOOD_WORST, "previous message", ...))  # the conversation raises

The package depends on the standard library and the morphological analyser (fugashi with
unidic-lite) only, no Telegram or database imports. A learned model plugs in through
`Classifier(rules, model=...)`, any object with `predict(text)` (see `SeverityModel`).
"""

from signals.classifier import (
    MOOD_LOW,
    MOOD_WORST,
    Classification,
    Classifier,
    Hit,
    ModelVerdict,
    SeverityModel,
    classify,
    default_classifier,
)
from signals.cli import run_classify, run_eval
from signals.crisis import CrisisLine, load_crisis_lines
from signals.rules import Rule, RuleKind, Severity, SignalsConfigError

__all__ = [
    "MOOD_LOW",
    "MOOD_WORST",
    "Classification",
    "Classifier",
    "CrisisLine",
    "Hit",
    "ModelVerdict",
    "Rule",
    "RuleKind",
    "Severity",
    "SeverityModel",
    "SignalsConfigError",
    "classify",
    "default_classifier",
    "load_crisis_lines",
    "run_classify",
    "run_eval",
]
