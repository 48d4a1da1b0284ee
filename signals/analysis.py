"""Morphological analysis: lemmas, parts of speech and grammatical forms for the rules.

Japanese runs through MeCab (fugashi) with the UniDic-lite dictionary. Both candidates from the
package registry were measured on this machine over short chat messages:

* fugashi + unidic-lite: about 7 µs a message when the raw MeCab output is split by hand,
  and about 25 MiB more resident memory once loaded;
* SudachiPy + sudachidict-core: about 9 µs a message and about 100 MiB more resident memory.

Sudachi's normalised forms unify a few more spelling variants, but the bot must serve a million
people in 250 MiB, and UniDic's lemmas already unify what the rules need (死に / しに / 死ん →
死ぬ; たく / とう → たい; ん → ず), with conjugation forms that name the volitional (意志推量形)
and the conditional (仮定形). So fugashi + unidic-lite it is.

The analyser reads a light normalisation of the message (NFKC, elongation and separators
folded, masked spellings undone) that keeps katakana, because loanwords and drug names only
segment in katakana; a message written wholly in katakana (telegram style, ｼﾆﾀｲ) is read in
hiragana instead, which UniDic segments as ordinary words.

English gets the same view from a hand-written tokenizer: contractions split (don't → do not),
a small lemma table and suffix stripping checked against it, and negators marked.

The view a morph rule matches is one token per word, ``lemma/pos/form`` separated by spaces,
e.g. `` 死ぬ/動詞/連用形 たい/助動詞/連用形 無い/形容詞/終止形 ``.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from signals.normalize import Normalized, analysis_view

__all__ = [
    "Analysis",
    "Token",
    "analyse",
    "compile_morph",
    "english_lemma",
]


class Token(NamedTuple):
    # A named tuple rather than a frozen dataclass: a long message has a hundred tokens and
    # tuple construction is several times cheaper.
    lemma: str
    pos: str  # the first level of the part of speech (動詞, 助動詞, neg for English negators)
    form: str  # the conjugation form (意志推量形, 仮定形 …), "" when none
    start: int  # original-text span
    end: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """The tokens of one message and the view morph rules match, with a map back."""

    tokens: tuple[Token, ...]
    view: str
    offsets: tuple[int, ...]  # where each token starts in `view`
    starts: frozenset[int]  # original-text offsets where a token starts (morpheme boundaries)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the tokens a view match [start, end) covers."""
        first = bisect.bisect_right(self.offsets, start) - 1
        last = bisect.bisect_left(self.offsets, end - 1) - 1
        first = max(first, 0)
        last = max(last, first)
        return self.tokens[first].start, self.tokens[last].end


_EMPTY = Analysis((), " ", (), frozenset())
# One line a morpheme with only what the rules read: surface, lemma, the first level of the
# part of speech and the conjugation form (UniDic's f[7], f[0], f[5]); an unknown word's
# lemma is its surface. The dictionary's own format has eight fields to split and trim per
# morpheme, which was most of the analysis time spent in Python. MeCab's argument parser
# takes one backslash, its format parser the other.
_OUTPUT = (
    r'-O "" -F %m\\t%f[7]\\t%f[0]\\t%f[5]\\n '
    r"-U %m\\t%m\\t%f[0]\\t%f[5]\\n -E EOS\\n"
)
_TAGGER: Any = None
_LOCK = threading.Lock()


def _tagger() -> Any:
    """The MeCab tagger, loaded once per process on first use."""
    global _TAGGER
    if _TAGGER is None:
        with _LOCK:
            if _TAGGER is None:
                import fugashi
                import unidic_lite

                _TAGGER = fugashi.GenericTagger(
                    f'-d "{unidic_lite.DICDIR}" -r "{os.devnull}" {_OUTPUT}'
                )
    return _TAGGER


