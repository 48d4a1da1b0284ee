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

Each message is a bag of those features, each counted as often as it occurs, scaled by
1/sqrt(its feature positions): the count of places a feature starts (`feature_count`), a
function of the length and the words alone. It does not depend on which features the model
kept, so pruning never changes how a message is scaled, and scoring never builds the bag: a C
automaton (pyahocorasick) finds the vocabulary's n-grams in the text and their weights are
summed as they are found, with no feature string made. (Format 1 was a binary bag scaled by
the count of distinct features, which only the whole bag gives: building it was half the
scoring time. Counting was as good in cross-validation, and slightly better on everyday talk.)
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import operator
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from signals.normalize import is_japanese, normalize
from signals.rules import Severity

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FORMAT_VERSION",
    "LABELS",
    "Bag",
    "LearnedModel",
    "LearnedVerdict",
    "default_model",
    "extract_bag",
    "extract_features",
    "feature_count",
    "view_bag",
    "view_features",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "severity.json"
FORMAT_VERSION = 2
# The order of the weight columns in the model file.
LABELS: tuple[Severity, ...] = (Severity.CRITICAL, Severity.CONCERN, Severity.NONE)
MAX_NGRAM = 4
MAX_EXPLAINED = 5

# Word features carry a prefix that no normalised text contains, so a word and a character
# n-gram with the same spelling ("die" the word, "die" inside "diet") stay apart.
WORD_PREFIX = "\x1f"
_PAIR = WORD_PREFIX + "{} {}"
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_KANJI_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆]{2,}")


class Bag(NamedTuple):
    """How often each feature occurs in a message, and the count that scales them (see
    `feature_count`)."""

    counts: Counter[str]
    size: int


def extract_bag(text: str) -> Bag:
    """The features of one message and their scale, as both training and scoring see them."""
    return view_bag(normalize(text).text)


def view_bag(view: str) -> Bag:
    padded = f" {view} "
    counts: Counter[str] = Counter(padded)
    grams: Iterable[str] = padded
    for k in range(1, MAX_NGRAM):
        grams = list(map(operator.add, grams, padded[k:]))
        counts.update(grams)
    del counts[" "]  # a lone space is in every message and says nothing
    words = _LATIN_WORD.findall(view)
    if words:
        counts.update(_word_features(words))
    if not view.isascii():
        counts.update(map(WORD_PREFIX.__add__, _KANJI_RUN.findall(view)))
    return Bag(counts, feature_count(view))


def _size(length: int, words: int, runs: int) -> int:
    """`feature_count` of a view of `length` characters with that many Latin words and kanji
    runs."""
    return _positions(length + 2) + words + max(0, words - 1) + runs


def _positions(length: int) -> int:
    """Places where a 1- to 4-gram of a padded text of `length` characters starts, less the
    two padding spaces (a lone space is never a feature): length + (length - 1) + (length - 2)
    + (length - 3) - 2 once the text has a character, 1 for an empty one."""
    return max(1, MAX_NGRAM * length - 8)


def feature_count(view: str) -> int:
    """How many feature occurrences a normalised view has: its n-gram positions, its Latin
    words and word pairs and its kanji runs, repeats included. A message is scaled by
    1/sqrt(this): close to the number of distinct features, without building them."""
    runs = 0 if view.isascii() else len(_KANJI_RUN.findall(view))
    return _size(len(view), len(_LATIN_WORD.findall(view)), runs)


def _word_features(words: list[str]) -> list[str]:
    """Each Latin word and each pair of adjacent words, as features (built by `map` in C)."""
    return [
        *map(WORD_PREFIX.__add__, words),
        *map(_PAIR.format, words, words[1:]),
    ]


def extract_features(text: str) -> set[str]:
    """The set of features of one message, as both training and scoring see them."""
    return set(extract_bag(text).counts)


def view_features(view: str) -> set[str]:
    """The features of an already normalised view (the classifier normalises only once)."""
    return set(view_bag(view).counts)


@dataclass(frozen=True, slots=True)
class LearnedVerdict:
    severity: Severity  # the model's label
    confidence: float  # probability of that label, 0..1 (softmax)
    features: tuple[str, ...]  # up to 5 readable features (the n-grams) that drove it


