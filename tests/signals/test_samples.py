"""The shared labelled samples: the floor the classifier must never fall below."""

from __future__ import annotations

from pathlib import Path

import pytest

from signals import Severity, classify

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "signals-sample.tsv"


def _load() -> list[tuple[Severity, frozenset[Severity], str]]:
    if not SAMPLES.exists():
        return []
    rows: list[tuple[Severity, frozenset[Severity], str]] = []
    for raw in SAMPLES.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        label, also, text = raw.split("\t", 2)
        accepted = {Severity(label)}
        if also != "-":
            accepted |= {Severity(a.strip()) for a in also.split(",")}
        rows.append((Severity(label), frozenset(accepted), text))
    return rows


ROWS = _load()
# The reason names the file relative to the repository, never this machine's absolute path.
pytestmark = pytest.mark.skipif(
    not ROWS,
    reason="the shared labelled samples are not beside this clone (../shared/signals-sample.tsv)",
)


@pytest.mark.parametrize(("label", "accepted", "text"), ROWS, ids=[r[2][:30] for r in ROWS])
def test_sample_label_is_accepted(
    label: Severity, accepted: frozenset[Severity], text: str
) -> None:
    got = classify(text)
    assert got.severity in accepted, got.explain()


@pytest.mark.parametrize(
    "text", [r[2] for r in ROWS if r[0] is Severity.CRITICAL], ids=lambda t: t[:30]
)
def test_every_critical_sample_is_critical(text: str) -> None:
    assert classify(text).severity is Severity.CRITICAL


@pytest.mark.parametrize(
    "text", [r[2] for r in ROWS if r[0] is Severity.NONE], ids=lambda t: t[:30]
)
def test_no_everyday_sample_is_critical(text: str) -> None:
    assert classify(text).severity is not Severity.CRITICAL
