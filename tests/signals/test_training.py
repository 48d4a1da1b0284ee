"""Training the learned layer: the corpus, bit-for-bit rebuilds, agreement with scikit-learn."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the `train` extra (scikit-learn) is not installed")

import numpy as np

from signals.learned import DEFAULT_MODEL_PATH, LABELS, LearnedModel, extract_bag
from signals.rules import Severity
from signals.training.train import (
    CORPUS_PATH,
    Example,
    FittedModel,
    cross_validate,
    feature_matrix,
    fit,
    load_corpus,
    main,
    model_bytes,
    near_duplicate_groups,
)

# The taxonomy's concepts and trap kinds, as categories the corpus must cover.
REQUIRED = {
    Severity.CRITICAL: {
        "passive_wish",
        "burden",
        "ideation",
        "means",
        "plan_time",
        "preparation",
        "farewell",
        "act_underway",
        "self_harm",
        "violence",
        "child_danger",
        "medical",
        "cry_for_help",
    },
    Severity.CONCERN: {
        "utilities",
        "housing",
        "homeless",
        "money",
        "food",
        "work",
        "debt",
        "medical_need",
        "depressive",
        "anxiety",
        "loneliness",
        "loss",
        "relapse",
        "friend",
        "burden_light",
    },
    Severity.NONE: {
        "everyday",
        "idiom_hyperbole",
        "quotation",
        "media",
        "third_person_benign",
        "resolved",
        "means_ordinary",
        "substring",
        "insect_help",
        "body_relief",
        "endings_ordinary",
        "negated_fear",
        "reassurance",
    },
}
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus()


@pytest.fixture(scope="module")
def fitted(corpus: list[Example]) -> FittedModel:
    return fit([extract_bag(e.text) for e in corpus], [e.label for e in corpus])


def test_corpus_size_languages_and_coverage(corpus: list[Example]) -> None:
    assert len(corpus) >= 3000
    assert len({e.text for e in corpus}) == len(corpus)
    ja = sum(1 for e in corpus if _JAPANESE.search(e.text))
    assert 1.6 <= ja / (len(corpus) - ja) <= 2.6  # about two Japanese messages to one English
    by_label: dict[Severity, Counter[str]] = {label: Counter() for label in LABELS}
    for e in corpus:
        by_label[e.label][e.category] += 1
    for label, categories in REQUIRED.items():
        missing = categories - set(by_label[label])
        assert not missing, (label, missing)
    assert all(n >= 10 for n in by_label[Severity.CRITICAL].values())


def test_load_corpus_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "corpus.tsv"
    path.write_text("# header\ncritical\tpassive_wish\t消えたい\nnone\teveryday\n", "utf-8")
    with pytest.raises(ValueError, match=r"corpus\.tsv:3"):
        load_corpus(path)


def test_training_rebuilds_the_shipped_model_bit_for_bit(fitted: FittedModel) -> None:
    assert model_bytes(fitted, CORPUS_PATH) == DEFAULT_MODEL_PATH.read_bytes(), (
        "signals/model/severity.json is stale: run python -m signals.training.train"
    )


TINY = [
    ("critical", "passive_wish", "もう消えたい"),
    ("critical", "passive_wish", "消えたいよ"),
    ("critical", "passive_wish", "i want to die"),
    ("critical", "passive_wish", "i want to die now"),
    ("concern", "utilities", "ガス止まった"),
    ("concern", "utilities", "ガスが止まった"),
    ("concern", "money", "no money left"),
    ("concern", "money", "no money at all"),
    ("none", "everyday", "おはよう"),
    ("none", "everyday", "おはようございます"),
    ("none", "everyday", "good morning"),
    ("none", "everyday", "good morning!"),
]


def test_script_writes_then_checks_the_model_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("".join("\t".join(row) + "\n" for row in TINY), encoding="utf-8")
    out = tmp_path / "model" / "severity.json"
    args = ["--corpus", str(corpus), "--out", str(out)]
    assert main([*args, "--no-cv"]) == 0
    first = out.read_bytes()
    assert main([*args, "--check"]) == 0
    assert out.read_bytes() == first
    assert LearnedModel.from_file(out).predict("もう消えたい").severity is Severity.CRITICAL
    out.write_bytes(first.replace(b'"format":2', b'"format": 2'))
    assert main([*args, "--check"]) == 1
    assert "differs" in capsys.readouterr().out


def test_pure_python_scores_equal_sklearn_decision(
    corpus: list[Example], fitted: FittedModel
) -> None:
    """With the shipped (rounded) weights put into the estimator, both compute the same."""
    est = fitted.estimator
    vocabulary = {f: i for i, f in enumerate(fitted.vocabulary)}
    rounded = np.zeros_like(est.coef_)
    for f, j in vocabulary.items():
        rounded[:, j] = fitted.model.weights(f) or (0.0, 0.0, 0.0)
    est_rounded = type(est)()
    est_rounded.classes_ = est.classes_
    est_rounded.coef_ = rounded
    est_rounded.intercept_ = np.asarray(fitted.model.bias)
    texts = [e.text for e in corpus]
    x = feature_matrix([extract_bag(t) for t in texts], vocabulary)
    expected = est_rounded.decision_function(x)
    for row, text in zip(expected, texts, strict=True):
        got = fitted.model.scores(text)
        assert np.allclose(got, row, atol=1e-9), text


def test_pure_python_labels_agree_with_the_unrounded_estimator(
    corpus: list[Example], fitted: FittedModel
) -> None:
    vocabulary = {f: i for i, f in enumerate(fitted.vocabulary)}
    x = feature_matrix([extract_bag(e.text) for e in corpus], vocabulary)
    sk = [LABELS[k] for k in fitted.estimator.predict(x)]
    ours = [fitted.model.predict(e.text).severity for e in corpus]
    agree = sum(a == b for a, b in zip(sk, ours, strict=True)) / len(corpus)
    assert agree >= 0.998


def test_shipped_model_is_the_fitted_one(fitted: FittedModel) -> None:
    shipped = LearnedModel.from_file(DEFAULT_MODEL_PATH)
    for text in ("死にたい", "電気が止まった", "おはよう", "i want to die", "lol"):
        # Sums run in set order, so the last bit may differ; the weights may not.
        assert np.allclose(shipped.scores(text), fitted.model.scores(text), rtol=0, atol=1e-12)


def test_near_duplicates_share_a_group() -> None:
    texts = [
        "もう消えたい",
        "あの、もう消えたい…",
        "今日はいい天気ですね",
        "today i took my dog for a long walk",
        "hey so today i took my dog for a long walk lol",
        "hey so i cant pay the rent this month",
    ]
    g = near_duplicate_groups(texts)
    assert g[0] == g[1] != g[2]
    assert g[3] == g[4] != g[5]


def test_a_line_shares_a_group_with_the_joins_that_contain_it() -> None:
    texts = [
        "お弁当作った",
        "ガス止まった、電気も止まりそう。お弁当作った",
        "ガスも水道も止まりそうで不安です",
        "package arrived",
        "the pharmacy said no more refills. package arrived",
        "short",  # too short to join anything by containment
        "the shortest day of the year",
    ]
    g = near_duplicate_groups(texts)
    assert g[0] == g[1] != g[2]
    assert g[3] == g[4] != g[0]
    assert g[5] != g[6]


def test_cross_validation_reports_every_label(corpus: list[Example]) -> None:
    sample = corpus[::8]  # every label and most categories, small enough to fit five times
    report = cross_validate(sample)
    assert sum(report.confusion.values()) == len(sample) == len(report.verdicts)
    lines = "\n".join(report.lines())
    for label in LABELS:
        assert label.value in lines
    assert "critical answered none" in lines and "confident verdicts" in lines
    right = sum(n for (gold, got), n in report.confusion.items() if gold == got)
    assert right / len(sample) > 0.5  # far above chance even on an eighth of the corpus


SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "signals-sample.tsv"


@pytest.mark.skipif(
    not SAMPLE.exists(),
    reason="the shared labelled samples are not beside this clone (../shared/signals-sample.tsv)",
)
def test_shared_sample_is_held_out_of_the_corpus(corpus: list[Example]) -> None:
    def key(text: str) -> str:
        return re.sub(r"[\W_]+", "", text.casefold()) or text

    keys = [key(e.text) for e in corpus]
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sentence = key(line.split("\t")[2])
        assert not any(sentence in k for k in keys), sentence
