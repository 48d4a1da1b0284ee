"""`tsunagari signals classify`: one message a line in, one JSON object a line out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from signals.classifier import Classifier

__all__ = ["run_classify"]


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
