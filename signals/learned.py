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
import operator
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from signals.normalize import is_japanese, normalize
from signals.rules import Severity

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FORMAT_VERSION",
    "LABELS",
    "LearnedModel",
    "LearnedVerdict",
    "default_model",
    "extract_features",
    "view_features",
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
    return view_features(normalize(text).text)


def view_features(view: str) -> set[str]:
    """The features of an already normalised view (the classifier normalises only once)."""
    padded = f" {view} "
    # Each k-gram is the (k-1)-gram at the same place plus one character: built by `map` in C
    # rather than by slicing in a Python loop (a quarter less time, the same set).
    feats = set(padded)
    grams: Iterable[str] = padded
    for k in range(1, MAX_NGRAM):
        grams = list(map(operator.add, grams, padded[k:]))
        feats.update(grams)
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
    """A multinomial logistic model: one weight per feature and label, and a bias per label.

    Weights are held as one dictionary per label so that scoring is a set intersection and
    three sums, all of which run inside the interpreter's C code rather than a Python loop.
    """

    __slots__ = (
        "_bias",
        "_by_label",
        "_delta",
        "_delta_bias",
        "_pushes",
        "_readable",
        "_shown",
        "_vocabulary",
    )

    def __init__(
        self,
        weights: Mapping[str, tuple[float, float, float]],
        bias: tuple[float, float, float],
    ) -> None:
        self._bias = bias
        self._by_label = tuple({f: w[k] for f, w in weights.items()} for k in range(3))
        # A frozenset, so intersecting it with a message's few hundred features walks those
        # features, not the whole vocabulary.
        self._vocabulary = frozenset(weights)
        # Softmax ignores a constant added to all three scores, so scoring needs only the
        # critical and concern weights less the none weight: one complex sum, in C.
        self._delta = {f: complex(w[0] - w[2], w[1] - w[2]) for f, w in weights.items()}
        self._delta_bias = complex(bias[0] - bias[2], bias[1] - bias[2])
        # For the explanation, worked out once at load: per label, how hard each readable
        # feature pushes towards it against the stronger other label (positive pushes only),
        # and what the reader is shown for it.
        self._shown: dict[str, str] = {}
        pushes: tuple[dict[str, float], ...] = ({}, {}, {})
        for f, w in weights.items():
            shown = f.removeprefix(WORD_PREFIX).strip()
            if not _readable(f, shown):
                continue
            for label, (a, b) in enumerate(_OTHERS):
                push = w[label] - max(w[a], w[b])
                if push > 0:
                    pushes[label][f] = push
                    self._shown[f] = shown
        self._pushes = pushes
        self._readable = frozenset(self._shown)

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
        return len(self._vocabulary)

    @property
    def bias(self) -> tuple[float, float, float]:
        return self._bias

    def weights(self, feature: str) -> tuple[float, float, float] | None:
        """A feature's weights (critical, concern, none), or None outside the vocabulary."""
        if feature not in self._vocabulary:
            return None
        w0, w1, w2 = self._by_label
        return (w0[feature], w1[feature], w2[feature])

    def scores(self, text: str) -> tuple[float, float, float]:
        """The linear score per label (critical, concern, none), before the softmax."""
        feats = extract_features(text)
        return self._score(self._vocabulary & feats, len(feats))

    def probabilities(self, text: str) -> tuple[float, float, float]:
        return _softmax(self.scores(text))

    def predict(self, text: str) -> LearnedVerdict:
        return self.predict_view(normalize(text).text)

    def predict_view(self, view: str) -> LearnedVerdict:
        """`predict` on a view already normalised by `signals.normalize.normalize`."""
        severity, confidence, matched = self.assess_view(view)
        return LearnedVerdict(severity, confidence, self.explain(matched, severity))

    def assess_view(self, view: str) -> tuple[Severity, float, set[str]]:
        """The label, its probability and the vocabulary features found, without the
        explanation."""
        probs, matched = self.distribution(view)
        best = 0 if probs[0] >= probs[1] else 1
        if probs[2] > probs[best]:
            best = 2
        return LABELS[best], probs[best], matched

    def distribution(self, view: str) -> tuple[tuple[float, float, float], set[str]]:
        """Probabilities (critical, concern, none) of a normalised view and the readable
        vocabulary features found in it; the classifier asks for the explanation (`explain`)
        only on a raise."""
        feats = view_features(view)
        matched = feats & self._vocabulary
        n = len(feats)
        total = sum(map(self._delta.__getitem__, matched), 0j) / math.sqrt(n) if n else 0j
        total += self._delta_bias
        # Only readable features (words, Japanese, symbols) are evidence the classifier acts
        # on: Latin character fragments alone are in every English message.
        return _softmax((total.real, total.imag, 0.0)), matched & self._readable

    def _score(self, matched: Collection[str], n_feats: int) -> tuple[float, float, float]:
        scale = 1.0 / math.sqrt(n_feats) if n_feats else 0.0
        w0, w1, w2 = self._by_label
        b = self._bias
        return (
            sum(map(w0.__getitem__, matched)) * scale + b[0],
            sum(map(w1.__getitem__, matched)) * scale + b[1],
            sum(map(w2.__getitem__, matched)) * scale + b[2],
        )

    def explain(self, matched: Collection[str], severity: Severity) -> tuple[str, ...]:
        """The features of `matched` that pushed hardest towards `severity` against the
        stronger other label, as the reader is shown them."""
        push = self._pushes[LABELS.index(severity)]
        # Sorted by name first, so equal pushes come out in the same order in every process.
        candidates = sorted(push.keys() & matched)
        candidates.sort(key=push.__getitem__, reverse=True)
        shown = self._shown
        chosen: list[str] = []
        for f in candidates:
            text = shown[f]
            # A fragment of a feature already shown adds nothing for the reader.
            if any(text in c for c in chosen):
                continue
            chosen = [c for c in chosen if c not in text]
            chosen.append(text)
            if len(chosen) == MAX_EXPLAINED:
                break
        return tuple(chosen)


_OTHERS = ((1, 2), (0, 2), (0, 1))


def _readable(feature: str, stripped: str) -> bool:
    """Words, Japanese stretches of two or more characters, and symbols such as emoji.

    Latin character n-grams ("t t", "ea") mean nothing to a reader; the word features that
    cover the same text say it better.
    """
    if feature.startswith(WORD_PREFIX):
        return True
    if not stripped or stripped.isascii():
        return False
    return len(stripped) >= 2 or not is_japanese(stripped)


def _triple(row: Any, source: str, what: str) -> tuple[float, float, float]:
    if not isinstance(row, list) or len(row) != 3:
        raise ValueError(f"{source}: {what!r}: expected three weights, got {row!r}")
    return (float(row[0]), float(row[1]), float(row[2]))


def _softmax(scores: tuple[float, float, float]) -> tuple[float, float, float]:
    top = max(scores)
    exp = math.exp
    e0 = exp(scores[0] - top)
    e1 = exp(scores[1] - top)
    e2 = exp(scores[2] - top)
    total = e0 + e1 + e2
    return (e0 / total, e1 / total, e2 / total)


@functools.cache
def default_model() -> LearnedModel:
    """The shipped model, loaded once per process."""
    return LearnedModel.from_file(DEFAULT_MODEL_PATH)
