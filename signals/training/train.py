"""Trains the learned layer and writes `signals/model/severity.json`, bit for bit.

Run: ``python -m signals.training.train [--no-cv] [--check]`` (needs the `train` extra:
scikit-learn; the bot itself never imports this module).

The model is a multinomial logistic regression over the feature counts of
`signals.learned.extract_bag`, each message scaled by its feature count. Class weights
favour critical recall: in doubt between critical and concern the taxonomy says critical, and
a missed critical costs far more than a worker's unneeded look. Training runs in three steps:

1. keep the features seen in at least two messages (a feature of one message is its
   fingerprint, not a pattern);
2. fit, then keep the features whose largest weight matters (``PRUNE_AT``);
3. fit again on those alone, so the shipped weights are exactly a fitted model's, and round.

Cross-validation repeats all three steps per fold and scores the held-out fold with the same
pure-Python scorer the bot uses. Folds keep near-duplicates together (messages that share a
rare stretch of text, e.g. one sentence with two openers), so the figures are not flattered by
a message's twin sitting in the training fold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from signals.learned import (
    DEFAULT_MODEL_PATH,
    FORMAT_VERSION,
    LABELS,
    WORD_PREFIX,
    Bag,
    LearnedModel,
    extract_bag,
)
from signals.normalize import normalize
from signals.rules import Severity

__all__ = [
    "CANDIDATES_DIR",
    "CORPUS_PATH",
    "Example",
    "FittedModel",
    "build_model_bytes",
    "candidate_files",
    "cross_validate",
    "feature_matrix",
    "fit",
    "load_corpora",
    "load_corpus",
    "main",
    "model_bytes",
    "near_duplicate_groups",
    "serialise",
]

CORPUS_PATH = Path(__file__).resolve().parent / "corpus.tsv"
# Lines written for the corpus that wait outside it (signals/training/README.md, round 18).
CANDIDATES_DIR = Path(__file__).resolve().parent / "candidates"
SEED = 20261201
MIN_DF = 2
C = 64.0
CLASS_WEIGHT = {0: 1.5, 1: 1.3, 2: 1.0}  # columns follow LABELS: critical, concern, none
PRUNE_AT = 0.45  # a feature is kept when one of its three weights reaches this magnitude
DECIMALS = 4
FOLDS = 5
# Near-duplicates: messages sharing a 6-character stretch that few messages have.
DUP_NGRAM = 6
DUP_MAX_DF = 12
DUP_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class Example:
    label: Severity
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class FittedModel:
    """The exported model and the estimator it came from (for agreement checks)."""

    model: LearnedModel
    payload: dict[str, Any]
    estimator: LogisticRegression
    vocabulary: tuple[str, ...]


def load_corpus(path: Path = CORPUS_PATH) -> list[Example]:
    """Reads `label<TAB>category<TAB>text` lines; `#` lines are comments."""
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip():
            raise ValueError(f"{path.name}:{number}: expected label, category and text")
        examples.append(Example(Severity(parts[0]), parts[1], parts[2]))
    return examples


def load_corpora(paths: Sequence[Path]) -> list[Example]:
    """The lines of several corpus files, in order, as one training set."""
    return [example for path in paths for example in load_corpus(path)]


def candidate_files() -> list[Path]:
    """The candidate corpus files, in name order."""
    return sorted(CANDIDATES_DIR.glob("*.tsv"))


def _label_index(label: Severity) -> int:
    return LABELS.index(label)


def feature_matrix(bags: Sequence[Bag], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Rows scaled by each message's feature count, columns only for the vocabulary."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for bag in bags:
        scale = 1.0 / math.sqrt(bag.size)
        cols = sorted((vocabulary[f], n) for f, n in bag.counts.items() if f in vocabulary)
        indices.extend(j for j, _ in cols)
        data.extend(n * scale for _, n in cols)
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(bags), len(vocabulary)),
    )


def _fit_once(x: sp.csr_matrix, y: np.ndarray[Any, Any]) -> LogisticRegression:
    est = LogisticRegression(C=C, class_weight=CLASS_WEIGHT, max_iter=3000, tol=1e-6)
    with threadpool_limits(limits=1):
        est.fit(x, y)
    return est


def fit(bags: Sequence[Bag], labels: Sequence[Severity]) -> FittedModel:
    """Vocabulary, fit, prune, refit and round: the whole recipe for one training set."""
    df = Counter(f for bag in bags for f in bag.counts)
    vocab_list = sorted(f for f, n in df.items() if n >= MIN_DF)
    y = np.asarray([_label_index(label) for label in labels])
    first = _fit_once(feature_matrix(bags, {f: i for i, f in enumerate(vocab_list)}), y)
    strength = np.abs(first.coef_).max(axis=0)
    kept = [f for f, s in zip(vocab_list, strength, strict=True) if s >= PRUNE_AT]
    vocabulary = {f: i for i, f in enumerate(kept)}
    est = _fit_once(feature_matrix(bags, vocabulary), y)
    payload = _payload(kept, est)
    return FittedModel(LearnedModel.from_mapping(payload), payload, est, tuple(kept))


def _round(value: float) -> float:
    # + 0.0 turns a rounded -0.0 into 0.0, so the file never depends on the sign of a zero.
    return round(float(value), DECIMALS) + 0.0


def _payload(features: Sequence[str], est: LogisticRegression) -> dict[str, Any]:
    chars: dict[str, list[float]] = {}
    words: dict[str, list[float]] = {}
    for j, feature in enumerate(features):
        row = [_round(est.coef_[k, j]) for k in range(3)]
        if not any(row):
            continue
        if feature.startswith(WORD_PREFIX):
            words[feature.removeprefix(WORD_PREFIX)] = row
        else:
            chars[feature] = row
    return {
        "format": FORMAT_VERSION,
        "labels": [label.value for label in LABELS],
        "bias": [_round(b) for b in est.intercept_],
        "chars": chars,
        "words": words,
    }


def serialise(payload: dict[str, Any], corpus_sha256: str) -> bytes:
    """Sorted keys and one feature per line: stable bytes and readable diffs."""
    head = {k: v for k, v in payload.items() if k not in ("chars", "words")}
    head["corpus_sha256"] = corpus_sha256
    head["features"] = {
        "char_ngrams": "1-4 over the normalised text padded with a space at each end",
        "words": "Latin words, adjacent Latin word pairs and runs of two or more kanji",
        "value": "occurrences, scaled by 1/sqrt(feature positions: 4 x (length + 2) - 8, "
        "words, word pairs and kanji runs)",
    }
    lines = ["{"]
    for key in sorted(head):
        lines.append(f"{json.dumps(key)}:{_dumps(head[key])},")
    for section in ("chars", "words"):
        table = payload[section]
        lines.append(f'"{section}":{{')
        items = [f"{_dumps(f)}:{_dumps(table[f])}" for f in sorted(table)]
        lines.append(",\n".join(items))
        lines.append("}," if section == "chars" else "}")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def build_model_bytes(corpus_path: Path = CORPUS_PATH) -> bytes:
    """Everything from the corpus file to the model file's bytes."""
    examples = load_corpus(corpus_path)
    fitted = fit([extract_bag(e.text) for e in examples], [e.label for e in examples])
    return model_bytes(fitted, corpus_path)