def _clean_lemma(lemma: str, surface: str) -> str:
    if not lemma or lemma == "*":
        return surface
    # UniDic glosses loanwords and counters (ガス-gas, 円-助数詞); the rules want the word.
    if "-" in lemma and not lemma.startswith("-"):
        lemma = lemma.split("-", 1)[0]
    return lemma


_KATAKANA_ONLY = re.compile(r"[\u30a1-\u30fa\u30fc]")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")
_OTHER_JAPANESE = re.compile(r"[\u3041-\u3096\u3400-\u9fff\uf900-\ufaff]")


class _View(NamedTuple):
    """A stretch of a normalised view: its text and, per character, the original span."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]


def _parse(text: str, view: Normalized | _View) -> tuple[list[Token], int]:
    """Tokens of `text` (positions as in `view`) and how many words MeCab did not know."""
    tokens: list[Token] = []
    unknown = 0
    pos = 0
    n = len(view.ends)
    starts, ends, find = view.starts, view.ends, text.find
    for line in _tagger().parse(text).split("\n"):
        fields = line.split("\t")
        if len(fields) != 4:
            continue  # EOS
        surface, lemma, part, form = fields
        at = find(surface, pos) if surface else -1
        if at < 0:
            continue
        pos = at + len(surface)
        if lemma == surface and len(surface) >= 4 and _KATAKANA_WORD.match(surface):
            # MeCab guesses an unknown katakana run as one noun, its lemma the run itself.
            unknown += 1
        if part == "空白" or at >= n:
            continue
        lemma = _clean_lemma(lemma, surface)
        if "-" in form:
            form = form.split("-", 1)[0]
        if " " in lemma:
            lemma = lemma.replace(" ", "")
        tokens.append(Token(lemma, part, form, starts[at], ends[min(pos, n) - 1]))
    return tokens, unknown


def _japanese_tokens(view: Normalized | _View) -> list[Token]:
    text = view.text
    tokens, unknown = _parse(text, view)
    if _KATAKANA_ONLY.search(text) and not _OTHER_JAPANESE.search(text):
        # Telegram style (ムスコガ タオレタ, ｼﾆﾀｲ) reads as words only in hiragana, while a
        # katakana name (アリスカフェ) reads only as it is: keep the reading MeCab knows better.
        folded = "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)
        alt, alt_unknown = _parse(folded, view)
        if (alt_unknown, len(alt)) <= (unknown, len(tokens)):
            return alt
    return tokens


# ─────────────────────────────────── English ───────────────────────────────────

_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_CONTRACTIONS = {
    "n't": ("not",),
    "'m": ("be",),
    "'re": ("be",),
    "'s": ("be",),
    "'ve": ("have",),
    "'ll": ("will",),
    "'d": ("would",),
}
_IRREGULAR_NEG = {
    "can't": ("can", "not"),
    "cant": ("can", "not"),
    "won't": ("will", "not"),
    "wont": ("will", "not"),
    "don't": ("do", "not"),
    "dont": ("do", "not"),
    "doesnt": ("do", "not"),
    "didnt": ("do", "not"),
    "isnt": ("be", "not"),
    "im": ("i", "be"),
    "ive": ("i", "have"),
    "wanna": ("want", "to"),
    "gonna": ("go", "to"),
    "gotta": ("have", "to"),
    "cannot": ("can", "not"),
    "ain't": ("be", "not"),
}
_IRREGULAR = {
    "died": "die",
    "dying": "die",
    "dies": "die",
    "took": "take",
    "taken": "take",
    "ate": "eat",
    "eaten": "eat",
    "slept": "sleep",
    "went": "go",
    "gone": "go",
    "bought": "buy",
    "was": "be",
    "were": "be",
    "am": "be",
    "is": "be",
    "are": "be",
    "been": "be",
    "had": "have",
    "has": "have",
    "did": "do",
    "does": "do",
    "made": "make",
    "felt": "feel",
    "left": "leave",
    "lost": "lose",
    "hit": "hit",
    "hurt": "hurt",
    "cut": "cut",
    "got": "get",
    "gotten": "get",
    "wrote": "write",
    "written": "write",
    "gave": "give",
    "given": "give",
    "fell": "fall",
    "fallen": "fall",
    "thought": "think",
    "kept": "keep",
    "saw": "see",
    "seen": "see",
    "said": "say",
    "woke": "wake",
    "better": "better",
    "worse": "worse",
    "children": "child",
    "kids": "kid",
    "lives": "life",
    "knives": "knife",
    "pills": "pill",
    "threw": "throw",
    "thrown": "throw",
    "drank": "drink",
    "drunk": "drink",
    "swallowed": "swallow",
    "beaten": "beat",
    "ran": "run",
    "shook": "shake",
    "stole": "steal",
    "stolen": "steal",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Base forms the suffix stripper may land on; any other word keeps its surface form.
_LEMMAS = _words(
    """
    die kill want wish hope end live exist disappear wake vanish sleep leave go take swallow
    overdose jump hang cut hurt burn scratch bleed hit beat punch kick choke strangle slap
    threaten follow lock watch stalk shake throw grab pay evict shut stop run lose eat skip
    drink gamble relapse use cry feel think plan decide write give say tell thank save
    collect stockpile buy breathe faint collapse vomit fall pass stand move talk speak walk
    call help come scream yell hide escape seize fire sack owe borrow lend need work care
    burden matter belong miss bother deserve suffer struggle cope manage drown ruin hate
    rest stay keep starve freeze sit wait look stare hold count finish quit try attempt
    pill knife blade rope bridge train roof edge building cliff tablet bottle sheet dose
    letter note will password account pet cat dog kid child son daughter baby parent bill
    loan debt payment card collector call notice wage shift job contract rent deposit
    friend family partner husband wife boyfriend girlfriend mom dad mother father voice
    meal day night week month hour minute time year thing people person one tear panic
    attack need turn cancel delete settle rehome clean donate feed wipe sell
    """
)
_NEGATORS = frozenset({"not", "never", "no", "nothing", "nobody", "none", "without"})


def english_lemma(word: str) -> str:
    """A small hand-written lemmatiser: irregulars from a table, regular suffixes checked
    against the base forms the rules use."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _LEMMAS or len(word) <= 3:
        return word
    candidates: list[str] = []
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ied"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ing"):
        stem = word[:-3]
        candidates += [stem, stem + "e"]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
    if word.endswith("ed"):
        stem = word[:-2]
        candidates += [stem, word[:-1]]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    for c in candidates:
        if c in _LEMMAS:
            return c
    return word


