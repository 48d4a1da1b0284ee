"""Required-literal extraction for a cheap "can this rule match at all?" check.

Python's regex engine tries every alternative at every position when patterns start with
look-behinds, word boundaries or classes, which made one combined pass slow. Instead, each rule
gets a set of literal strings of which any match must contain at least one; a substring test
skips rules that cannot match. The extraction is conservative: whenever a construct is not
understood the rule gets no keywords and is always run, so recall can never suffer.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["compile_with_literals", "required_literals", "split_alternatives"]

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
        0.1 if ch == " " else 0.5 if ch.isascii() or "\u3041" <= ch <= "\u309f" else 1.5
        for ch in s
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
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
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
    """Strings of which every match of `pattern` contains one, or None if unknown."""
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


def compile_with_literals(pattern: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
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
        return _compiler.compile(parsed, 0), literals
    except Exception:  # the private compiler changed: fall back to the public one
        return re.compile(pattern), literals


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
