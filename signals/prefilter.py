r"""Required-literal extraction for a cheap "can this rule match at all?" check.

Python's regex engine tries every alternative at every position when patterns start with
look-behinds, word boundaries or classes, which made one combined pass slow. Instead, each rule
gets a set of literal strings of which any text it matches must contain at least one (in the
match, or in a look-around that must hold: ``^(?=[\s\S]*\b(?:song|film)\b)…``); a substring
test skips rules that cannot match. The extraction is conservative: whenever a construct is not
understood the rule gets no keywords and is always run, so recall can never suffer.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeAlias

__all__ = [
    "Anchored",
    "Gate",
    "Matcher",
    "Reach",
    "Unit",
    "compile_with_literals",
    "required_literals",
    "split_alternatives",
]

try:  # The parser is private; without it every rule simply runs unfiltered.
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - depends on the interpreter
    _parser = None
    _c = None
    _compiler = None

_MAX_CLASS = 6  # a character class wider than this is not worth a keyword set
_EVERY_CHARACTER: list[set[Any]] = (
    []
    if _c is None
    else [
        {_c.CATEGORY_SPACE, _c.CATEGORY_NOT_SPACE},
        {_c.CATEGORY_DIGIT, _c.CATEGORY_NOT_DIGIT},
        {_c.CATEGORY_WORD, _c.CATEGORY_NOT_WORD},
    ]
)


# English words in nearly every message: a literal made only of them ("my ", " the ")
# selects its rule almost always, so any other required word is a better filter.
_COMMON_WORDS = frozenset(
    {
        *("i", "i'm", "im", "me", "my", "mine", "you", "your", "the", "a", "an", "in", "on"),
        *("at", "to", "of", "for", "and", "or", "but", "it", "it's", "is", "was", "be", "am"),
        *("are", "he", "she", "they", "we", "his", "her", "their", "them", "this", "that"),
        *("with", "when", "so", "not", "do", "don't", "just", "like"),
    }
)


@functools.lru_cache(maxsize=8192)
def _rarity(s: str) -> float:
    words = s.split()
    if words and all(w in _COMMON_WORDS for w in words):
        return 0.25 * len(words)
    # Kana and Latin letters are everywhere; a kanji or an emoji narrows far more.
    return sum(
        0.1 if ch == " " else 0.5 if ch.isascii() or "\u3041" <= ch <= "\u309f" else 1.5 for ch in s
    )


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    if not candidates:
        return None
    # Prefer the most selective set: rarest least-rare member, then fewest members.
    return max(candidates, key=lambda c: (min(_rarity(s) for s in c), -len(c)))


def _required(items: Any) -> frozenset[str] | None:
    found = _candidates(items)
    return None if found is None else _best(found)


def _candidates(items: Any) -> list[frozenset[str]] | None:
    """Every set of literals of which the text must contain one for `items` to match (each
    set on its own is required), or None when a construct changes what literals mean."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if op is _c.ASSERT:
            # A look-around that must hold needs its own literals somewhere in the text (the
            # scanner looks in the text, not the match). Zero-width, so the run goes on.
            candidates.extend(_candidates(av[1].data) or ())
            continue
        if op in (_c.AT, _c.ASSERT_NOT):
            # Zero-width: the literals around it are still adjacent in the matched text.
            continue
        close()
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, pattern = av
            if add_flags or del_flags:
                return None  # inline flags could change what literals mean
            candidates.extend(_candidates(pattern.data) or ())
        elif op is _c.BRANCH:
            alternatives = [_required(a.data) for a in av[1]]
            if all(a is not None for a in alternatives):
                candidates.append(frozenset().union(*[a for a in alternatives if a is not None]))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = av
            if low >= 1:
                candidates.extend(_candidates(item.data) or ())
        elif op is _c.IN:
            chars = [chr(v) for o, v in av if o is _c.LITERAL]
            if chars and len(chars) == len(av) and len(chars) <= _MAX_CLASS:
                candidates.append(frozenset(chars))
    close()
    return [c for c in candidates if c and "" not in c]


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every text `pattern` matches contains one, or None if unknown."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(pattern)
        if parsed.state.flags & (_c.SRE_FLAG_IGNORECASE | _c.SRE_FLAG_VERBOSE):
            return None
        found = _required(parsed.data)
    except Exception:  # any surprise means "no filter", never a crash
        return None
    if found is None or "" in found:
        return None
    return found


# A further required set is worth a substring test only when it is rarer than a common
# syllable or letter pair, and a few of them already skip nearly every needless regex.
_ALSO_RARITY = 1.0
_ALSO_MAX = 3


