"""Scoring labelled messages (`signals.evaluate`) and its runner (`signals.cli.run_eval`).

The scoring tests use a table-driven stand-in for the classifier, so the figures they check are
exact and do not move when the rules change.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from signals import Severity
from signals.cli import EXIT_BAD_FILE, EXIT_BELOW_THRESHOLD, run_eval
from signals.evaluate import (
    EvalFileError,
    LabelledMessage,
    Metric,
    check_thresholds,
    evaluate,
    format_report,
    parse_eval_lines,
    read_eval_file,
    report_as_dict,
)

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE


def msg(label: Severity, text: str, *accepted: Severity, category: str = "") -> LabelledMessage:
    return LabelledMessage(0, label, frozenset(accepted), text, category)


def answers(table: dict[str, Severity]) -> Callable[[str], Severity]:
    return lambda text: table[text]


# --- reading the file ----------------------------------------------------------------------


def test_lines_are_read_with_labels_alternatives_and_categories() -> None:
    lines = [
        "\ufeff# a comment, after a byte-order mark",
        "",
        "critical\t-\tfirst\tpassive_wish",
        "  # an indented comment",
        "Concern\tcritical\tsecond",
        "none\tconcern, critical\tthird\ttrap_quote\r",
        "   ",
    ]
    parsed = parse_eval_lines(lines)
    assert [(m.line, m.label, m.accepted, m.text, m.category) for m in parsed] == [
        (3, C, frozenset(), "first", "passive_wish"),
        (5, W, frozenset({C}), "second", ""),
        (6, N, frozenset({W, C}), "third", "trap_quote"),
    ]


def test_a_header_row_is_skipped_only_before_the_first_message() -> None:
    parsed = parse_eval_lines(["label\taccepted\ttext\tcategory", "none\t-\thello"])
    assert [m.text for m in parsed] == ["hello"]
    with pytest.raises(EvalFileError) as info:
        parse_eval_lines(["none\t-\thello", "label\taccepted\ttext"])
    assert info.value.line == 2


def test_the_label_itself_in_the_accepted_column_is_harmless() -> None:
    (m,) = parse_eval_lines(["concern\tconcern,critical\ttext"])
    assert m.accepted == frozenset({C})


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("critical\tjust two columns", ["found 2 columns"]),
        ("critical", ["found 1 column"]),
        ("critical\t-\ttext\tcategory\textra", ["at most 4", "found 5"]),
        ("urgent\t-\ttext", ["label 'urgent'", "critical, concern, none"]),
        ("critical\tnone,maybe\ttext", ["also-accepted label 'maybe'"]),
        ("none\t-\t   ", ["text column is empty"]),
    ],
)
def test_a_malformed_line_names_its_number_and_problem(line: str, words: list[str]) -> None:
    with pytest.raises(EvalFileError) as info:
        parse_eval_lines(["# header comment", "none\t-\tfine", line], source="org.tsv")
    assert info.value.line == 3
    message = str(info.value)
    assert message.startswith("org.tsv:3: ")
    assert "\n" not in message
    for word in words:
        assert word in message


def test_read_eval_file_splits_on_line_feeds_only(tmp_path: Path) -> None:
    # U+2028 is a line end to str.splitlines but a character inside one message here.
    path = tmp_path / "set.tsv"
    path.write_text("none\t-\tone\u2028line\nconcern\t-\ttwo\n", encoding="utf-8")
    assert [m.text for m in read_eval_file(path)] == ["one\u2028line", "two"]


# --- scoring -------------------------------------------------------------------------------

TABLE_MESSAGES = [
    msg(C, "c1", category="passive_wish"),  # -> critical: right
    msg(C, "c2", W, category="passive_wish"),  # -> concern, accepted: right
    msg(C, "c3", category="means"),  # -> none: a dangerous miss
    msg(C, "c4", category="means"),  # -> concern: a miss, but escalated
    msg(W, "w1", category="hardship"),  # -> concern: right
    msg(W, "w2", category="hardship"),  # -> critical: escalated, wrong label
    msg(W, "w3", category="hardship"),  # -> none: missed
    msg(N, "n1", category="everyday"),  # -> none
    msg(N, "n2", category="everyday"),  # -> critical: false alarm
    msg(N, "n3", W, category="trap"),  # -> concern, accepted: not a false alarm
    msg(N, "n4", category="trap"),  # -> concern: false concern
    msg(N, "n5", category="trap"),  # -> none
]
TABLE = {
    "c1": C,
    "c2": W,
    "c3": N,
    "c4": W,
    "w1": W,
    "w2": C,
    "w3": N,
    "n1": N,
    "n2": C,
    "n3": W,
    "n4": W,
    "n5": N,
}


def test_the_confusion_matrix_counts_label_against_answer() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    assert {k: dict(v) for k, v in report.confusion.items()} == {
        C: {C: 1, W: 2, N: 1},
        W: {C: 1, W: 1, N: 1},
        N: {C: 1, W: 2, N: 2},
    }


def test_recall_and_precision_count_accepted_answers_as_right() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    assert report.recall(C) == pytest.approx(2 / 4)  # c1, c2 (concern accepted)
    assert report.recall(W) == pytest.approx(1 / 3)
    assert report.recall(N) == pytest.approx(3 / 5)  # n1, n3 (concern accepted), n5
    # Answered critical: c1 right, w2 and n2 wrong.
    assert report.precision(C) == pytest.approx(1 / 3)
    # Answered concern: c2 (accepted), c4 wrong, w1 right, n3 (accepted), n4 wrong.
    assert report.precision(W) == pytest.approx(3 / 5)
    # Answered none: c3 and w3 wrong, n1 and n5 right.
    assert report.precision(N) == pytest.approx(2 / 4)


def test_the_headline_metrics() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    assert report.metric(Metric.CRITICAL_CAUGHT) == pytest.approx(2 / 4)
    assert report.metric(Metric.CRITICAL_NONE) == pytest.approx(1 / 4)
    assert report.metric(Metric.CONCERN_ESCALATED) == pytest.approx(2 / 3)
    assert report.metric(Metric.FALSE_CRITICAL) == pytest.approx(1 / 5)
    assert report.metric(Metric.FALSE_CONCERN) == pytest.approx(1 / 5)  # n3 was acceptable


def test_none_accepted_on_a_concern_row_counts_as_handled() -> None:
    report = evaluate([msg(W, "x", N)], answers({"x": N}))
    assert report.metric(Metric.CONCERN_ESCALATED) == 1.0


def test_a_metric_without_rows_is_none_not_zero() -> None:
    report = evaluate([msg(N, "n", category="everyday")], answers({"n": N}))
    assert report.metric(Metric.CRITICAL_CAUGHT) is None
    assert report.recall(C) is None
    assert report.precision(C) is None
    assert report.metric(Metric.FALSE_CRITICAL) == 0.0


def test_per_category_figures_and_misses() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    figures = {c.category: c for c in report.by_category()}
    assert list(figures) == ["everyday", "hardship", "means", "passive_wish", "trap"]
    assert (figures["means"].correct, figures["means"].total) == (0, 2)
    assert figures["passive_wish"].recall == 1.0
    assert dict(figures["trap"].answers) == {W: 2, N: 1}
    assert [o.message.text for o in report.misses] == ["c3", "c4", "w2", "w3", "n2", "n4"]


def test_a_classifier_failure_counts_as_concern_and_is_reported() -> None:
    def flaky(text: str) -> Severity:
        if text == "boom":
            raise RuntimeError("rules broke")
        return N

    report = evaluate([msg(C, "boom"), msg(N, "fine")], flaky)
    assert report.errors == 1
    assert report.outcomes[0].got is W
    assert report.outcomes[0].error == "RuntimeError"
    assert "classifier errors (counted as concern): 1" in format_report(report)


# --- thresholds ------------------------------------------------------------------------------


def test_thresholds_compare_in_the_metric_s_direction() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    checks = check_thresholds(
        report,
        {
            Metric.FALSE_CRITICAL: 0.2,  # 0.2 <= 0.2: met
            Metric.CRITICAL_CAUGHT: 0.5,  # 0.5 >= 0.5: met
            Metric.CONCERN_ESCALATED: 0.7,  # 0.667 < 0.7: not met
            Metric.CRITICAL_NONE: 0.1,  # 0.25 > 0.1: not met
        },
    )
    assert [(c.metric, c.met) for c in checks] == [
        (Metric.CRITICAL_CAUGHT, True),
        (Metric.CRITICAL_NONE, False),
        (Metric.CONCERN_ESCALATED, False),
        (Metric.FALSE_CRITICAL, True),
    ]
    assert checks[2].describe() == (
        "concern escalated (concern or critical): 0.667, wanted at least 0.700"
    )


def test_a_threshold_on_a_metric_with_nothing_to_measure_fails() -> None:
    report = evaluate([msg(N, "n")], answers({"n": N}))
    (check,) = check_thresholds(report, {Metric.CRITICAL_CAUGHT: 0.0})
    assert not check.met
    assert "no messages to measure" in check.describe()


# --- output ----------------------------------------------------------------------------------


def test_the_text_report_has_every_figure_the_cli_promises() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    checks = check_thresholds(report, {Metric.CRITICAL_NONE: 0.1})
    text = format_report(report, by_category=True, misses=True, checks=checks)
    assert "messages: 12 (critical 4, concern 3, none 5)" in text
    for metric in Metric:
        assert metric.description in text
    assert "critical     0.500   0.333" in text
    assert "  critical                 1         2         1" in text
    assert "  means" in text and "0/2" in text
    assert "misses (6)" in text
    assert "wanted critical, got none: c3" in text
    assert "wanted none|concern" not in text  # n3 was answered acceptably
    assert "FAIL  critical answered none: 0.250, wanted at most 0.100" in text


def test_the_text_report_leaves_out_what_was_not_asked_for() -> None:
    text = format_report(evaluate(TABLE_MESSAGES, answers(TABLE)))
    assert "by category" not in text
    assert "misses" not in text
    assert "thresholds" not in text


def test_the_json_report_is_serialisable_and_complete() -> None:
    report = evaluate(TABLE_MESSAGES, answers(TABLE))
    checks = check_thresholds(report, {Metric.CRITICAL_CAUGHT: 0.9})
    data = json.loads(
        json.dumps(report_as_dict(report, by_category=True, misses=True, checks=checks))
    )
    assert data["messages"] == 12
    assert data["metrics"]["critical_answered_none"] == 0.25
    assert data["labels"]["concern"]["recall"] == pytest.approx(1 / 3)
    assert data["confusion"]["none"] == {"critical": 1, "concern": 2, "none": 2}
    assert data["thresholds"] == [
        {"metric": "critical_answered_critical", "limit": 0.9, "value": 0.5, "met": False}
    ]
    assert {c["category"] for c in data["categories"]} == {
        "everyday",
        "hardship",
        "means",
        "passive_wish",
        "trap",
    }
    assert data["misses"][0] == {
        "line": 0,
        "label": "critical",
        "accepted": [],
        "got": "none",
        "category": "means",
        "text": "c3",
    }


# --- the runner's exit codes -------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labelled.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_eval_exits_0_when_thresholds_hold(tmp_path: Path) -> None:
    path = write(tmp_path, "critical\t-\tmessage one\nnone\t-\tmessage two\n")
    out, err = io.StringIO(), io.StringIO()
    code = run_eval(path, out, err, thresholds={Metric.CRITICAL_CAUGHT: 0.0})
    assert code == 0
    assert err.getvalue() == ""
    assert "met   critical answered critical" in out.getvalue()


def test_run_eval_exits_1_naming_each_threshold_not_met(tmp_path: Path) -> None:
    # No concern rows: the concern threshold cannot be met whatever the classifier does.
    path = write(tmp_path, "critical\t-\tmessage one\n")
    out, err = io.StringIO(), io.StringIO()
    code = run_eval(
        path,
        out,
        err,
        thresholds={Metric.CONCERN_ESCALATED: 0.9, Metric.CRITICAL_CAUGHT: 0.0},
        as_json=True,
    )
    assert code == EXIT_BELOW_THRESHOLD == 1
    assert err.getvalue() == (
        "tsunagari: threshold not met: concern escalated (concern or critical): "
        "no messages to measure, wanted at least 0.900\n"
    )
    assert [c["met"] for c in json.loads(out.getvalue())["thresholds"]] == [True, False]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"none\t-\tfine\ncritical\n", ["labelled.tsv:2:", "found 1 column"]),
        (b"none\t-\t\xff\xfe broken\n", ["labelled.tsv", "not UTF-8"]),
    ],
)
def test_run_eval_exits_2_on_an_unreadable_file(
    tmp_path: Path, content: bytes, words: list[str]
) -> None:
    path = tmp_path / "labelled.tsv"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    assert run_eval(path, out, err) == EXIT_BAD_FILE == 2
    assert out.getvalue() == ""
    assert err.getvalue().count("\n") == 1
    for word in words:
        assert word in err.getvalue()


def test_run_eval_exits_2_on_a_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_eval(tmp_path / "absent.tsv", io.StringIO(), err) == 2
    assert "absent.tsv" in err.getvalue()
