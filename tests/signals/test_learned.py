"""The learned layer at run time: interface, pure-Python scoring and clear cases."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from signals.learned import (
    DEFAULT_MODEL_PATH,
    LABELS,
    LearnedModel,
    LearnedVerdict,
    default_model,
    extract_features,
    feature_count,
    view_bag,
    view_features,
)
from signals.normalize import normalize
from signals.rules import Severity

CORPUS = Path(__file__).resolve().parents[2] / "signals" / "training" / "corpus.tsv"


@pytest.fixture(scope="module")
def model() -> LearnedModel:
    return default_model()


def test_verdict_shape(model: LearnedModel) -> None:
    verdict = model.predict("もう消えたい")
    assert isinstance(verdict, LearnedVerdict)
    assert isinstance(verdict.severity, Severity)
    assert 0.0 <= verdict.confidence <= 1.0
    assert isinstance(verdict.features, tuple) and 1 <= len(verdict.features) <= 5
    assert all(isinstance(f, str) and f for f in verdict.features)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.confidence = 0.5  # type: ignore[misc]
    assert not hasattr(verdict, "__dict__")  # slots


def test_default_model_is_loaded_once() -> None:
    assert default_model() is default_model()


def test_from_file_reads_the_shipped_model() -> None:
    loaded = LearnedModel.from_file(DEFAULT_MODEL_PATH)
    assert loaded.vocabulary_size == default_model().vocabulary_size > 1000
    text = "家賃が払えなくて困ってる"
    a, b = loaded.predict(text), default_model().predict(text)
    assert (a.severity, a.features) == (b.severity, b.features)
    assert math.isclose(a.confidence, b.confidence, rel_tol=1e-12)


def test_model_file_is_small() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 2 * 1024 * 1024


def test_confidence_is_the_softmax_of_the_label(model: LearnedModel) -> None:
    for text in ("死にたい", "ガス止められた", "おはよう", "I took all my pills", "thanks!"):
        probs = model.probabilities(text)
        assert math.isclose(sum(probs), 1.0, rel_tol=1e-9)
        verdict = model.predict(text)
        assert math.isclose(verdict.confidence, max(probs), rel_tol=1e-12)
        assert verdict.severity is LABELS[probs.index(max(probs))]
        scores = model.scores(text)
        expected = [math.exp(s) / sum(math.exp(t) for t in scores) for s in scores]
        assert all(math.isclose(p, e, rel_tol=1e-9) for p, e in zip(probs, expected, strict=True))


def test_features_are_readable_text_of_the_message(model: LearnedModel) -> None:
    for text in ("ロキソニン何錠で死ねる？", "my husband is choking me", "電気止められた😢"):
        view = normalize(text).text
        verdict = model.predict(text)
        assert verdict.features
        for feature in verdict.features:
            assert feature in view, (feature, view)
            assert feature.strip() == feature
        # No shown feature is a fragment of another one shown.
        assert not any(a != b and a in b for a in verdict.features for b in verdict.features)


def test_explanation_names_the_words_that_matter(model: LearnedModel) -> None:
    assert any("pills" in f for f in model.predict("i took all my pills").features)
    assert any("消え" in f for f in model.predict("もう消えたい").features)


def test_empty_and_odd_input(model: LearnedModel) -> None:
    for text in ("", " ", "\n", "👍", "。。。", "a" * 2000):
        verdict = model.predict(text)
        assert verdict.severity in LABELS
        assert 0.0 <= verdict.confidence <= 1.0


def test_features_cover_ngrams_words_and_kanji_runs() -> None:
    feats = extract_features("I can't sleep、家賃")
    view = normalize("I can't sleep、家賃").text
    assert {"i", " i", "can'", "賃", "、家賃"} <= feats
    assert "\x1fcan't" in feats and "\x1fcan't sleep" in feats and "\x1f家賃" in feats
    assert all(len(f) <= 4 for f in feats if not f.startswith("\x1f"))
    assert " " not in feats
    assert view.startswith("i can't")


def test_from_mapping_rejects_other_formats(tmp_path: Path) -> None:
    raw = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    for change, message in (
        ({"format": 1}, "format"),
        ({"labels": ["none", "concern", "critical"]}, "labels"),
        ({"bias": [0.0, 1.0]}, "three weights"),
    ):
        path = tmp_path / "model.json"
        path.write_text(json.dumps({**raw, **change}), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            LearnedModel.from_file(path)


def test_run_time_needs_no_numerical_libraries() -> None:
    code = (
        "import sys; from signals.learned import default_model; "
        "default_model().predict('もう無理、消えたい'); "
        "print(sorted(m for m in ('numpy', 'scipy', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# Clear cases written for this test, not taken from the corpus.
CLEAR = [
    (Severity.CRITICAL, "もう生きていたくないです"),
    (Severity.CRITICAL, "薬を全部飲んじゃった"),
    (Severity.CRITICAL, "今から屋上から飛び降りる"),
    (Severity.CRITICAL, "みんな今まで本当にありがとう、さよなら"),
    (Severity.CRITICAL, "死にたい、もう無理"),
    (Severity.CRITICAL, "夫に殴られてる、助けて"),
    (Severity.CRITICAL, "リスカが止まらない"),
    (Severity.CRITICAL, "I want to kill myself"),
    (Severity.CRITICAL, "i took all the pills i had"),
    (Severity.CRITICAL, "he is choking me"),
    (Severity.CONCERN, "電気を止められてしまいました"),
    (Severity.CONCERN, "今月の家賃が払えません"),
    (Severity.CONCERN, "もう三日も何も食べていない"),
    (Severity.CONCERN, "ずっと一人で誰とも話していない"),
    (Severity.CONCERN, "i lost my job and can't pay rent"),
    (Severity.CONCERN, "i have no food in the house"),
    (Severity.NONE, "今日は散歩してきました"),
    (Severity.NONE, "お昼は焼きそばにしました"),
    (Severity.NONE, "ありがとうございます！"),
    (Severity.NONE, "面白すぎて笑い死にしそうだった"),
    (Severity.NONE, "had a nice walk with my dog"),
    (Severity.NONE, "the humidity today is killing me lol"),
]


@pytest.mark.parametrize(("label", "text"), CLEAR, ids=[t for _, t in CLEAR])
def test_clear_cases(model: LearnedModel, label: Severity, text: str) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    assert text not in {line.split("\t")[-1] for line in lines}  # held out from training
    verdict = model.predict(text)
    assert verdict.severity is label, verdict


@pytest.mark.parametrize(
    ("view", "count"),
    [
        ("", 1),
        ("a", 5),  # " a ": a, " a", "a ", " a " (a padding space is no feature), the word a
        ("はい", 8),
        ("家賃が払えない", 29),  # 4 x 9 - 8 positions and the kanji run 家賃
        ("i can't sleep", 57),  # 4 x 15 - 8, three words and two pairs
        ("死にたい死にたい", 32),  # repeats count: 4 x 10 - 8 (a lone kanji is no run)
    ],
)
def test_feature_count(view: str, count: int) -> None:
    assert feature_count(view) == count


def test_feature_count_bounds_the_distinct_features() -> None:
    """Scaling by the count of positions stays close to the distinct count it replaced."""
    views = [normalize(line.split("\t")[2]).text for line in _corpus_lines()]
    ratios = []
    for view in views:
        distinct = len(view_features(view))
        assert distinct <= feature_count(view), view
        ratios.append(distinct / feature_count(view))
    assert sum(ratios) / len(ratios) >= 0.85


def test_scores_are_the_bag_of_the_definition(model: LearnedModel) -> None:
    """The automaton's sums are the counted bag of the definition, and the evidence is the
    readable vocabulary features the binary view of that bag has."""
    for line in _corpus_lines()[::7]:
        text = line.split("\t")[2]
        view = normalize(text).text
        counts = view_bag(view).counts
        known = [(w, n) for f, n in counts.items() if (w := model.weights(f)) is not None]
        scale = 1 / math.sqrt(feature_count(view))
        expected = [sum(w[k] * n for w, n in known) * scale + model.bias[k] for k in range(3)]
        assert all(
            math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
            for a, b in zip(model.scores(text), expected, strict=True)
        ), text
        probs, evidence = model.distribution(view)
        assert all(
            math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
            for a, b in zip(probs, model.probabilities(text), strict=True)
        ), text
        assert set(evidence) == model.readable_features(view), text
        assert bool(evidence) == bool(model.readable_features(view)), text


def _corpus_lines() -> list[str]:
    return [
        line
        for line in CORPUS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