def _english_tokens(view: Normalized | _View) -> list[Token]:
    text = view.text
    tokens: list[Token] = []
    for m in _EN_WORD.finditer(text):
        word = m.group()
        s = view.starts[m.start()]
        e = view.ends[m.end() - 1]
        parts: tuple[str, ...]
        if word in _IRREGULAR_NEG:
            parts = _IRREGULAR_NEG[word]
        elif "'" in word:
            head, _, tail = word.partition("'")
            if word.endswith("n't"):
                head, tail = word[:-3], "n't"
                parts = (head, *_CONTRACTIONS["n't"])
            else:
                parts = (head, *_CONTRACTIONS.get("'" + tail, ()))
        elif word.endswith("nt") and word[:-2] in ("couldn", "wouldn", "shouldn", "wasn", "aren"):
            parts = (word[:-3], "not")
        else:
            parts = (word,)
        for p in parts:
            if not p:
                continue
            lemma = english_lemma(p) if p.isalpha() else p
            pos = "neg" if lemma in _NEGATORS else ("punct" if not p[0].isalnum() else "en")
            tokens.append(Token(lemma, pos, "", s, e))
    return tokens


_KATAKANA_ANYWHERE = re.compile("[\u30a1-\u30ff\uff66-\uff9f]")


def analyse(
    text: str,
    *,
    japanese: bool,
    norm: Normalized | None = None,
    regions: Sequence[tuple[int, int]] = (),
) -> Analysis:
    """Tokens and the morph view of a message (Japanese via MeCab, else English).

    `norm`, the message's normalised view, is reused when folding katakana would change
    nothing, which saves a second normalisation for most messages. With `regions` ([start,
    end) spans of `norm`, in order, not overlapping) only those parts are read, each on its
    own, so a long message costs what its few relevant words cost; morph patterns never
    match across two regions.
    """
    if regions and norm is not None:
        tokens: list[Token] = []
        for s, e in regions:
            if tokens:
                tokens.append(_SEPARATOR._replace(start=norm.starts[s], end=norm.starts[s]))
            tokens.extend(_region_tokens(text, japanese, norm, s, e))
    else:
        tokens = _tokens(text, japanese, norm)
    if not tokens:
        return _EMPTY
    pieces = [" "]
    offsets: list[int] = []
    at = 1
    for t in tokens:
        offsets.append(at)
        piece = f"{t.lemma}/{t.pos}/{t.form} "
        pieces.append(piece)
        at += len(piece)
    starts = frozenset(t.start for t in tokens if t.pos != _SEPARATOR.pos)
    return Analysis(tuple(tokens), "".join(pieces), tuple(offsets), starts)


