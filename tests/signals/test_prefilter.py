"""The literal prefilter must never hide a match: compare with running every rule."""

from __future__ import annotations

import random
import re

import pytest

from signals.classifier import Classifier, _Scanner
from signals.normalize import normalize
from signals.prefilter import (
    Anchored,
    Gate,
    Matcher,
    Reach,
    compile_with_literals,
    required_literals,
)
from signals.rules import Rule
from signals.training.train import CORPUS_PATH

from .test_traps import CONCERN, CRITICAL_EN, CRITICAL_JA, NONE


def _brute(rules: list[Rule], text: str) -> list[tuple[str, int, int]]:
    out = set()
    for r in rules:
        for unit in r.units:
            for m in unit.matcher.finditer(text):
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
        # A look-around that must hold needs its literals in the text; one that must not, none.
        (r"^(?=[\s\S]*\b(?:song|film)\b)[\s\S]*?me", {"song", "film"}),
        ("(?<=死ん)も", {"死ん"}),
        ("(?!死ん)もう", {"もう"}),
        ("(?:(?<=ab)|(?<=cd))x", {"ab", "cd"}),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    got = required_literals(pattern)
    if expected is None:
        assert got is None
    else:
        assert got is not None and set(got) == expected


@pytest.mark.parametrize(
    ("pattern", "literals", "also"),
    [
        # The automaton selects on the rarest set; the others are tested as substrings.
        (
            r"\bthat'?s when i(?:'ll| will) (?:die|end it)",
            {"s when i"},
            [(" will", "'ll"), ("die", "end it")],
        ),
        ("薬を[^。]{0,9}(?:全部|まとめて)飲", {"薬を"}, [("まとめて", "全部"), ("飲",)]),
        # A look-ahead that must hold lends its set; one that must not, none.
        (r"^(?=[\s\S]*\bfilm\b)[\s\S]*?\bdie\b", {"film"}, [("die",)]),
        (r"^(?![\s\S]*\bfilm\b)[\s\S]*?\bdie\b", {"die"}, []),
        # A set the selected literal contains, or one as common as a letter pair, is dropped.
        ("死にたい(?:な|よ)", {"死にたい"}, []),
        ("消えたい[ねな]", {"消えたい"}, []),
        ("(?:abc|abd)x", {"ab"}, []),  # the parser makes it ab[cd]x
        ("(?i)abc", None, []),
    ],
)
def test_unit_literals_and_further_sets(
    pattern: str, literals: set[str] | None, also: list[tuple[str, ...]]
) -> None:
    unit = compile_with_literals(pattern)
    assert (None if unit.literals is None else set(unit.literals)) == literals
    assert list(unit.also) == also


def test_further_sets_never_skip_a_unit_that_matches() -> None:
    clf = Classifier.from_files()
    assert sum(1 for r in clf.rules for u in r.units if u.also) > 1000  # most rules need two
    lines = CORPUS_PATH.read_text(encoding="utf-8").split("\n")
    views = [normalize(line.split("\t")[2]).text for line in lines if line.count("\t") >= 2]
    checked = 0
    for scanner in (clf._signals, clf._contexts):
        for view in views:
            # The automaton's selection alone, as the scan had it before the further sets.
            for i in scanner._always.union(*(v for _, v in scanner._literals.iter(view))):
                _, unit = scanner._units[i]
                if unit.also and next(iter(unit.matcher.finditer(view)), None) is not None:
                    checked += 1
                    assert unit.may_match(view), (unit, view)
    assert checked > 1000


def test_split_alternatives_splits_only_the_top_level() -> None:
    from signals.prefilter import split_alternatives

    assert split_alternatives(r"a|b(?:c|d)|[|]e|\|f") == ["a", "b(?:c|d)", "[|]e", r"\|f"]
    assert split_alternatives("(?:a|b)") == ["(?:a|b)"]
    assert split_alternatives("[]|]x|y") == ["[]|]x", "y"]
    assert split_alternatives("a||b") == ["a||b"]  # an empty alternative: left whole


class _NoFallback:
    """A whole pattern whose plain scan must not be needed: each match is found from its rest."""

    def __init__(self, whole: re.Pattern[str]) -> None:
        self.match = whole.match

    def finditer(self, text: str, pos: int = 0) -> None:
        raise AssertionError(f"a Reach fell back to the plain engine on {text!r}")


def _checked(compiled: Matcher) -> Matcher:
    if isinstance(compiled, Reach):
        compiled._whole = _NoFallback(compiled._whole)  # type: ignore[assignment]
    return compiled


_REACH_TEXTS = [
    "",
    "事件",
    "昨日の事件を見た",
    "あ。いいい事件を見た、事件を読んだ",
    "x" * 50 + "事件を見た" + "y" * 3 + "事件を聞いた",
    "けどね事件を見たでも事件を知った",
    "事件事件を見を見た",
]


