"""Scoring a classifier against labelled messages: the engine of `tsunagari signals eval`.

An organisation keeps its own labelled messages in a TSV file and checks a rule change
against them before deploying it; CI does the same with the project's held-out set.

File format, one message a line (UTF-8; blank lines and lines starting with `#` are skipped):

    label <TAB> also-accepted <TAB> text [<TAB> category]

`label` is `critical`, `concern` or `none`; `also-accepted` is `-` (or empty) or a
comma-separated list of labels that are acceptable answers too (the taxonomy's "X, Y
acceptable"); `category` is a free short id used for the per-category figures. A first line
whose label column reads `label` is taken as a header.

Everything here is pure: the classifier comes in as a function, nothing is read or printed
except by `read_eval_file`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from signals.rules import Severity

__all__ = [
    "CategoryFigures",
    "EvalFileError",
    "EvalReport",
    "LabelledMessage",
    "Metric",
    "Outcome",
    "ThresholdCheck",
    "check_thresholds",
    "evaluate",
    "format_report",
    "parse_eval_lines",
    "read_eval_file",
    "report_as_dict",
]

_LABELS = tuple(Severity)  # critical, concern, none: the order rows and columns are printed in
_NO_ALTERNATIVES = frozenset({"", "-"})


class EvalFileError(ValueError):
    """A line of an evaluation file cannot be read; the message names the line."""

    def __init__(self, line: int, problem: str, source: str = "") -> None:
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if source else f"line {line}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    line: int
    label: Severity
    accepted: frozenset[Severity]  # alternatives to `label` that also count as correct
    text: str
    category: str = ""

    def accepts(self, answer: Severity) -> bool:
        return answer is self.label or answer in self.accepted


@dataclass(frozen=True, slots=True)
class Outcome:
    message: LabelledMessage
    got: Severity
    error: str = ""  # the exception's type name when the classifier failed on this message

    @property
    def correct(self) -> bool:
        return self.message.accepts(self.got)


class Metric(StrEnum):
    """The headline figures; each threshold option of the CLI names one of them."""

    CRITICAL_CAUGHT = "critical_answered_critical"
    CRITICAL_NONE = "critical_answered_none"
    CONCERN_ESCALATED = "concern_escalated"
    FALSE_CRITICAL = "false_critical_on_everyday"
    FALSE_CONCERN = "false_concern_on_everyday"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def higher_is_better(self) -> bool:
        return self in (Metric.CRITICAL_CAUGHT, Metric.CONCERN_ESCALATED)


_DESCRIPTIONS = {
    Metric.CRITICAL_CAUGHT: "critical answered critical (or accepted)",
    Metric.CRITICAL_NONE: "critical answered none",
    Metric.CONCERN_ESCALATED: "concern escalated (concern or critical)",
    Metric.FALSE_CRITICAL: "false critical on everyday talk",
    Metric.FALSE_CONCERN: "false concern on everyday talk",
}


def _parse_label(raw: str, line: int, source: str, column: str) -> Severity:
    try:
        return Severity(raw.strip().lower())
    except ValueError:
        raise EvalFileError(
            line, f"{column} {raw.strip()!r} is not one of critical, concern, none", source
        ) from None


def _parse_line(raw: str, line: int, source: str) -> LabelledMessage:
    cols = raw.split("\t")
    if len(cols) < 3:
        raise EvalFileError(
            line,
            f"expected label, also-accepted, text[, category] separated by tabs; "
            f"found {len(cols)} column{'s' if len(cols) != 1 else ''}",
            source,
        )
    if len(cols) > 4:
        raise EvalFileError(
            line, f"expected at most 4 tab-separated columns; found {len(cols)}", source
        )
    label = _parse_label(cols[0], line, source, "label")
    alternatives = cols[1].strip()
    accepted: set[Severity] = set()
    if alternatives not in _NO_ALTERNATIVES:
        for part in alternatives.split(","):
            accepted.add(_parse_label(part, line, source, "also-accepted label"))
    text = cols[2].strip()
    if not text:
        raise EvalFileError(line, "the text column is empty", source)
    category = cols[3].strip() if len(cols) == 4 else ""
    return LabelledMessage(line, label, frozenset(accepted - {label}), text, category)


def parse_eval_lines(lines: Iterable[str], source: str = "") -> list[LabelledMessage]:
    """Parses the file's lines (numbered from 1); raises `EvalFileError` at the first bad one."""
    messages: list[LabelledMessage] = []
    seen_content = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte-order mark from spreadsheet exports
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not seen_content and line.split("\t", 1)[0].strip().lower() == "label":
            seen_content = True  # a header row, as spreadsheets export them
            continue
        seen_content = True
        messages.append(_parse_line(line, number, source))
    return messages


