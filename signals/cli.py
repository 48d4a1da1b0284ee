"""`tsunagari signals classify`: one message a line in, one JSON object a line out.

`tsunagari signals eval`: a labelled TSV file in, recall, precision and the confusion matrix out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from signals.classifier import Classifier
    from signals.evaluate import Metric

__all__ = ["EXIT_BAD_FILE", "EXIT_BELOW_THRESHOLD", "run_classify", "run_eval"]

EXIT_BELOW_THRESHOLD = 1
EXIT_BAD_FILE = 2


def run_classify(
    stdin: TextIO,
    stdout: TextIO,
    *,
    explain: bool = False,
    classifier: Classifier | None = None,
) -> int:
    """Classifies each input line; output stays line-aligned with the input. Returns 0."""
    from signals.classifier import default_classifier

    clf = classifier if classifier is not None else default_classifier()
    for raw in stdin:
        line = raw.rstrip("\r\n")
        # Lone surrogates (from undecodable bytes) cannot be encoded on output; replace them.
        line = line.encode("utf-8", "replace").decode("utf-8")
        try:
            result = clf.classify(line)
        except Exception as exc:  # one bad line must not stop a batch
            payload = {"severity": "none", "rules": [], "error": type(exc).__name__}
            stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            continue
        if explain:
            # The message first, then its account indented, so a batch stays easy to scan.
            stdout.write(f"» {line}\n  " + result.explain().replace("\n", "\n  ") + "\n")
        else:
            stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


def run_eval(
    path: Path,
    stdout: TextIO,
    stderr: TextIO,
    *,
    thresholds: Mapping[Metric, float] | None = None,
    by_category: bool = False,
    misses: bool = False,
    as_json: bool = False,
    classifier: Classifier | None = None,
) -> int:
    """Scores the classifier on a labelled file.

    Returns 0, or 1 when a threshold is not met (each one named on stderr), or 2 when the
    file cannot be read (one line naming the line number).
    """
    from signals.classifier import default_classifier
    from signals.evaluate import (
        EvalFileError,
        check_thresholds,
        evaluate,
        format_report,
        read_eval_file,
        report_as_dict,
    )

    try:
        messages = read_eval_file(path)
    except EvalFileError as exc:
        stderr.write(f"tsunagari: error: {exc}\n")
        return EXIT_BAD_FILE
    except UnicodeDecodeError as exc:
        stderr.write(f"tsunagari: error: {path}: not UTF-8 text ({exc.reason})\n")
        return EXIT_BAD_FILE
    except OSError as exc:
        stderr.write(f"tsunagari: error: {path}: {exc.strerror or exc}\n")
        return EXIT_BAD_FILE
    clf = classifier if classifier is not None else default_classifier()
    report = evaluate(messages, lambda text: clf.classify(text).severity)
    checks = check_thresholds(report, thresholds or {})
    if as_json:
        data = report_as_dict(report, by_category=by_category, misses=misses, checks=checks)
        stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(format_report(report, by_category=by_category, misses=misses, checks=checks))
    stdout.flush()
    failures = [c for c in checks if not c.met]
    for failure in failures:
        stderr.write(f"tsunagari: threshold not met: {failure.describe()}\n")
    return EXIT_BELOW_THRESHOLD if failures else 0
