r"""Required-literal extraction for a cheap "can this rule match at all?" check.

Python's regex engine tries every alternative at every position when patterns start with
look-behinds, word boundaries or classes, which made one combined pass slow. Instead, each rule
gets a set of literal strings of which any text it matches must contain at least one (in the
match, or in a look-around that must hold: ``^(?=[\s\S]*\b(?:song|film)\b)…``); a substring
test skips rules that cannot match. The extraction is conservative: whenever a construct is not
understood the rule gets no keywords and is always run, so recall can never suffer.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

__all__ = [
    "Gate",
    "Matcher",
    "Reach",
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
            inner = _required(av[1].data)
            if inner:
                candidates.append(inner)
            continue
        if op in (_c.AT, _c.ASSERT_NOT):
            # Zero-width: the literals around it are still adjacent in the matched text.
            continue
        close()
        sub: frozenset[str] | None = None
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, pattern = av
            if add_flags or del_flags:
                return None  # inline flags could change what literals mean
            sub = _required(pattern.data)
        elif op is _c.BRANCH:
            alternatives = [_required(a.data) for a in av[1]]
            if all(a is not None for a in alternatives):
                sub = frozenset().union(*[a for a in alternatives if a is not None])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = av
            if low >= 1:
                sub = _required(item.data)
        elif op is _c.IN:
            chars = [chr(v) for o, v in av if o is _c.LITERAL]
            if chars and len(chars) == len(av) and len(chars) <= _MAX_CLASS:
                sub = frozenset(chars)
        if sub:
            candidates.append(sub)
    close()
    return _best(candidates)


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


def _literals_of(parsed: Any) -> frozenset[str] | None:
    if parsed.state.flags & (_c.SRE_FLAG_IGNORECASE | _c.SRE_FLAG_VERBOSE):
        return None
    found = _required(parsed.data)
    if found is None or "" in found:
        return None
    return found


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


Matcher: TypeAlias = re.Pattern[str] | Reach | Gate


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


def compile_with_literals(pattern: str) -> tuple[Matcher, frozenset[str] | None]:
    """The compiled pattern and its required literals from one parse.

    Parsing dominates building a rule set of hundreds of patterns (the bot builds it at
    start-up), so the tree is parsed once for both. Raises re.error like re.compile.
    """
    if _parser is None or _compiler is None:
        return re.compile(pattern), required_literals(pattern)
    parsed = _parser.parse(pattern)
    try:
        literals = _literals_of(parsed)
    except Exception:  # any surprise means "no filter", never a crash
        literals = None
    try:
        whole = _compiler.compile(parsed, 0)
    except Exception:  # the private compiler changed: fall back to the public one
        return re.compile(pattern), literals
    try:
        reach = _reach(pattern, parsed, whole)
        return (reach if isinstance(reach, Reach) else _gate(pattern, parsed, whole)), literals
    except Exception:  # any surprise means the plain engine, never a crash
        return whole, literals


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