def read_eval_file(path: Path) -> list[LabelledMessage]:
    with path.open(encoding="utf-8", newline="") as fh:
        # Split on line feeds only: a text may hold other separators Python counts as line ends.
        return parse_eval_lines(fh.read().split("\n"), str(path))


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    category: str
    total: int
    correct: int
    answers: Mapping[Severity, int]

    @property
    def recall(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class EvalReport:
    outcomes: tuple[Outcome, ...]
    # confusion[label][answer]: how many messages with that label got that answer
    confusion: Mapping[Severity, Mapping[Severity, int]] = field(default_factory=dict)

    def _rows(self, label: Severity) -> list[Outcome]:
        return [o for o in self.outcomes if o.message.label is label]

    def count(self, label: Severity) -> int:
        return len(self._rows(label))

    def recall(self, label: Severity) -> float | None:
        """Share of messages with this label whose answer was the label or an accepted one."""
        rows = self._rows(label)
        return _share(sum(o.correct for o in rows), len(rows))

    def precision(self, label: Severity) -> float | None:
        """Share of the answers `label` that the message's labels accept."""
        answered = [o for o in self.outcomes if o.got is label]
        return _share(sum(o.correct for o in answered), len(answered))

    def metric(self, metric: Metric) -> float | None:
        critical = self._rows(Severity.CRITICAL)
        concern = self._rows(Severity.CONCERN)
        everyday = self._rows(Severity.NONE)
        if metric is Metric.CRITICAL_CAUGHT:
            return _share(sum(o.correct for o in critical), len(critical))
        if metric is Metric.CRITICAL_NONE:
            missed = sum(o.got is Severity.NONE and not o.correct for o in critical)
            return _share(missed, len(critical))
        if metric is Metric.CONCERN_ESCALATED:
            up = sum(o.got is not Severity.NONE or o.correct for o in concern)
            return _share(up, len(concern))
        # A false alarm is an answer the message's labels do not accept.
        target = Severity.CRITICAL if metric is Metric.FALSE_CRITICAL else Severity.CONCERN
        return _share(sum(o.got is target and not o.correct for o in everyday), len(everyday))

    def by_category(self) -> list[CategoryFigures]:
        groups: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            groups.setdefault(o.message.category or "-", []).append(o)
        return [
            CategoryFigures(
                name,
                len(rows),
                sum(o.correct for o in rows),
                Counter(o.got for o in rows),
            )
            for name, rows in sorted(groups.items())
        ]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.error)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def evaluate(
    messages: Sequence[LabelledMessage], classify: Callable[[str], Severity]
) -> EvalReport:
    """Runs `classify` over every message. A failure counts as concern, as it does in the bot."""
    outcomes: list[Outcome] = []
    confusion = {label: dict.fromkeys(_LABELS, 0) for label in _LABELS}
    for message in messages:
        try:
            got, error = classify(message.text), ""
        except Exception as exc:  # one bad message must not stop the run; it is reported
            got, error = Severity.CONCERN, type(exc).__name__
        outcomes.append(Outcome(message, got, error))
        confusion[message.label][got] += 1
    return EvalReport(tuple(outcomes), confusion)


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    metric: Metric
    limit: float
    value: float | None  # None when the file has no rows to measure it on

    @property
    def met(self) -> bool:
        # Nothing to measure fails: a CI gate must not pass because the rows it checks are gone.
        if self.value is None:
            return False
        return (
            self.value >= self.limit if self.metric.higher_is_better else self.value <= self.limit
        )

    def describe(self) -> str:
        bound = "at least" if self.metric.higher_is_better else "at most"
        got = "no messages to measure" if self.value is None else f"{self.value:.3f}"
        return f"{self.metric.description}: {got}, wanted {bound} {self.limit:.3f}"


