"""The learned layer: a linear model over character n-grams and words, scored in pure Python.

The rule classifier names what it recognises; this layer generalises past any keyword list
(a passive wish with no death word, a dose question in a new spelling). It is trained offline by
`python -m signals.training.train` from the hand-written corpus in `signals/training/corpus.tsv`
and shipped as `signals/model/severity.json`: the vocabulary and the weights only, so reading it
needs neither scikit-learn nor numpy.

Features are computed on the view of `signals.normalize.normalize` (NFKC, case and kana folded,
elongation removed), so the model sees the same spelling the rules do:

* every character 1- to 4-gram of the text padded with one space at each end (word edges);
* Latin words and adjacent word pairs (English negation and objects live in word order);
* runs of two or more kanji (家賃, 保証人: the nouns of the hardship intake).

Each message is a binary bag of those features scaled to unit length over *all* of them, not
only those the model kept, so pruning the vocabulary never changes how a message is scaled.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from signals.normalize import normalize
from signals.rules import Severity

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FORMAT_VERSION",
    "LABELS",
    "LearnedModel",
    "LearnedVerdict",
    "default_model",
    "extract_features",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "severity.json"
FORMAT_VERSION = 1
# The order of the weight columns in the model file.
LABELS: tuple[Severity, ...] = (Severity.CRITICAL, Severity.CONCERN, Severity.NONE)
MAX_NGRAM = 4
MAX_EXPLAINED = 5

# Word features carry a prefix that no normalised text contains, so a word and a character
# n-gram with the same spelling ("die" the word, "die" inside "diet") stay apart.
WORD_PREFIX = "\x1f"
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_KANJI_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆]{2,}")


def extract_features(text: str) -> set[str]:
    """The set of features of one message, as both training and scoring see them."""
    view = normalize(text).text
    padded = f" {view} "
    n = len(padded)
    feats = {padded[i : i + k] for k in range(1, MAX_NGRAM + 1) for i in range(n - k + 1)}
    # A lone space is in every message and says nothing.
    feats.discard(" ")
    words = _LATIN_WORD.findall(view)
    if words:
        feats.update(WORD_PREFIX + w for w in words)
        feats.update(f"{WORD_PREFIX}{a} {b}" for a, b in pairwise(words))
    if not view.isascii():
        feats.update(WORD_PREFIX + run for run in _KANJI_RUN.findall(view))
    return feats


@dataclass(frozen=True, slots=True)
class LearnedVerdict:
    severity: Severity  # the model's label
    confidence: float  # probability of that label, 0..1 (softmax)
    features: tuple[str, ...]  # up to 5 readable features (the n-grams) that drove it


class LearnedModel:
    """A multinomial logistic model: one weight per feature and label, and a bias per label."""

    __slots__ = ("_bias", "_weights")

    def __init__(
        self,
        weights: Mapping[str, tuple[float, float, float]],
        bias: tuple[float, float, float],
    ) -> None:
        self._weights = dict(weights)
        self._bias = bias

    @classmethod
    def from_file(cls, path: str | Path) -> LearnedModel:
        """Loads a model written by `signals.training.train`."""
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, source: str = "<model>") -> LearnedModel:
        if raw.get("format") != FORMAT_VERSION:
            raise ValueError(f"{source}: model format {raw.get('format')!r}, expected 1")
        labels = tuple(raw.get("labels", ()))
        if labels != tuple(label.value for label in LABELS):
            raise ValueError(f"{source}: labels {labels!r}, expected critical, concern, none")
        weights: dict[str, tuple[float, float, float]] = {}
        for section, prefix in (("chars", ""), ("words", WORD_PREFIX)):
            for feature, row in raw[section].items():
                weights[prefix + feature] = _triple(row, source, feature)
        return cls(weights, _triple(raw["bias"], source, "bias"))

    @property
    def vocabulary_size(self) -> int:
        return len(self._weights)

    def scores(self, text: str) -> tuple[float, float, float]:
        """The linear score per label (critical, concern, none), before the softmax."""
        return self._scores(extract_features(text))

    def _scores(self, feats: set[str]) -> tuple[float, float, float]:
        get = self._weights.get
        s0 = s1 = s2 = 0.0
        for f in feats:
            w = get(f)
            if w is not None:
                s0 += w[0]
                s1 += w[1]
                s2 += w[2]
        scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
        b = self._bias
        return (s0 * scale + b[0], s1 * scale + b[1], s2 * scale + b[2])

    def probabilities(self, text: str) -> tuple[float, float, float]:
        return _softmax(self.scores(text))

    def predict(self, text: str) -> LearnedVerdict:
        feats = extract_features(text)
        scores = self._scores(feats)
        probs = _softmax(scores)
        best = max(range(3), key=probs.__getitem__)
        return LearnedVerdict(LABELS[best], probs[best], self._explain(feats, best))

    def _explain(self, feats: Iterable[str], label: int) -> tuple[str, ...]:
        """The features that pushed hardest towards `label` against the other two labels."""
        get = self._weights.get
        pushes: list[tuple[float, str]] = []
        for f in feats:
            w = get(f)
            if w is None:
                continue
            push = w[label] - max(w[k] for k in range(3) if k != label)
            if push > 0:
                pushes.append((push, f))
        pushes.sort(key=lambda p: (-p[0], p[1]))
        chosen: list[str] = []
        for _, f in pushes:
            readable = f.removeprefix(WORD_PREFIX).strip()
            # A fragment of a feature already shown adds nothing for the reader.
            if not readable or any(readable in c for c in chosen):
                continue
            chosen = [c for c in chosen if c not in readable]
            chosen.append(readable)
            if len(chosen) == MAX_EXPLAINED:
                break
        return tuple(chosen)


def _triple(row: Any, source: str, what: str) -> tuple[float, float, float]:
    if not isinstance(row, list) or len(row) != 3:
        raise ValueError(f"{source}: {what!r}: expected three weights, got {row!r}")
    return (float(row[0]), float(row[1]), float(row[2]))


def _softmax(scores: tuple[float, float, float]) -> tuple[float, float, float]:
    top = max(scores)
    e0, e1, e2 = (math.exp(s - top) for s in scores)
    total = e0 + e1 + e2
    return (e0 / total, e1 / total, e2 / total)


@functools.cache
def default_model() -> LearnedModel:
    """The shipped model, loaded once per process."""
    return LearnedModel.from_file(DEFAULT_MODEL_PATH)
