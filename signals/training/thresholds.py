"""Chooses the learned layer's thresholds from out-of-fold verdicts, never from a held-out set.

Run: ``python -m signals.training.thresholds`` (needs the `train` extra).

Each corpus message is scored by a model fitted without its fold (the folds of
`signals.training.train.cross_validate`), and by the packaged rules, which never saw the fold
either way. The combined decision of `signals.classifier.Classifier` is then replayed for a
grid of thresholds: the rules' label, raised by the model to critical at ``critical``, to
concern at ``concern`` (critical or concern verdicts), to concern when critical and concern
together reach ``distress``, and a rules' concern to critical when the model's critical
probability reaches ``agree`` (two readers agree on distress, one of them on a crisis).
Traps the rules recognise veto a raise, as in the classifier.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from signals.classifier import (
    MODEL_LABELS,
    Classification,
    Classifier,
    is_ordinary_reply,
    rules_classifier,
)
from signals.learned import extract_bag
from signals.normalize import normalize
from signals.rules import Severity
from signals.training.train import (
    FOLDS,
    SEED,
    Example,
    fit,
    load_corpus,
    near_duplicate_groups,
)

__all__ = ["Ordinary", "main", "out_of_fold", "replay"]

_CRITICAL_GRID = (0.7, 0.8, 0.9)
_CONCERN_GRID = (0.6, 0.7)
_DISTRESS_GRID = (0.6, 0.65, 0.7, 0.8, 1.01)
_AGREE_GRID = (0.5, 0.6, 0.7, 1.01)
_OVERRIDE_GRID = (0.9, 0.95, 1.01)
_DOUBT_GRID = (0.85, 0.9, 0.95, 1.01)


def out_of_fold(
    examples: Sequence[Example],
) -> list[tuple[tuple[float, float, float], bool]]:
    """Per message: the probabilities of a model that did not see it, and whether it had
    readable evidence (what the classifier requires before it acts on a verdict)."""
    bags = [extract_bag(e.text) for e in examples]
    y = np.asarray([MODEL_LABELS.index(e.label) for e in examples])
    groups = near_duplicate_groups([e.text for e in examples])
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    out: list[tuple[tuple[float, float, float], bool]] = [((0.0, 0.0, 1.0), False)] * len(y)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y, groups):
        fitted = fit([bags[i] for i in train_idx], [examples[i].label for i in train_idx])
        for i in test_idx:
            probs, matched = fitted.model.distribution(normalize(examples[i].text).text)
            out[i] = (probs, bool(matched))
    return out


class Ordinary(NamedTuple):
    """What the rules recognised that limits a learned raise of one message."""

    skip: bool  # a plain everyday reply: the model is not asked
    capped: bool  # end-of-life planning: a raise stops at concern
    veto_concern: bool  # an ordinary reading vetoes a raise to concern
    veto_critical: bool  # ... and one to critical
    firm: bool  # a veto no sure model overrides (an idiom, help about a trivial object)


def replay(
    result: Classification,
    ordinary: Ordinary,
    verdict: tuple[tuple[float, float, float], bool],
    grid: tuple[float, float, float, float, float, float],
) -> Severity:
    """The classifier's decision for one message: the rules' `result`, what limits a raise
    (`ordinary`), the model's probabilities and evidence (`verdict`), and the thresholds
    (critical, concern, distress, agree, override, doubt).
    `tests/signals/test_thresholds.py` holds it to `Classifier.classify`."""
    rules = result.severity
    (pc, pw, pn), evidence = verdict
    if rules is Severity.CRITICAL or not evidence or ordinary.skip:
        return rules
    critical, concern, distress, agree, override, doubt = grid
    target = Severity.NONE
    if pc >= max(pw, pn):
        if pc >= critical:
            target = Severity.CRITICAL
        elif pc >= concern:
            target = Severity.CONCERN
    elif pw >= max(pc, pn) and pw >= concern:
        target = Severity.CONCERN
    if target is Severity.NONE and pc + pw >= distress:
        target = Severity.CONCERN
    if pc >= agree and Classifier._agreeable(result):
        target = Severity.CRITICAL
    in_doubt = pc >= 0.5 and pc >= pw and pc + pw >= doubt
    if in_doubt and (rules is Severity.NONE or Classifier._agreeable(result)):
        target = Severity.CRITICAL
    if target is Severity.CRITICAL and (ordinary.capped or Classifier._negated_alone(result)):
        target = Severity.CONCERN
    if target is Severity.CRITICAL and ordinary.veto_critical:
        target = Severity.CONCERN
    sure = pc >= max(pw, pn) and pc >= override and not ordinary.firm
    if target is Severity.CONCERN and ordinary.veto_concern and not sure:
        target = Severity.NONE
    return target if target.rank > rules.rank else rules


def _ordinary(clf: Classifier, result: Classification, text: str) -> Ordinary:
    view = normalize(text).text
    return Ordinary(is_ordinary_reply(view), clf._capped(view), *clf.vetoes(result, view))


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    examples = load_corpus()
    clf = rules_classifier()
    rules = [clf.classify(e.text) for e in examples]
    ordinary = [_ordinary(clf, r, e.text) for r, e in zip(rules, examples, strict=True)]
    verdicts = out_of_fold(examples)
    everyday = [i for i, e in enumerate(examples) if e.category == "everyday"]
    print(
        "critical concern distress agree override doubt | crit->crit crit->none conc-escalated | "
        "none->crit none->conc | everyday->crit everyday->conc"
    )
    grids = itertools.product(
        _CRITICAL_GRID, _CONCERN_GRID, _DISTRESS_GRID, _AGREE_GRID, _OVERRIDE_GRID, _DOUBT_GRID
    )
    for grid in grids:
        got = [
            replay(r, o, verdict, grid)
            for r, o, verdict in zip(rules, ordinary, verdicts, strict=True)
        ]
        print(" ".join(f"{x:5.2f}" for x in grid) + " | " + _figures(examples, got, everyday))
    return 0


def _figures(examples: Sequence[Example], got: Sequence[Severity], everyday: list[int]) -> str:
    def share(label: Severity, answers: set[Severity], rows: Sequence[int] | None = None) -> float:
        idx = rows if rows is not None else [i for i, e in enumerate(examples) if e.label is label]
        return sum(got[i] in answers for i in idx) / max(1, len(idx))

    c, w, n = Severity.CRITICAL, Severity.CONCERN, Severity.NONE
    return (
        f"{share(c, {c}):10.3f} {share(c, {n}):10.3f} {share(w, {c, w}):14.3f} | "
        f"{share(n, {c}):10.3f} {share(n, {w}):9.3f} | "
        f"{share(n, {c}, everyday):14.3f} {share(n, {w}, everyday):14.3f}"
    )


if __name__ == "__main__":
    sys.exit(main())
