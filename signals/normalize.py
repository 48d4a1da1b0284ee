"""Text normalisation for matching, with a map back to the original text.

Rules are written against one normalised view: NFKC, case-folded, katakana folded to hiragana,
elongation and long repeats shortened, separators between Japanese characters removed, and a few
common obfuscations undone. Every normalised character remembers the span of original characters
it came from, so a decision can point at what the person actually wrote.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Normalized", "analysis_view", "fold_pattern", "is_japanese", "normalize"]

# Katakana (ァ..ヶ) to hiragana; a pure translation keeps positions stable.
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KATA_TO_HIRA[0x30FD] = 0x309D  # ヽ -> ゝ
_KATA_TO_HIRA[0x30FE] = 0x309E  # ヾ -> ゞ
# Typographic apostrophes and quotes, so "don’t" matches rules written with "don't".
_KATA_TO_HIRA.update({0x2019: 0x27, 0x2018: 0x27, 0x201C: 0x22, 0x201D: 0x22, 0x2032: 0x27})

# Marks that only stretch a sound: 死にたーい, しにたい〜.
_ELONGATION = frozenset("ー〜～~")

# Separators people put between characters to dodge filters or for effect (し・に・た・い).
# They are dropped between Japanese characters.
_LIGHT_SEPARATORS = frozenset(" \t\u3000・･.．_-‐‑–—―/|*＊+=#♪☆★♡♥")
# Sentence and clause punctuation; kept as a boundary unless it splits single characters.
_HEAVY_SEPARATORS = frozenset("、。,，!！?？…")
_SEPARATORS = _LIGHT_SEPARATORS | _HEAVY_SEPARATORS

# Small vowels used to stretch a syllable (しにたぁい) versus spelling a sound (てぃ).
_SMALL_VOWELS = {"ぁ": "あ", "ぃ": "い", "ぅ": "う", "ぇ": "え", "ぉ": "お"}
_VOWEL_ROWS = {
    "a": "あかがさざただなはばぱまやらわぁゃ",
    "i": "いきぎしじちぢにひびぴみりぃ",
    "u": "うくぐすずつづぬふぶぷむゆるぅゅっ",
    "e": "えけげせぜてでねへべぺめれぇ",
    "o": "おこごそぞとどのほぼぽもよろをぉょ",
}
_VOWEL_OF = {ch: vowel for vowel, chars in _VOWEL_ROWS.items() for ch in chars}

# Obfuscations that are only undone where the following kana makes the reading unambiguous:
# タヒ must be katakana (so また ひとり is left alone), 4 must not start 4年, 氏 must be
# followed by a death verb ending (田中氏に連絡 stays).
_OBFUSCATION = re.compile(
    r"タヒ(?=[にぬねんのなニヌネンノナ])"
    r"|(?<![0-9])[4](?=(?:にた|ニタ|ぬ|ヌ|ね(?!ん)|ネ(?!ン)|んだ|ンダ|んで|ンデ))"
    r"|[氏〇○◯●×](?=(?:にた|ニタ|にそう|ぬ(?!き)|ね(?:ば|た|る|ない)|んで|んだ|のう))"
)


_JP_CLASS = "\u3041-\u30fa\u30fc\u3400-\u9fff\uf900-\ufaff々〆ヶゝゞヽヾ"
_SEP_CLASS = re.escape("".join(sorted(_SEPARATORS)))
_SEP_NOSPACE_CLASS = re.escape("".join(sorted(_SEPARATORS - {" "})))
_EDIT = re.compile(
    # A lone space between two non-Japanese words is left alone: it is the common case.
    f"(?P<sep>[{_SEP_CLASS}\\s]*[{_SEP_NOSPACE_CLASS}\\t\\n\\r\\f\\v\\u00a0\\u3000][{_SEP_CLASS}\\s]*"
    f"|  +|(?<=[{_JP_CLASS}]) (?=[{_JP_CLASS}])|^ +| +$)"
    "|(?P<elong>[ー〜～~]+)"
    "|(?P<small>[ぁぃぅぇぉ])"
    "|(?P<rep>(?P<letter>[^\\W\\d_])(?P=letter){2,})"
)
# The same edits for a text with no letter repeated three times (nearly all): the rep branch
# can then never match, and without it every match starts with one of a few characters, so a
# lookahead on them lets the regex engine skip the rest of the text in C (about 3x faster).
_EDIT_NO_REPEAT = re.compile(
    f"(?=[{_SEP_CLASS}\\sー〜～~ぁぃぅぇぉ])(?:"
    + _EDIT.pattern.removesuffix("|(?P<rep>(?P<letter>[^\\W\\d_])(?P=letter){2,})")
    + ")"
)


_OBFUSCATION_CHARS = frozenset("タ4氏〇○◯●×")
# str.translate with a dict costs a lookup per character; only katakana runs need it.
_KATAKANA_RUN = re.compile("[\u30a1-\u30f6\u30fd\u30fe\u2018\u2019\u201c\u201d\u2032]+")
# Characters that always send a message through the full edit pass (a plain space does not).
_SPECIAL = frozenset((_SEPARATORS - {" "}) | set("\t\n\r\f\v\u00a0\u3000ー〜～~ぁぃぅぇぉ"))
_TRIPLE = re.compile(r"([^\W\d_])\1\1")
_ASCII_SPACES = frozenset("\t\n\r\f\v")
_ASCII_DOUBLES = ("  ", *(c + c for c in sorted(_SEPARATORS) if c.isascii() and c != " "))
_JP_SPACE_JP = re.compile(f"[{_JP_CLASS}] +[{_JP_CLASS}]")


def _fold_run(m: re.Match[str]) -> str:
    return m.group().translate(_KATA_TO_HIRA)


def _needs_work(src: str) -> bool:
    """Whether the edit pass in _normalize could change `src` at all.

    Most messages need nothing, and then the view is the folded text with a one-to-one map.
    Set and substring tests run in C, so this costs far less than one more regex pass.
    """
    if src.isascii():
        # Outside Japanese text punctuation is kept, so only doubled marks, odd whitespace and
        # long letter runs matter; substring tests are cheaper than any regex pass.
        if (
            not _ASCII_SPACES.isdisjoint(src)
            or any(d in src for d in _ASCII_DOUBLES)
            or (src and (src[0] == " " or src[-1] == " "))
        ):
            return True
        return _TRIPLE.search(src) is not None
    if not _SPECIAL.isdisjoint(src):
        return True
    if " " in src and (
        "  " in src
        or src[0] == " "
        or src[-1] == " "
        or (not src.isascii() and _JP_SPACE_JP.search(src) is not None)
    ):
        return True
    return _TRIPLE.search(src) is not None


def is_japanese(ch: str) -> bool:
    """True for kana, kanji and the iteration marks that live inside Japanese words."""
    code = ord(ch)
    return (
        0x3041 <= code <= 0x30FA
        or code == 0x30FC
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or ch in "々〆ヶゝゞヽヾ"
    )


def _is_kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa"


def _is_word_char(ch: str) -> bool:
    return ch.isalpha() or is_japanese(ch)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised view and, per character, the original [start, end) it stands for."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Maps a normalised [start, end) span to the original text."""
        if not self.text or start >= end:
            return (0, 0)
        return (self.starts[start], self.ends[end - 1])