@pytest.mark.parametrize(
    ("pattern", "reach"),
    [
        ("[^。、]{0,5}事件を(?:見|読|知|聞)", True),
        ("[^。、]{0,5}?事件を(?:見|読|知|聞)", True),  # lazy: the same starts, shorter ends
        ("(?:(?!けど|でも)[^。]){0,8}事件を(?:見|知)", True),  # a tempered class
        (".{0,3}事件", True),
        ("(?<=昨日)[^。]{0,5}事件", False),  # opens with a look-behind
        ("[^。]*事件", False),  # unbounded: left to the engine
        ("[^。]{1,5}事件", False),  # needs one: left to the engine
        ("(?:ab){0,3}事件", False),  # two characters a step
        ("[^。]{0,5}(?:事件)?", False),  # the rest may be empty
    ],
)
def test_reach_matches_as_the_plain_engine(pattern: str, reach: bool) -> None:
    compiled = compile_with_literals(pattern).matcher
    assert isinstance(compiled, Reach) is reach
    compiled = _checked(compiled)
    plain = re.compile(pattern)
    for text in _REACH_TEXTS:
        got = [m.span() for m in compiled.finditer(text)]
        assert got == [m.span() for m in plain.finditer(text)], (pattern, text)


@pytest.mark.parametrize("kind", [Reach, Gate, Anchored])
def test_every_fast_matcher_of_the_rules_matches_as_the_plain_engine(kind: type) -> None:
    clf = Classifier.from_files()
    units = [(r.id, u.matcher) for r in clf.rules for u in r.units if isinstance(u.matcher, kind)]
    # The rules do open with reaches (ja.media.news, ja.resolved.mood), with look-arounds
    # (ja.passive.r15ja_media_link) and with ^ and look-aheads (en.plan.r15en_thats_when).
    assert units
    lines = CORPUS_PATH.read_text(encoding="utf-8").split("\n")
    views = [normalize(line.split("\t")[2]).text for line in lines if line.count("\t") >= 2]
    rng = random.Random(11)
    views += ["。".join(rng.sample(views, 4)) for _ in range(300)]
    for rule_id, unit in units:
        plain = re.compile(unit.pattern)
        _checked(unit)
        for view in views:
            got = [m.span() for m in unit.finditer(view)]
            assert got == [m.span() for m in plain.finditer(view)], (rule_id, view)


_FROM_REST_TEXTS = [
    *_REACH_TEXTS,
    "映画で主人公が死んだ。私もそうする",
    "死んだ。私もそうする。死んだ。私もそうする",
    "私もそうする、死んでから私もそうする",
    "in the movie he dies. in the movie she lives, me too",
    "in the movie in the movie",
    "the song says goodbye",
    "see you tomorrow, that's when",
    "tomorrow. that's when. the party is tomorrow",
    "the exam is tomorrow, that's when",
    "lol goodbye",
    "goodbye lol goodbye",
    "\ngoodbye",
]


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("(?<=死ん[^。]{2})私も(?:そう|ああ)する", Gate),
        ("(?:(?<=死んだ)|(?<=死んだ。))私もそうする", Gate),  # a ladder of look-behinds
        (r"(?![\s\S]*me too)\bin the movie\b[^.]{0,10}", Gate),  # a look-ahead to the end
        ("(?<!昨日の)事件を見", Gate),
        ("(?<=死ん)(?:だ)?", re.Pattern),  # the rest may be empty
        ("私もそうする", re.Pattern),  # nothing to gate
        # Anchored: tried at one position, and only when what follows the look-aheads can match.
        (r"^(?![\s\S]*\b(?:party|exam)\b)[\s\S]*?\btomorrow\b[,.\s]+that'?s when", Anchored),
        (r"^(?![\s\S]*lol)[\s\S]*?goodbye", Anchored),
        (r"^(?=[\s\S]*lol)[\s\S]*goodbye", Anchored),  # greedy: the last goodbye
        (r"^(?=[\s\S]*lol)goodbye", Anchored),  # the rest must match at the start
        (r"^(?![\s\S]*lol)[\s\S]*", re.Pattern),  # the rest may be empty
        (r"(?m)^(?![\s\S]*lol)[\s\S]*?goodbye", re.Pattern),  # ^ at every line
        (r"^goodbye", re.Pattern),  # nothing to skip
    ],
)
def test_gate_and_anchored_match_as_the_plain_engine(pattern: str, kind: type) -> None:
    compiled = compile_with_literals(pattern).matcher
    assert isinstance(compiled, kind)
    plain = re.compile(pattern)
    for text in _FROM_REST_TEXTS:
        got = [m.span() for m in compiled.finditer(text)]
        assert got == [m.span() for m in plain.finditer(text)], (pattern, text)
