"""Prometheus metrics through prometheus_client: counters and histograms the code updates
as things happen, and gauges read from the database at each scrape.

Every `Metrics` has its own `CollectorRegistry`: tests run many bots in one process, and
the library's global registry would mix their figures. Metric names and help texts are
what dashboards and the operator guide rely on: change them only together with those.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

__all__ = [
    "CONTENT_TYPE",
    "COUNTERS",
    "GAUGES",
    "HISTOGRAMS",
    "GaugeSource",
    "GaugeValues",
    "Metrics",
]

# One gauge's samples: label pairs (name, value) -> value.
GaugeValues = Mapping[tuple[tuple[str, str], ...], float]
GaugeSource = Callable[[], Awaitable[Mapping[str, GaugeValues]]]

# The text format generate_latest writes (0.0.4); Prometheus reads its version from here.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# name -> (help, label names)
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tsunagari_updates_handled_total": ("Telegram updates processed", ()),
    "tsunagari_updates_set_aside_total": (
        "Updates set aside after failing, by stage (intake or handler)",
        ("stage",),
    ),
    "tsunagari_messages_sent_total": ("Messages Telegram accepted, by purpose", ("purpose",)),
    "tsunagari_sends_failed_total": ("Failed send attempts, by reason", ("reason",)),
    "tsunagari_flood_waits_total": (
        "429 answers, by scope: one chat held (chat) or all sending paused (bot)",
        ("scope",),
    ),
    "tsunagari_escalations_unreachable_total": (
        "Escalations that found no reachable responder",
        (),
    ),
}

# name -> (help, label names, bucket upper bounds in seconds)
HISTOGRAMS: dict[str, tuple[str, tuple[str, ...], tuple[float, ...]]] = {
    # A Bot API call answers in tens to hundreds of milliseconds; the upper buckets catch
    # the slow answers and timeouts that hold a chat's queue back.
    "tsunagari_send_duration_seconds": (
        "Seconds from the start of a Bot API send to Telegram's answer, by purpose",
        ("purpose",),
        (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    ),
    # The processor wakes as soon as an update is stored, so this is normally well under a
    # second; the long buckets show a backlog or retries of a failing update.
    "tsunagari_update_to_reply_seconds": (
        "Seconds from an update being stored to its handling being committed "
        "(the reply queued in the outbox)",
        (),
        (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
    ),
}

# Read from the database at each scrape (name -> help); the gauge source names them.
GAUGES: dict[str, str] = {
    "tsunagari_checkins_due": "People whose check-in is due now",
    "tsunagari_open_escalations": "Open or acknowledged escalations, by priority",
    "tsunagari_outbox_pending": "Messages waiting in the outbox",
    "tsunagari_escalations_waiting_for_responder": (
        "Open escalations waiting for a responder the bot can reach"
    ),
    "tsunagari_oldest_unacknowledged_p1_seconds": (
        "Age in seconds of the oldest open (unacknowledged) P1 escalation, "
        "counted from when it became P1; 0 when none"
    ),
}

T = TypeVar("T")


class _DatabaseGauges:
    """A collector for the scrape-time gauges. prometheus_client collects synchronously
    while the source is async, so `Metrics.render` awaits the source, hands the values
    here and renders without yielding in between: concurrent scrapes cannot mix."""

    def __init__(self) -> None:
        self.values: Mapping[str, GaugeValues] | None = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Lets the registry refuse a counter or histogram that reuses a gauge's name.
        for name, help_text in GAUGES.items():
            yield GaugeMetricFamily(name, help_text)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, samples in sorted((self.values or {}).items()):
            label_names = [k for k, _ in next(iter(samples), ())]
            family = GaugeMetricFamily(name, GAUGES[name], labels=label_names)
            for labels, value in sorted(samples.items()):
                if [k for k, _ in labels] != label_names:
                    raise ValueError(f"{name}: every sample needs the labels {label_names}")
                family.add_metric([v for _, v in labels], value)
            yield family


class Metrics:
    """The bot's metrics. Counters and histograms are named by their full names above;
    an unknown name or a wrong set of labels raises, so a typo fails a test."""

    def __init__(self, gauge_source: GaugeSource | None = None) -> None:
        self.registry = CollectorRegistry()
        self._counters = {
            name: Counter(name, help_text, labels, registry=self.registry)
            for name, (help_text, labels) in COUNTERS.items()
        }
        self._histograms = {
            name: Histogram(name, help_text, labels, registry=self.registry, buckets=buckets)
            for name, (help_text, labels, buckets) in HISTOGRAMS.items()
        }
        self._gauges = _DatabaseGauges()
        self.registry.register(self._gauges)
        # Read at each scrape: values the database knows (due check-ins, open escalations).
        self.gauge_source = gauge_source

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        counter = self._counters[name]
        (counter.labels(**labels) if labels else counter).inc(amount)

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        histogram = self._histograms[name]
        (histogram.labels(**labels) if labels else histogram).observe(seconds)

    async def timed(self, call: Awaitable[T], name: str, **labels: str) -> T:
        """Await `call` and observe how long it took in histogram `name`, whether it
        answered or raised. A cancelled call got no answer and is not observed."""
        started = time.perf_counter()
        try:
            result = await call
        except Exception:
            self.observe(name, time.perf_counter() - started, **labels)
            raise
        self.observe(name, time.perf_counter() - started, **labels)
        return result

    def value(self, name: str, **labels: str) -> float:
        """One sample's value by its full name (`..._total`, `..._count`); 0 when absent."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    async def render(self) -> bytes:
        """The text exposition, with the database gauges read now."""
        values = await self.gauge_source() if self.gauge_source is not None else {}
        self._gauges.values = values
        try:
            return generate_latest(self.registry)
        finally:
            self._gauges.values = None