_MARKS = frozenset("\u3099\u309a")  # combining (han)dakuten, composed by hand below


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    return unicodedata.normalize("NFKC", ch).casefold()


def _one_to_one(text: str) -> str | None:
    """The folded text when NFKC and case folding change no character's position, else None."""
    folded = text.casefold()
    if (
        len(folded) == len(text)
        and unicodedata.is_normalized("NFKC", folded)
        and not _MARKS.intersection(folded)
    ):
        return folded
    return None


def _stage_one(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC and case folding, keeping per-character provenance."""
    n = len(text)
    same = _one_to_one(text)
    if same is not None:
        return list(same), list(range(n)), list(range(1, n + 1))
    folded = text.casefold()
    if len(folded) != n:
        return _stage_one_per_char(text)  # ß and a few ligatures: rare, do it slowly
    # Usually only a few distinct characters change (！, …, half-width kana): copy the stable
    # stretches in slices and treat just the positions of the characters that change.
    changing = [c for c in set(folded) if c in "\u3099\u309a" or _fold_char(c) != c]
    positions: list[int] = []
    for c in changing:
        i = folded.find(c)
        while i >= 0:
            positions.append(i)
            i = folded.find(c, i + 1)
    positions.sort()
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev = 0
    for i in positions:
        if i > prev:
            chars.extend(folded[prev:i])
            starts.extend(range(prev, i))
            ends.extend(range(prev + 1, i + 1))
        _append_folded(folded[i], i, chars, starts, ends)
        prev = i + 1
    if prev < n:
        chars.extend(folded[prev:])
        starts.extend(range(prev, n))
        ends.extend(range(prev + 1, n + 1))
    return chars, starts, ends


def _stage_one_per_char(text: str) -> tuple[list[str], list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        _append_folded(ch, i, chars, starts, ends)
    return chars, starts, ends


def _append_folded(ch: str, i: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    for out in _fold_char(ch):
        if out in "\u3099\u309a" and chars:
            # Half-width ｼﾞ arrives as シ + combining mark: compose with the previous kana
            # (a mark that composes with nothing is dropped).
            composed = unicodedata.normalize("NFC", chars[-1] + out)
            if len(composed) == 1:
                chars[-1] = composed
            ends[-1] = i + 1
            continue
        chars.append(out)
        starts.append(i)
        ends.append(i + 1)


def _undo_obfuscation(
    chars: list[str], starts: list[int], ends: list[int]
) -> tuple[list[str], list[int], list[int]]:
    joined = "".join(chars)
    if _OBFUSCATION_CHARS.isdisjoint(joined) or _OBFUSCATION.search(joined) is None:
        return chars, starts, ends
    new_chars: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in _OBFUSCATION.finditer(joined):
        s, e = m.span()
        new_chars.extend(chars[pos:s])
        new_starts.extend(starts[pos:s])
        new_ends.extend(ends[pos:s])
        new_chars.append("死")
        new_starts.append(starts[s])
        new_ends.append(ends[e - 1])
        pos = e
    new_chars.extend(chars[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return new_chars, new_starts, new_ends


def normalize(text: str) -> Normalized:
    """Builds the normalised view of `text` used by every rule."""
    return _normalize(text, allow_fast=True)


def analysis_view(text: str) -> Normalized:
    """The view the morphological analyser reads: like `normalize`, but katakana and the
    long-vowel mark after it are kept, because loanwords only segment in katakana."""
    return _normalize(text, allow_fast=True, keep_katakana=True)


def _normalize(text: str, *, allow_fast: bool, keep_katakana: bool = False) -> Normalized:
    folded = _one_to_one(text)
    if folded is not None and (
        _OBFUSCATION_CHARS.isdisjoint(folded) or _OBFUSCATION.search(folded) is None
    ):
        # The common case: every position maps to itself, so the map is two ranges and no
        # per-character list is built.
        src = folded if keep_katakana else _KATAKANA_RUN.sub(_fold_run, folded)
        n = len(src)
        if allow_fast and not _needs_work(src):
            return Normalized(text, src, tuple(range(n)), tuple(range(1, n + 1)))
        return _edited(text, src, range(n), range(1, n + 1), keep_katakana)
    chars, starts, ends = _stage_one(text)
    chars, starts, ends = _undo_obfuscation(chars, starts, ends)
    src = "".join(chars) if keep_katakana else _KATAKANA_RUN.sub(_fold_run, "".join(chars))
    if allow_fast and not _needs_work(src):
        return Normalized(text, src, tuple(starts), tuple(ends))
    return _edited(text, src, starts, ends, keep_katakana)


def _edited(
    text: str,
    src: str,
    starts: Sequence[int],
    ends: Sequence[int],
    keep_katakana: bool,
) -> Normalized:
    """The edit pass: separators, elongation, small vowels and repeated letters."""
    # Edits are sparse, so copy the untouched stretches in slices and decide only at matches.
    out: list[str] = []
    o_starts: list[int] = []
    o_ends: list[int] = []
    n = len(src)
    last = ""
    pos = 0

    def emit(piece: str, s: int, e: int) -> None:
        out.append(piece)
        o_starts.append(starts[s])
        o_ends.append(ends[e - 1])

    edits = _EDIT if _TRIPLE.search(src) is not None else _EDIT_NO_REPEAT
    for m in edits.finditer(src):
        s, e = m.span()
        if s > pos:
            out.extend(src[pos:s])
            o_starts.extend(starts[pos:s])
            o_ends.extend(ends[pos:s])
            last = src[s - 1]
        pos = e
        kind = m.lastgroup
        if kind == "sep":
            run = src[s:e]
            nxt = src[e] if e < n else ""
            newline = "\n" in run
            heavy = next((c for c in run if c in _HEAVY_SEPARATORS), "")
            if last and nxt and is_japanese(last) and is_japanese(nxt) and not newline:
                single_before = s < 2 or not _is_word_char(src[s - 2])
                single_after = e + 1 >= n or not _is_word_char(src[e + 1])
                if heavy and not (single_before and single_after):
                    emit(heavy, s, e)
                    last = heavy
                continue
            if newline:
                if last:
                    emit("\n", s, e)
                    last = "\n"
                continue
            # Outside Japanese text keep the punctuation (it bounds clauses) but collapse
            # whitespace runs to one space and repeated marks to one.
            for k in range(s, e):
                c = " " if src[k].isspace() else src[k]
                if c == last or (c == " " and not last):
                    continue
                emit(c, k, k + 1)
                last = c
        elif kind == "elong":
            if not (last and is_japanese(last)) or (keep_katakana and _is_kata(last)):
                out.extend(src[s:e])
                o_starts.extend(starts[s:e])
                o_ends.extend(ends[s:e])
                last = src[e - 1]
        elif kind == "small":
            ch = src[s]
            vowel = _VOWEL_OF.get(last)
            if vowel is not None and vowel == _VOWEL_OF.get(ch):
                o_ends[-1] = ends[s]
                continue
            emit(_SMALL_VOWELS[ch], s, e)
            last = out[-1]
        else:  # a letter repeated three or more times: しにたいいい, helppp
            emit(src[s], s, e)
            last = src[s]
    if pos < n:
        out.extend(src[pos:])
        o_starts.extend(starts[pos:])
        o_ends.extend(ends[pos:])
    while out and out[-1] in (" ", "\n"):
        out.pop()
        o_starts.pop()
        o_ends.pop()
    return Normalized(text, "".join(out), tuple(o_starts), tuple(o_ends))


def fold_pattern(pattern: str) -> str:
    """Applies the length-changing parts of normalisation that are safe inside a regex.

    Rule authors may write katakana and long-vowel marks; the view they match has neither.
    """
    out: list[str] = []
    for ch in pattern.translate(_KATA_TO_HIRA):
        if ch in "ー〜～":
            continue
        small = _SMALL_VOWELS.get(ch)
        if small is not None:
            if out and _VOWEL_OF.get(out[-1]) == _VOWEL_OF.get(ch):
                continue
            ch = small
        out.append(ch)
    return "".join(out)