def _literals_of(parsed: Any) -> tuple[frozenset[str] | None, tuple[tuple[str, ...], ...]]:
    """The set the scanner's automaton selects on, and the further sets of which the text
    must hold a member too (rarest first, so a test fails fast)."""
    if parsed.state.flags & (_c.SRE_FLAG_IGNORECASE | _c.SRE_FLAG_VERBOSE):
        return None, ()
    found = _candidates(parsed.data)
    primary = None if found is None else _best(found)
    if found is None or primary is None:
        return None, ()
    also: list[frozenset[str]] = []
    for group in found:
        # A group every primary literal contains is already known to be present.
        implied = all(any(w in p for w in group) for p in primary)
        if group == primary or implied or group in also:
            continue
        if min(_rarity(w) for w in group) >= _ALSO_RARITY:
            also.append(group)
    also.sort(key=lambda c: (-min(_rarity(w) for w in c), len(c)))
    return primary, tuple(tuple(sorted(g)) for g in also[:_ALSO_MAX])


class _FromRest:
    """A whole pattern run from its rest: the matches are the whole pattern's, found where the
    rest is (subclasses say how far back a match may start)."""

    __slots__ = ("_rest", "_whole", "pattern")

    def __init__(self, pattern: str, whole: re.Pattern[str], rest: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._whole = whole
        self._rest = rest

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self._whole.groupindex

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self._whole.match(text, pos)


class Reach(_FromRest):
    """A pattern that opens with up to N of one character (``[^。]{0,30}(?:事件|記事)を見``),
    run from its rest.

    Python's engine tries such a pattern at every position of the message and, at each, walks
    the opening class forwards and back: a context rule reaching 30 or 40 characters back for
    its clause cost up to 100 µs on a long message. Here the rest is searched first, with the
    engine's fast literal search; the leftmost start is the furthest the opening class reaches
    back from the rest's first match (at most N characters, never over a character outside
    it); the whole pattern then matches once there. The matches are those of `finditer` on the
    whole pattern (a test compares them on every corpus line).
    """

    __slots__ = ("_reach", "_step")

    def __init__(
        self,
        pattern: str,
        whole: re.Pattern[str],
        step: re.Pattern[str],
        reach: int,
        rest: re.Pattern[str],
    ) -> None:
        super().__init__(pattern, whole, rest)
        self._step = step
        self._reach = reach

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        step, reach, whole = self._step.match, self._reach, self._whole
        while (found := self._rest.search(text, pos)) is not None:
            q = start = found.start()
            while start > pos and q - start < reach and step(text, start - 1):
                start -= 1
            m = whole.match(text, start)
            if m is None:  # cannot happen by construction; the plain engine decides
                yield from whole.finditer(text, pos)
                return
            yield m
            pos = m.end()


class Gate(_FromRest):
    r"""A pattern that opens with look-arounds (``(?<=死ん[^。]{3})私も…``, ``(?![\s\S]*me too)in
    the movie…``), run from the rest that follows them.

    The engine checks the opening look-arounds first at every position: a ladder of forty
    look-behinds, or a look-ahead over the rest of the message, cost up to 150 µs on a long
    message. Here the rest is searched first, and the whole pattern is tried only where the
    rest matches. The look-arounds consume nothing, so the whole can match only where the rest
    does: the matches are those of `finditer` on the whole pattern (a test compares them on
    every corpus line).
    """

    __slots__ = ()

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        rest, whole = self._rest.search, self._whole.match
        while (found := rest(text, pos)) is not None:
            m = whole(text, found.start())
            if m is None:
                pos = found.start() + 1
                continue
            yield m
            pos = m.end()


class Anchored(_FromRest):
    r"""A pattern anchored at the start that opens with look-arounds over the whole message
    (``^(?![\s\S]*\b(?:party|exam|…)\b)[\s\S]*?\btonight\b…``), tried only when what
    follows them can match.

    Such a pattern is tried at one position, but its look-ahead walks the whole message with
    a wide alternation at every character: 15–40 µs on a long reply, for a rule whose own
    words are seldom there. What follows the look-arounds must match too (from the start, or
    anywhere when it opens with ``[\s\S]*``), and that test is a plain search, so the
    look-ahead runs only when it can matter. The matches are those of `finditer` on the whole
    pattern (a test compares them on every corpus line).
    """

    __slots__ = ("_can_match",)

    def __init__(
        self, pattern: str, whole: re.Pattern[str], rest: re.Pattern[str], *, anywhere: bool
    ) -> None:
        super().__init__(pattern, whole, rest)
        self._can_match = rest.search if anywhere else rest.match

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._can_match(text) is None:
            return
        m = self._whole.match(text)
        if m is not None:  # anchored at the start: at most one match
            yield m


Matcher: TypeAlias = re.Pattern[str] | Reach | Gate | Anchored


class Unit(NamedTuple):
    """One pattern as the scanner runs it."""

    matcher: Matcher
    # Any match's text contains one of these (None: the pattern always runs).
    literals: frozenset[str] | None
    # Further sets of which the text must contain a member too; a substring test of each
    # skips most regexes the automaton's selection would run for nothing.
    also: tuple[tuple[str, ...], ...] = ()

    def may_match(self, text: str) -> bool:
        for group in self.also:
            for word in group:
                if word in text:
                    break
            else:
                return False
        return True


def _reach(pattern: str, parsed: Any, whole: re.Pattern[str]) -> Matcher:
    """`whole` as a Reach when it opens with 0..N of a one-character item and the rest
    needs at least one character; otherwise `whole` itself."""
    data = parsed.data
    if len(data) < 2 or data[0][0] not in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        return whole
    low, high, item = data[0][1]
    rest = _parser.SubPattern(parsed.state, data[1:])
    if low != 0 or high > 1000 or item.getwidth() != (1, 1) or rest.getwidth()[0] < 1:
        return whole
    flags = parsed.state.flags
    return Reach(
        pattern, whole, _compiler.compile(item, flags), high, _compiler.compile(rest, flags)
    )


def _zero_width(item: tuple[Any, Any]) -> bool:
    """A look-around, or a group or branch made only of look-arounds."""
    op, av = item
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return True
    if op is _c.SUBPATTERN:
        return all(_zero_width(i) for i in av[3].data)
    if op is _c.BRANCH:
        return all(a.data and all(_zero_width(i) for i in a.data) for a in av[1])
    return False


def _gate(pattern: str, parsed: Any, whole: re.Pattern[str]) -> Matcher:
    """`whole` as a Gate when it opens with look-arounds and the rest needs a character;
    otherwise `whole` itself (an anchored ``^(?=…)…`` is tried at one position anyway)."""
    data = parsed.data
    k = 0
    while k < len(data) and _zero_width(data[k]):
        k += 1
    if k == 0 or k == len(data):
        return whole
    rest = _parser.SubPattern(parsed.state, data[k:])
    if rest.getwidth()[0] < 1:
        return whole
    return Gate(pattern, whole, _compiler.compile(rest, parsed.state.flags))


def _any_character(item: tuple[Any, Any]) -> bool:
    r"""``[\s\S]``, ``[\d\D]`` or ``[\w\W]``: every character."""
    op, av = item
    if op is not _c.IN or len(av) != 2 or any(o is not _c.CATEGORY for o, _ in av):
        return False
    return {v for _, v in av} in _EVERY_CHARACTER


def _anchored(pattern: str, parsed: Any, whole: re.Pattern[str]) -> Matcher:
    """`whole` as an Anchored when it is ``^``, look-arounds and a rest that needs a
    character; otherwise `whole` itself."""
    data = parsed.data
    flags = parsed.state.flags
    if flags & _c.SRE_FLAG_MULTILINE or not data or data[0] != (_c.AT, _c.AT_BEGINNING):
        return whole
    k = 1
    while k < len(data) and _zero_width(data[k]):
        k += 1
    if k == 1 or k == len(data):
        return whole
    rest = data[k:]
    anywhere = False
    if rest[0][0] in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, high, item = rest[0][1]
        unbounded = low == 0 and high == _c.MAXREPEAT and len(item.data) == 1
        if unbounded and _any_character(item.data[0]) and len(rest) > 1:
            rest, anywhere = rest[1:], True
    sub = _parser.SubPattern(parsed.state, rest)
    if sub.getwidth()[0] < 1:
        return whole
    return Anchored(pattern, whole, _compiler.compile(sub, flags), anywhere=anywhere)


def compile_with_literals(pattern: str) -> Unit:
    """The compiled pattern and its required literals from one parse.

    Parsing dominates building a rule set of hundreds of patterns (the bot builds it at
    start-up), so the tree is parsed once for both. Raises re.error like re.compile.
    """
    if _parser is None or _compiler is None:
        return Unit(re.compile(pattern), required_literals(pattern))
    parsed = _parser.parse(pattern)
    try:
        literals, also = _literals_of(parsed)
    except Exception:  # any surprise means "no filter", never a crash
        literals, also = None, ()
    try:
        whole = _compiler.compile(parsed, 0)
    except Exception:  # the private compiler changed: fall back to the public one
        return Unit(re.compile(pattern), literals, also)
    try:
        for build in (_reach, _gate, _anchored):
            matcher = build(pattern, parsed, whole)
            if matcher is not whole:
                return Unit(matcher, literals, also)
        return Unit(whole, literals, also)
    except Exception:  # any surprise means the plain engine, never a crash
        return Unit(whole, literals, also)


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (``a|b|c`` -> ``[a, b, c]``), or `[pattern]`.

    A scan runs each alternative on its own: one that starts with a literal is found by the
    regex engine's fast prefix search, and each is run only when its own literals are present,
    where ``a|b|c`` as one pattern is tried at every position whenever any of them is.
    """
    parts: list[str] = []
    depth = 0
    in_class = False
    start = 0
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            # A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if pattern.startswith("]", i + 1):
                i += 1
            elif pattern.startswith("^]", i + 1):
                i += 2
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    if len(parts) == 1 or any(not part for part in parts):
        return [pattern]
    return parts
