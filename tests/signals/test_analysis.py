"""Morphological analysis and the rules written over it: lemmas, forms, boundaries, the morph
pattern language, and organisation rule files that use it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from signals import Classifier, Severity, SignalsConfigError
from signals.analysis import _tagger, analyse, compile_morph, english_lemma
from signals.classifier import rules_classifier

# The rule layer on its own: these are its tables. The learned layer on top of it
# (the default classifier) is measured in test_combined.py.
classify = rules_classifier().classify


def _lemmas(text: str, *, japanese: bool = True) -> list[str]:
    return [t.lemma for t in analyse(text, japanese=japanese).tokens]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("しにたい", ["死ぬ", "たい"]),
        ("死にたくなかった", ["死ぬ", "たい", "無い", "た"]),
        ("生きとうない", ["生きる", "たい", "無い"]),  # 広島・関西 desiderative
        ("息ができん", ["息", "が", "出来る", "ず"]),  # dialect negative ん
        ("シニタイ", ["死ぬ", "たい"]),  # katakana telegram style read as hiragana
        ("ムスコガ タオレタ", ["息子", "が", "倒れる", "た"]),
        ("アリスカフェ", ["アリス", "カフェ"]),  # a katakana name stays katakana
        ("わたしにたいして", ["私", "に", "対する"]),
    ],
)
def test_japanese_lemmas(text: str, expected: list[str]) -> None:
    assert _lemmas(text)[: len(expected)] == expected


def test_forms_name_the_grammar() -> None:
    view = analyse("死のう", japanese=True).view
    assert "死ぬ/動詞/意志推量形" in view  # volitional
    view = analyse("飲めば足りる", japanese=True).view
    assert "飲む/動詞/仮定形" in view  # conditional ば
    view = analyse("殴られてる", japanese=True).view
    assert "れる/助動詞" in view  # passive
    view = analyse("飛び降りちゃった", japanese=True).view
    assert "ちゃう/助動詞" in view  # completed aspect


def test_spans_map_to_the_original_text() -> None:
    text = "ねえ　ｼﾆﾀｲ"
    a = analyse(text, japanese=True)
    assert text[a.tokens[0].start : a.tokens[0].end] == "ねえ"
    assert a.tokens[-1].end == len(text)
    assert [t.start for t in a.tokens] == sorted(t.start for t in a.tokens)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("died", "die"),
        ("dying", "die"),
        ("wanted", "want"),
        ("wishes", "wish"),
        ("living", "live"),
        ("stopped", "stop"),
        ("cries", "cry"),
        ("pills", "pill"),
        ("kids", "kid"),
        ("running", "run"),
        ("existing", "exist"),
        ("table", "table"),  # unknown words keep their form
    ],
)
def test_english_lemmas(word: str, lemma: str) -> None:
    assert english_lemma(word) == lemma


def test_english_contractions_and_negators() -> None:
    a = analyse("I don't wanna live", japanese=False)
    assert [t.lemma for t in a.tokens] == ["i", "do", "not", "want", "to", "live"]
    assert [t.pos for t in a.tokens][2] == "neg"


def test_tagger_is_loaded_once() -> None:
    assert _tagger() is _tagger()


@pytest.mark.parametrize(
    ("pattern", "view", "matches"),
    [
        ("死ぬ たい", " 死ぬ/動詞/連用形 たい/助動詞/終止形 ", True),
        ("死ぬ たい !無い", " 死ぬ/動詞/連用形 たい/助動詞/連用形 無い/形容詞/終止形 ", False),
        ("死ぬ/動詞 _ たい", " 死ぬ/動詞/連用形 て/助詞/ たい/助動詞/ ", True),
        ("死ぬ/名詞 たい", " 死ぬ/動詞/連用形 たい/助動詞/ ", False),
        ("(死ぬ|消える)//意志推量形", " 消える/動詞/意志推量形 ", True),
        ("生きる _{0,2} たい", " 生きる/動詞/ て/助詞/ 居る/動詞/ たい/助動詞/ ", True),
        ("生きる _{0,1} たい", " 生きる/動詞/ て/助詞/ 居る/動詞/ たい/助動詞/ ", False),
        ("ぬ たい", " 死ぬ/動詞/ たい/助動詞/ ", False),  # whole lemmas, never a substring
    ],
)
def test_morph_pattern_language(pattern: str, view: str, matches: bool) -> None:
    assert (re.search(compile_morph(pattern), view) is not None) is matches


@pytest.mark.parametrize("bad", ["", "_", "_{0,2}", "!死ぬ"])
def test_morph_pattern_needs_a_token(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_morph(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # §M11 collisions: a match starting inside a word is not a match
        ("わたしにたいしてやさしい", Severity.NONE),
        ("あなたにたいしておこってる", Severity.NONE),
        ("アリスカフェいこう", Severity.NONE),
        # and the same words on a boundary still are
        ("わたししにたい", Severity.CRITICAL),
        ("もうりすかしたい", Severity.CRITICAL),
    ],
)
def test_morpheme_boundaries(text: str, expected: Severity) -> None:
    got = classify(text)
    assert got.severity is expected, got.explain()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "org.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_organisation_morph_rule(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[rule]]
id = "org.ideation.sora"
kind = "trigger"
severity = "critical"
concept = "passive_wish"
cue = "空"
morph = ["空 に 返る たい"]  # UniDic's lemma of 帰る is 返る
description = "local idiom: wanting to go back to the sky"
""",
    )
    clf = Classifier.from_files(path, learned=False)
    for text in ("お空に帰りたい", "もう空に帰りたいな", "空に帰りたかった"):
        got = clf.classify(text)
        assert got.severity is Severity.CRITICAL, got.explain()
        assert "org.ideation.sora" in got.rules and "passive_wish" in got.concepts
    assert clf.classify("空に帰る鳥を見た").severity is Severity.NONE


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('morph = ["_"]', "morph"),
        ('morph = ["死ぬ たい"]\ncue = "("', "cue"),
        ('patterns = ["x"]\ncue = "x"', "cue"),
        ("morph = [1]", "morph"),
        ('morph = ["死ぬ"]\nconcept = 3', "concept"),
        ("", "patterns"),
    ],
)
def test_morph_rule_errors_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    text = f'[[rule]]\nid = "org.ideation.x"\nkind = "trigger"\nseverity = "critical"\n{body}\n'
    with pytest.raises(SignalsConfigError, match=f"key '{key}'"):
        Classifier.from_files(_write(tmp_path, text), learned=False)


def test_negation_rules_take_no_morph(tmp_path: Path) -> None:
    text = '[[rule]]\nid = "org.negation.x"\nkind = "negation"\nmorph = ["無い"]\n'
    with pytest.raises(SignalsConfigError, match="key 'morph'"):
        Classifier.from_files(_write(tmp_path, text), learned=False)


def test_disabled_morph_rule(tmp_path: Path) -> None:
    clf = Classifier.from_files(disabled=["ja.ideation.passive_morph"], learned=False)
    assert "ja.ideation.passive_morph" not in {r.id for r in clf.rules}
    assert classify("おらんくなりたい").severity is Severity.CRITICAL
    assert clf.classify("おらんくなりたい").severity is Severity.NONE