class LearnedModel:
    """A multinomial logistic model: one weight per feature and label, and a bias per label.

    Scoring finds the vocabulary's n-grams with an Aho-Corasick automaton and sums their
    weights, all in C: no Python loop runs per character or per feature.
    """

    __slots__ = (
        "_bias",
        "_by_label",
        "_char_delta",
        "_delta",
        "_delta_bias",
        "_grams",
        "_pushes",
        "_readable",
        "_readable_chars",
        "_readable_grams",
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
        self._vocabulary = frozenset(weights)
        # Softmax ignores a constant added to all three scores, so scoring needs only the
        # critical and concern weights less the none weight: one complex sum, in C.
        self._delta = {f: complex(w[0] - w[2], w[1] - w[2]) for f, w in weights.items()}
        self._delta_bias = complex(bias[0] - bias[2], bias[1] - bias[2])
        # Each n-gram's value is its delta, summed as the automaton finds it. Single characters
        # are looked up one by one instead, cheaper than a match each.
        self._grams = _automaton(
            (f, d) for f, d in self._delta.items() if len(f) > 1 and f[0] != WORD_PREFIX
        )
        self._char_delta = {f: d for f, d in self._delta.items() if len(f) == 1}
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
        # Whether a Japanese or symbol text has any readable feature: the first match answers.
        self._readable_grams = _automaton(
            (f, f) for f in self._readable if len(f) > 1 and f[0] != WORD_PREFIX
        )
        self._readable_chars = frozenset(f for f in self._readable if len(f) == 1)

    def _sum(self, view: str) -> tuple[complex, int, bool]:
        """The summed deltas of a normalised view's features, its `feature_count`, and
        whether any of the features is readable evidence."""
        padded = f" {view} "
        total = sum(map(_VALUE, self._grams.iter(padded)), 0j)
        total += sum(map(self._char_delta.get, view, _NO_DELTA), 0j)
        evidence = False
        delta_of = self._delta.get
        words = _LATIN_WORD.findall(view)
        if words:
            feats = _word_features(words)
            total += sum(map(delta_of, feats, _NO_DELTA), 0j)
            evidence = not self._readable.isdisjoint(feats)
        runs: list[str] = []
        if not view.isascii():
            runs = list(map(WORD_PREFIX.__add__, _KANJI_RUN.findall(view)))
            total += sum(map(delta_of, runs, _NO_DELTA), 0j)
            evidence = (
                evidence
                or not self._readable_chars.isdisjoint(view)
                or not self._readable.isdisjoint(runs)
                or next(self._readable_grams.iter(padded), None) is not None
            )
        return total, _size(len(view), len(words), len(runs)), evidence

    def readable_features(self, view: str) -> frozenset[str]:
        """The readable vocabulary features of a normalised view (what `explain` reads)."""
        found = set(map(_VALUE, self._readable_grams.iter(f" {view} ")))
        found.update(self._readable_chars.intersection(view))
        words = _LATIN_WORD.findall(view)
        if words:
            found.update(self._readable.intersection(_word_features(words)))
        if not view.isascii():
            runs = map(WORD_PREFIX.__add__, _KANJI_RUN.findall(view))
            found.update(self._readable.intersection(runs))
        return frozenset(found)

    @classmethod
    def from_file(cls, path: str | Path) -> LearnedModel:
        """Loads a model written by `signals.training.train`."""
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, source: str = "<model>") -> LearnedModel:
        if raw.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{source}: model format {raw.get('format')!r}, expected {FORMAT_VERSION}"
            )
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
        bag = extract_bag(text)
        scale = 1.0 / math.sqrt(bag.size)
        known = [(f, n) for f, n in bag.counts.items() if f in self._vocabulary]
        return (
            sum(self._by_label[0][f] * n for f, n in known) * scale + self._bias[0],
            sum(self._by_label[1][f] * n for f, n in known) * scale + self._bias[1],
            sum(self._by_label[2][f] * n for f, n in known) * scale + self._bias[2],
        )

    def probabilities(self, text: str) -> tuple[float, float, float]:
        return _softmax(self.scores(text))

    def predict(self, text: str) -> LearnedVerdict:
        return self.predict_view(normalize(text).text)

    def predict_view(self, view: str) -> LearnedVerdict:
        """`predict` on a view already normalised by `signals.normalize.normalize`."""
        severity, confidence, matched = self.assess_view(view)
        return LearnedVerdict(severity, confidence, self.explain(matched, severity))

    def assess_view(self, view: str) -> tuple[Severity, float, Collection[str]]:
        """The label, its probability and the vocabulary features found, without the
        explanation."""
        probs, matched = self.distribution(view)
        best = 0 if probs[0] >= probs[1] else 1
        if probs[2] > probs[best]:
            best = 2
        return LABELS[best], probs[best], matched

    def distribution(self, view: str) -> tuple[tuple[float, float, float], Collection[str]]:
        """Probabilities (critical, concern, none) of a normalised view and the readable
        vocabulary features found in it, which are only listed when someone looks (the
        classifier asks for the explanation only on a raise)."""
        total, size, evidence = self._sum(view)
        total = total / math.sqrt(size) + self._delta_bias
        probs = _softmax((total.real, total.imag, 0.0))
        # Only readable features (words, Japanese, symbols) are evidence the classifier acts
        # on: Latin character fragments alone are in every English message.
        return probs, (_Evidence(self, view) if evidence else ())

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
_VALUE = operator.itemgetter(1)
_NO_DELTA = itertools.repeat(0j)


def _automaton(items: Iterable[tuple[str, object]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, value in items:
        automaton.add_word(key, value)
    automaton.make_automaton()  # also for no keys: an empty automaton then finds nothing
    return automaton


class _Evidence(Collection[str]):
    """The readable features of a view that has some, listed on first use."""

    __slots__ = ("_found", "_model", "_view")

    def __init__(self, model: LearnedModel, view: str) -> None:
        self._model = model
        self._view = view
        self._found: frozenset[str] | None = None

    def _features(self) -> frozenset[str]:
        if self._found is None:
            self._found = self._model.readable_features(self._view)
        return self._found

    def __bool__(self) -> bool:
        return True  # made only when the view has a readable feature

    def __len__(self) -> int:
        return len(self._features())

    def __iter__(self) -> Iterator[str]:
        return iter(self._features())

    def __contains__(self, item: object) -> bool:
        return item in self._features()


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