# Stands between two regions read apart, so no pattern spans them.
_SEPARATOR = Token("‖", "sep", "", 0, 0)


def _region_tokens(text: str, japanese: bool, norm: Normalized, s: int, e: int) -> list[Token]:
    o_start, o_end = norm.starts[s], norm.ends[e - 1]
    if japanese and _KATAKANA_ANYWHERE.search(text, o_start, o_end) is not None:
        # Katakana must be read as written: normalise this stretch of the original again.
        part = _tokens(text[o_start:o_end], japanese, None)
        return [t._replace(start=t.start + o_start, end=t.end + o_start) for t in part]
    view = _View(norm.text[s:e], norm.starts[s:e], norm.ends[s:e])
    return _japanese_tokens(view) if japanese else _english_tokens(view)


def _tokens(text: str, japanese: bool, norm: Normalized | None) -> list[Token]:
    if norm is not None and (not japanese or _KATAKANA_ANYWHERE.search(text) is None):
        view = norm
    else:
        view = analysis_view(text)
    if not view.text:
        return []
    return _japanese_tokens(view) if japanese else _english_tokens(view)


# ─────────────────────────────── the morph pattern language ───────────────────────────────

_GAP = re.compile(r"^_(?:\{(\d+),(\d+)\})?$")


def compile_morph(pattern: str) -> str:
    """Turns a morph pattern into a regex over the view.

    A pattern is tokens separated by spaces. Each token is ``lemma[/pos[/form]]`` where each
    part is a regex matched against the whole lemma and the start of the pos and form
    (``死ぬ/動詞``, ``(死ぬ|消える)``, ``/助動詞``, ``る//意志推量形``). ``_`` is any one token
    and ``_{m,n}`` from m to n tokens; a token starting with ``!`` asserts that the next token
    is not that one (``死ぬ たい !無い``).
    """
    parts: list[str] = []
    for raw in pattern.split():
        gap = _GAP.match(raw)
        if gap is not None:
            lo, hi = gap.group(1) or "1", gap.group(2) or "1"
            parts.append(f"(?:[^ ]+ ){{{lo},{hi}}}")
            continue
        negate = raw.startswith("!")
        spec = raw[1:] if negate else raw
        lemma, pos, form = ([*spec.split("/"), "", ""])[:3]
        one = (
            f"(?:{lemma or '[^ /]+'})/(?:{pos or ''})[^ /]*/(?:{form or ''})[^ ]*"
            if spec
            else "[^ ]+"
        )
        parts.append(f"(?!{one} )" if negate else f"{one} ")
    if not parts or all(p.startswith("(?!") or p.startswith("(?:[^ ]+ ){") for p in parts):
        raise ValueError("a morph pattern needs at least one token")
    return "(?<= )" + "".join(parts)