def model_bytes(fitted: FittedModel, corpus_path: Path = CORPUS_PATH) -> bytes:
    """The model file for a model fitted on `corpus_path`."""
    return serialise(fitted.payload, hashlib.sha256(corpus_path.read_bytes()).hexdigest())


def near_duplicate_groups(texts: Sequence[str]) -> list[int]:
    """Group ids joining near-duplicates: one sentence with another opener, emoji or typo,
    and a sentence with the longer messages that contain it.

    Candidates share a rare 6-character stretch; they are joined only when their trigram sets
    overlap by at least half, so two different sentences with the same opener stay apart.
    Containment matters because part of the corpus joins a crisis line and an everyday line
    (ガス止まった。お弁当作った): with the join in the training folds and either line alone in
    the test fold, the model has already seen the test line's words with the join's label, so
    a crisis line is found more easily out of fold than an unseen one would be.
    """
    views = [normalize(t).text for t in texts]
    trigrams = [{v[i : i + 3] for i in range(max(1, len(v) - 2))} for v in views]
    holders: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(views):
        for g in {v[j : j + DUP_NGRAM] for j in range(max(1, len(v) - DUP_NGRAM + 1))}:
            holders[g].append(i)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for g in sorted(holders):
        members = holders[g]
        if not 1 < len(members) <= DUP_MAX_DF:
            continue
        for a in members:
            for b in members:
                if a < b and find(a) != find(b) and _overlap(trigrams[a], trigrams[b]):
                    parent[find(b)] = find(a)
    for a, b in _containments(views):
        if find(a) != find(b):
            parent[find(b)] = find(a)
    return [find(i) for i in range(len(texts))]


