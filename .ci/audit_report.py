"""Read pip-audit's JSON report and decide the CI step's outcome.

pip-audit exits 0 and says "No known vulnerabilities found" even when it could audit
nothing (every dependency skipped because its vulnerability service was not reachable),
so the report itself is read: a vulnerability fails the run; a report that audited
nothing, or no report at all, says the audit could not run and passes.
Usage: python audit_report.py REPORT.json  (exit 1 only when a vulnerability was found)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["outcome"]


def outcome(report_text: str) -> tuple[int, str]:
    """The exit status and the line to print for one pip-audit JSON report."""
    try:
        report = json.loads(report_text)
        dependencies = list(report["dependencies"])
    except (ValueError, KeyError, TypeError):
        return 0, "dependency audit could not run (no report: service unreachable?); not failing"
    found = [
        f"{d['name']} {d.get('version', '?')}: {', '.join(v['id'] for v in d['vulns'])}"
        for d in dependencies
        if d.get("vulns")
    ]
    if found:
        return 1, "dependency audit found vulnerabilities:\n  " + "\n  ".join(found)
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if not audited:
        return 0, (
            f"dependency audit could not run: none of {len(dependencies)} dependencies could be"
            " checked (vulnerability service unreachable); not failing"
        )
    skipped = len(dependencies) - len(audited)
    return 0, (
        f"dependency audit: {len(audited)} dependencies checked, no known vulnerabilities"
        + (f" ({skipped} could not be checked)" if skipped else "")
    )


if __name__ == "__main__":
    status, line = outcome(Path(sys.argv[1]).read_text() if Path(sys.argv[1]).exists() else "")
    print(line)
    sys.exit(status)
