"""Fixtures for the signals tests: a deterministic stand-in for the learned layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from signals import Severity


@dataclass(frozen=True, slots=True)
class FixedVerdict:
    severity: Severity
    confidence: float
    features: tuple[str, ...]


class FixedModel:
    """Says the same thing about every message and counts how often it was asked."""

    def __init__(self, severity: Severity, confidence: float, *, fail: bool = False) -> None:
        self.verdict = FixedVerdict(severity, confidence, ("char:消え", "lemma:もう"))
        self.fail = fail
        self.calls = 0

    def predict(self, text: str) -> FixedVerdict:
        self.calls += 1
        if self.fail:
            raise RuntimeError("model file missing")
        return self.verdict


@pytest.fixture
def fixed_model() -> Callable[..., FixedModel]:
    def make(severity: Severity, confidence: float, *, fail: bool = False) -> FixedModel:
        return FixedModel(severity, confidence, fail=fail)

    return make