def _containments(views: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(a, b) for each view a that contains view b of at least DUP_NGRAM characters."""
    holders: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(views):
        if len(v) >= DUP_NGRAM:
            holders[v].append(i)
    automaton = ahocorasick.Automaton()
    for v, members in holders.items():
        automaton.add_word(v, members)
    automaton.make_automaton()
    for a, v in enumerate(views):
        for _end, members in automaton.iter(v):
            yield from ((a, b) for b in members if b != a)


def _overlap(a: set[str], b: set[str]) -> bool:
    return len(a & b) >= DUP_SIMILARITY * len(a | b)


@dataclass(frozen=True, slots=True)
class CvReport:
    confusion: dict[tuple[Severity, Severity], int]
    by_category: dict[str, tuple[int, int]]  # category -> (right, total)
    groups: int
    # (gold, predicted, confidence) per held-out message, for the confidence table.
    verdicts: tuple[tuple[Severity, Severity, float], ...] = ()

    def lines(self) -> list[str]:
        out = [f"cross-validation: {FOLDS} folds, {self.groups} near-duplicate groups"]
        out.append("label      recall  precision  support")
        for label in LABELS:
            tp = self.confusion.get((label, label), 0)
            support = sum(n for (gold, _), n in self.confusion.items() if gold == label)
            predicted = sum(n for (_, got), n in self.confusion.items() if got == label)
            recall = tp / support if support else 0.0
            precision = tp / predicted if predicted else 0.0
            out.append(f"{label.value:<10} {recall:6.3f}  {precision:9.3f}  {support:7d}")
        out.append("confusion (rows gold, columns predicted: critical concern none)")
        for gold in LABELS:
            row = " ".join(f"{self.confusion.get((gold, got), 0):8d}" for got in LABELS)
            out.append(f"{gold.value:<10} {row}")
        out.extend(self._miss_rates())
        out.extend(self._confidence_table())
        out.append("per-category recall (exact label)")
        for cat, (right, total) in sorted(self.by_category.items()):
            out.append(f"  {cat:<24} {right / total:6.3f}  ({right}/{total})")
        return out

    def _miss_rates(self) -> list[str]:
        def rate(gold: Severity, got: Severity) -> str:
            total = sum(n for (g, _), n in self.confusion.items() if g == gold)
            n = self.confusion.get((gold, got), 0)
            return f"{n / total:.3f} ({n}/{total})" if total else "-"

        return [
            f"critical answered none: {rate(Severity.CRITICAL, Severity.NONE)}",
            f"concern answered none: {rate(Severity.CONCERN, Severity.NONE)}",
            f"none answered critical: {rate(Severity.NONE, Severity.CRITICAL)}",
            f"none answered concern: {rate(Severity.NONE, Severity.CONCERN)}",
        ]

    def _confidence_table(self) -> list[str]:
        """How precise a label is when only confident verdicts count (for a combiner)."""
        out = ["confident verdicts: label >= threshold  share-of-label-predictions  precision"]
        for label in (Severity.CRITICAL, Severity.CONCERN):
            predicted = [(g, c) for g, p, c in self.verdicts if p == label]
            for threshold in (0.5, 0.7, 0.9):
                kept = [g for g, c in predicted if c >= threshold]
                if not predicted or not kept:
                    continue
                right = sum(g == label for g in kept)
                out.append(
                    f"  {label.value:<8} >= {threshold:.1f}  {len(kept) / len(predicted):6.3f}"
                    f"  {right / len(kept):9.3f}"
                )
        return out


def cross_validate(examples: Sequence[Example]) -> CvReport:
    bags = [extract_bag(e.text) for e in examples]
    y = np.asarray([_label_index(e.label) for e in examples])
    groups = near_duplicate_groups([e.text for e in examples])
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    confusion: Counter[tuple[Severity, Severity]] = Counter()
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    verdicts: list[tuple[Severity, Severity, float]] = []
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y, groups):
        fitted = fit([bags[i] for i in train_idx], [examples[i].label for i in train_idx])
        for i in test_idx:
            verdict = fitted.model.predict(examples[i].text)
            got = verdict.severity
            verdicts.append((examples[i].label, got, verdict.confidence))
            confusion[(examples[i].label, got)] += 1
            tally = by_category[f"{examples[i].label.value}/{examples[i].category}"]
            tally[0] += got == examples[i].label
            tally[1] += 1
    return CvReport(
        dict(confusion),
        {k: (v[0], v[1]) for k, v in by_category.items()},
        len(set(groups)),
        tuple(verdicts),
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signals.training.train", description=__doc__)
    ap.add_argument("--corpus", type=Path, default=CORPUS_PATH)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validated figures")
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if the shipped file differs; write nothing"
    )
    args = ap.parse_args(argv)
    data = build_model_bytes(args.corpus)
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print("model file is up to date" if same else f"{args.out.name} differs: retrain")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    examples = load_corpus(args.corpus)
    counts = Counter(e.label.value for e in examples)
    print(f"corpus: {len(examples)} messages {dict(sorted(counts.items()))}")
    print(f"wrote {args.out.name}: {len(data) / 1024:.0f} KiB")
    if not args.no_cv:
        for line in cross_validate(examples).lines():
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
