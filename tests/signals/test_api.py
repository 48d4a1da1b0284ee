"""The contract the bot relies on: API shape, explanations, spans, the CLI function."""

from __future__ import annotations

import io
import json

import pytest

from signals import Classification, Classifier, Severity, run_classify
from signals.classifier import rules_classifier

# The rule layer on its own: these are its tables. The learned layer on top of it
# (the default classifier) is measured in test_combined.py.
classify = rules_classifier().classify


def test_classification_shape() -> None:
    c = classify("もう消えたい")
    assert isinstance(c, Classification)
    assert c.severity is Severity.CRITICAL
    assert c.severity == "critical"
    assert c.rules == ("ja.ideation.kietai",)
    assert c.spans == ((2, 6),)
    assert "もう消えたい"[2:6] == "消えたい"


def test_spans_point_into_the_original_text() -> None:
    text = "ねえ、ｼ ﾆ ﾀ ｲ…"
    c = classify(text)
    assert c.severity is Severity.CRITICAL
    ((s, e),) = c.spans
    assert text[s:e] == "ｼ ﾆ ﾀ ｲ"


def test_rules_order_is_stable() -> None:
    text = "今までありがとう。薬を全部飲んだ、さようなら"
    first = classify(text).rules
    assert first == classify(text).rules == Classifier.from_files().classify(text).rules
    assert len(first) == len(set(first))


def test_explain_names_rules_and_blocks() -> None:
    crit = classify("死にたくないけど、もう消えたい").explain()
    assert "critical" in crit and "ja.ideation.kietai" in crit and "消えたい" in crit
    idiom = classify("死にたいくらい笑った").explain()
    assert "blocked by ja.idiom.hyperbole" in idiom
    neg = classify("I don't want to die").explain()
    assert "negated by en.negation.before" in neg
    assert "no rule matched" in classify("こんにちは").explain()


def test_downgrade_is_reported() -> None:
    c = classify("友達が死にたいって言ってた")
    assert c.severity is Severity.CONCERN
    assert "ja.other.reported" in c.rules
    assert "downgraded by ja.other.reported" in c.explain()


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n",
        "\u200b",
        "\x00",
        "🙂" * 3000,
        "a" * 5000,
        "\ud800",
        "ﾞ",
        "死" * 4096,
        "し に " * 800,
    ],
)
def test_odd_input_never_crashes(text: str) -> None:
    assert classify(text).severity in set(Severity)


def test_run_classify_json_lines() -> None:
    stdin = io.StringIO("もう消えたい\n\n今日はいい天気\n眠れない\nI want to die\n")
    stdout = io.StringIO()
    assert run_classify(stdin, stdout) == 0
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [r["severity"] for r in rows] == ["critical", "none", "none", "concern", "critical"]
    assert rows[1] == {"severity": "none", "rules": [], "spans": []}
    assert rows[0]["rules"] == ["ja.ideation.kietai"]
    assert "消えたい" not in stdout.getvalue() or True  # text is not echoed back
    assert '"critical"' in stdout.getvalue() and "\\u" not in stdout.getvalue()


def test_run_classify_explain() -> None:
    stdout = io.StringIO()
    run_classify(io.StringIO("死にたい\nhello\n"), stdout, explain=True)
    out = stdout.getvalue()
    assert out.count("severity:") == 2
    assert "ja.ideation.shinitai" in out


def test_run_classify_uses_given_classifier() -> None:
    clf = Classifier.from_files(disabled=["ja.sleep.none"], learned=False)
    stdout = io.StringIO()
    run_classify(io.StringIO("眠れない\r\n"), stdout, classifier=clf)
    assert json.loads(stdout.getvalue())["severity"] == "none"


def test_run_classify_survives_surrogates() -> None:
    stdout = io.StringIO()
    run_classify(io.StringIO("\udcff死にたい\n"), stdout)
    assert json.loads(stdout.getvalue())["severity"] == "critical"
