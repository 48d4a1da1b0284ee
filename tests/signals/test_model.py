"""The learned layer's place in a decision: it may raise, above a threshold, never lower, and
never over an ordinary reading the rules recognised."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from signals import Classifier, Severity, default_classifier

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE


def _clf(model: object, **kwargs: float) -> Classifier:
    # The table below was written for these thresholds; the shipped ones are constants.
    kwargs = {"model_critical_threshold": 0.8, "model_concern_threshold": 0.7, **kwargs}
    return Classifier(default_classifier().rules, model=model, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model_says", "confidence", "text", "expected"),
    [
        (C, 0.95, "なんかもうどうにでもなれって感じ", C),  # rules: none -> critical
        (C, 0.95, "眠れない", C),  # rules: concern -> critical
        (C, 0.75, "なんかもうどうにでもなれって感じ", W),  # below critical, above concern
        (C, 0.5, "なんかもうどうにでもなれって感じ", N),  # below both thresholds
        (W, 0.9, "なんかもうどうにでもなれって感じ", W),
        (W, 0.6, "なんかもうどうにでもなれって感じ", N),
        (W, 0.99, "眠れない", W),  # concern cannot raise a concern
        # A farewell word the rules cannot weigh up to critical alone, and a model leaning to
        # a crisis: two readers agree (the same lean without the word stays none).
        (C, 0.65, "みんなありがとう", C),
        (C, 0.65, "今日は雨だった", N),
        # The rules read violence and media elsewhere in the message: the media reading is not
        # about the violence (it would have blocked it), so the model may agree on a crisis;
        # beside a need alone the same media reading still vetoes.
        (C, 0.9, "夫に毎日怒鳴られる。ドラマ見ても笑えない", C),
        (C, 0.9, "借金がやばい。ドラマ見ても笑えない", W),
        (N, 0.99, "死にたい", C),  # never lowers a rule's critical
        (N, 0.99, "眠れない", W),  # nor a concern
        (C, 0.99, "死ぬほど笑った", N),  # idiom veto
        (C, 0.9, "「死にたい」って歌詞の曲", N),  # quotation and media veto
        (C, 0.9, "ドラマで主人公が飛び降りた", N),  # media veto without any signal hit
        (C, 0.9, "借金やっと完済した", N),  # resolved veto
        # A model all but sure of a crisis (the override threshold) asks for a worker's look
        # past a quotation, media or a resolved need, never for the crisis card.
        (C, 0.99, "「死にたい」って歌詞の曲", W),
        (C, 0.99, "ドラマで主人公が飛び降りた", W),
        (C, 0.99, "借金やっと完済した", W),
        (C, 0.99, "ゴキブリ出た、助けて", N),  # help about a named trivial object: firm
        # Low mood lifted (a concern-level reading) does not stop a crisis raise: sudden calm
        # after distress is a warning sign.
        (C, 0.95, "ずっと落ち込んでたけど、決めたら落ち着いた", C),
        (W, 0.9, "ずっと落ち込んでたけど、決めたら落ち着いた", N),
        (C, 0.99, "I died laughing", N),
    ],
)
def test_model_raises_only(
    fixed_model: Callable[..., object],
    model_says: Severity,
    confidence: float,
    text: str,
    expected: Severity,
) -> None:
    got = _clf(fixed_model(model_says, confidence)).classify(text)
    assert got.severity is expected, got.explain()


def test_a_raise_is_named_and_explained(fixed_model: Callable[..., object]) -> None:
    got = _clf(fixed_model(C, 0.93)).classify("なんかもうどうにでもなれって感じ")
    assert got.rules[-1] == "model:critical"
    text = got.explain()
    assert "model:critical" in text and "0.93" in text and "char:消え" in text


def test_thresholds_are_constructor_arguments(fixed_model: Callable[..., object]) -> None:
    model = fixed_model(C, 0.85)
    assert _clf(model).classify("ふう").severity is C
    strict = _clf(model, model_critical_threshold=0.9, model_concern_threshold=0.95)
    assert strict.classify("ふう").severity is N


def test_model_is_not_asked_when_rules_are_critical(fixed_model: Callable[..., object]) -> None:
    model = fixed_model(N, 0.99)
    assert _clf(model).classify("死にたい").severity is C
    assert model.calls == 0  # type: ignore[attr-defined]


def test_a_failing_model_leaves_the_rules_label(
    fixed_model: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    got = _clf(fixed_model(C, 0.99, fail=True)).classify("眠れない、ガス止められた")
    assert got.severity is W
    assert "RuntimeError" in caplog.text
    assert "ガス" not in caplog.text  # no message text in logs


def test_without_model_nothing_changes() -> None:
    clf = Classifier(default_classifier().rules)
    assert clf.model is None
    assert clf.classify("なんかもうどうにでもなれって感じ").severity is N
