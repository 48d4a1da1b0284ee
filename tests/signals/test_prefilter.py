"""The literal prefilter must never hide a match: compare with running every rule."""

from __future__ import annotations

import random

import pytest

from signals.classifier import Classifier, _Scanner
from signals.normalize import normalize
from signals.prefilter import required_literals
from signals.rules import Rule

from .test_traps import CONCERN, CRITICAL_EN, CRITICAL_JA, NONE


def _brute(rules: list[Rule], text: str) -> list[tuple[str, int, int]]:
    out = set()
    for r in rules:
        for regex, _ in r.units:
            for m in regex.finditer(text):
                out.add((r.id, m.start(), m.end()))
    return sorted(out)


TEXTS = CRITICAL_JA + CRITICAL_EN + [t for t, _ in CONCERN] + NONE


def test_prefiltered_scan_equals_brute_force() -> None:
    clf = Classifier.from_files()
    rules = [r for r in clf.rules if r.kind.value not in ("negation",)]
    scanner = _Scanner(rules)
    rng = random.Random(5)
    texts = list(TEXTS)
    # Splice fragments of the cases together so matches land in unexpected places.
    for _ in range(400):
        a, b = rng.choice(TEXTS), rng.choice(TEXTS)
        texts.append(a[: rng.randint(0, len(a))] + b[rng.randint(0, len(b)) :])
    for text in texts:
        view = normalize(text).text
        got = sorted((r.id, s, e) for r, s, e in scanner.scan(view))
        assert got == _brute(rules, view), text


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("abc", {"abc"}),
        ("(?:死|し)にたい", {"にたい"}),
        (r"\bkill ?my ?self\b", {"kill"}),
        ("a|b", {"a", "b"}),
        ("(?:x)?", None),
        ("a*", None),
        (".+", None),
        ("(?i)abc", None),
        ("[ab]c", {"c"}),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    got = required_literals(pattern)
    if expected is None:
        assert got is None
    else:
        assert got is not None and set(got) == expected


def test_split_alternatives_splits_only_the_top_level() -> None:
    from signals.prefilter import split_alternatives

    assert split_alternatives(r"a|b(?:c|d)|[|]e|\|f") == ["a", "b(?:c|d)", "[|]e", r"\|f"]
    assert split_alternatives("(?:a|b)") == ["(?:a|b)"]
    assert split_alternatives("[]|]x|y") == ["[]|]x", "y"]
    assert split_alternatives("a||b") == ["a||b"]  # an empty alternative: left whole