def check_thresholds(
    report: EvalReport, thresholds: Mapping[Metric, float]
) -> list[ThresholdCheck]:
    """One check per given threshold, in the order of `Metric`."""
    return [
        ThresholdCheck(metric, thresholds[metric], report.metric(metric))
        for metric in Metric
        if metric in thresholds
    ]


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def _confusion_lines(report: EvalReport) -> list[str]:
    head = "label \\ answer".ljust(16) + "".join(f"{s.value:>10}" for s in _LABELS)
    lines = ["confusion matrix (rows: label; columns: answer)", "  " + head]
    for label in _LABELS:
        row = report.confusion.get(label, {})
        cells = "".join(f"{row.get(s, 0):>10}" for s in _LABELS)
        lines.append("  " + label.value.ljust(16) + cells)
    return lines


def _category_lines(report: EvalReport) -> list[str]:
    lines = ["by category (share answered as labelled or accepted; answers given)"]
    cats = report.by_category()
    width = max((len(c.category) for c in cats), default=8)
    for c in cats:
        answers = " ".join(f"{s.value}={c.answers.get(s, 0)}" for s in _LABELS)
        lines.append(
            f"  {c.category.ljust(width)}  {c.recall:6.3f}  {c.correct:>4}/{c.total:<4}  {answers}"
        )
    return lines


def _miss_lines(report: EvalReport) -> list[str]:
    lines = [f"misses ({len(report.misses)})"]
    for o in report.misses:
        m = o.message
        wanted = "|".join([m.label.value, *sorted(s.value for s in m.accepted)])
        cat = f" [{m.category}]" if m.category else ""
        err = f" (classifier error {o.error})" if o.error else ""
        lines.append(f"  line {m.line}{cat}: wanted {wanted}, got {o.got.value}{err}: {m.text}")
    return lines


def format_report(
    report: EvalReport,
    *,
    by_category: bool = False,
    misses: bool = False,
    checks: Sequence[ThresholdCheck] = (),
) -> str:
    """The readable report: headline figures, per-label figures, the confusion matrix."""
    counts = ", ".join(f"{s.value} {report.count(s)}" for s in _LABELS)
    lines = [f"messages: {len(report.outcomes)} ({counts})"]
    if report.errors:
        lines.append(f"classifier errors (counted as concern): {report.errors}")
    lines.append("")
    width = max(len(m.description) for m in Metric)
    lines += [f"{m.description.ljust(width)}  {_fmt(report.metric(m))}" for m in Metric]
    lines += ["", "label        recall  precision"]
    lines += [
        f"{s.value.ljust(10)}  {_fmt(report.recall(s))}  {_fmt(report.precision(s))}"
        for s in _LABELS
    ]
    lines += ["", *_confusion_lines(report)]
    if by_category:
        lines += ["", *_category_lines(report)]
    if misses:
        lines += ["", *_miss_lines(report)]
    if checks:
        lines += ["", "thresholds"]
        lines += [f"  {'met ' if c.met else 'FAIL'}  {c.describe()}" for c in checks]
    return "\n".join(lines) + "\n"


def report_as_dict(
    report: EvalReport,
    *,
    by_category: bool = False,
    misses: bool = False,
    checks: Sequence[ThresholdCheck] = (),
) -> dict[str, object]:
    """The same figures for scripts (`--json`); rates are fractions, or null with no rows."""
    data: dict[str, object] = {
        "messages": len(report.outcomes),
        "counts": {s.value: report.count(s) for s in _LABELS},
        "classifier_errors": report.errors,
        "metrics": {m.value: report.metric(m) for m in Metric},
        "labels": {
            s.value: {"recall": report.recall(s), "precision": report.precision(s)} for s in _LABELS
        },
        "confusion": {
            label.value: {s.value: report.confusion.get(label, {}).get(s, 0) for s in _LABELS}
            for label in _LABELS
        },
        "thresholds": [
            {"metric": c.metric.value, "limit": c.limit, "value": c.value, "met": c.met}
            for c in checks
        ],
    }
    if by_category:
        data["categories"] = [
            {
                "category": c.category,
                "total": c.total,
                "correct": c.correct,
                "recall": c.recall,
                "answers": {s.value: c.answers.get(s, 0) for s in _LABELS},
            }
            for c in report.by_category()
        ]
    if misses:
        data["misses"] = [
            {
                "line": o.message.line,
                "label": o.message.label.value,
                "accepted": sorted(s.value for s in o.message.accepted),
                "got": o.got.value,
                "category": o.message.category,
                "text": o.message.text,
                **({"error": o.error} if o.error else {}),
            }
            for o in report.misses
        ]
    return data
