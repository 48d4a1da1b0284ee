"""What handlers and steps share: settings, database, clock, catalog, metrics, wake-ups.

Stored in `Application.bot_data["services"]`; handlers reach it through `services()`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import CallbackContext

from domain.errors import ConfigError
from infra.clock import Clock
from infra.i18n import Catalog
from infra.metrics import Metrics
from infra.settings import Settings
from signals import Classifier, CrisisLine, SignalsConfigError, load_crisis_lines
from signals.classifier import default_classifier
from storage.db import Database


def organisation_signals(settings: Settings) -> tuple[Classifier, list[CrisisLine]]:
    """The classifier with the organisation's rules, and its crisis lines; errors name the
    key. Built once per process, before `Services`."""
    cfg = settings.signals
    classifier = default_classifier()
    if cfg.extra_rules is not None or cfg.disabled_rules:
        try:
            classifier = Classifier.from_files(cfg.extra_rules, cfg.disabled_rules)
        except (SignalsConfigError, OSError) as exc:
            raise ConfigError("signals.extra_rules", "a valid rules file", str(exc)) from None
    try:
        lines = load_crisis_lines(cfg.crisis_lines)
    except (SignalsConfigError, OSError) as exc:
        raise ConfigError("signals.crisis_lines", "a valid crisis lines file", str(exc)) from None
    return classifier, lines


@dataclass(frozen=True)
class Services:
    """Built once, complete, and never changed afterwards."""

    settings: Settings
    db: Database
    clock: Clock
    catalog: Catalog
    metrics: Metrics = field(default_factory=Metrics)
    # Set when the outbox has new rows, so delivery does not wait for the next tick.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    classifier: Classifier = field(default_factory=default_classifier)
    crisis_lines: list[CrisisLine] = field(default_factory=load_crisis_lines)
    # Updates a handler's turn claimed (committed with its effects): the update processor
    # then needs no transaction of its own to mark them processed.
    claimed_updates: set[int] = field(default_factory=set)

    def wake_delivery(self) -> None:
        self.outbox_wakeup.set()

    def text(self, language: str, key: str, /, **params: object) -> str:
        return self.catalog.text(language, key, **params)

    def staff_time(self, value: datetime | None) -> str:
        """An instant as staff read it (chat and web view alike): month/day hour:minute in
        the organisation's zone."""
        if value is None:
            return "-"
        zone = ZoneInfo(self.settings.escalation.timezone)
        return value.astimezone(zone).strftime("%m/%d %H:%M")


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    svc = context.application.bot_data["services"]
    assert isinstance(svc, Services)
    return svc
