"""Prometheus text exposition without a dependency: a few counters and scrape-time gauges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping

GaugeSource = Callable[[], Awaitable[Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]]]


class Metrics:
    def __init__(self) -> None:
        self.counters: defaultdict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(
            float
        )
        self._help: dict[str, str] = {
            "tsunagari_updates_handled_total": "Telegram updates processed",
            "tsunagari_updates_set_aside_total": (
                "Updates set aside after failing, by stage (intake or handler)"
            ),
            "tsunagari_messages_sent_total": "Messages Telegram accepted, by purpose",
            "tsunagari_sends_failed_total": "Failed send attempts, by reason",
            "tsunagari_flood_waits_total": (
                "429 answers, by scope: one chat held (chat) or all sending paused (bot)"
            ),
            "tsunagari_checkins_due": "People whose check-in is due now",
            "tsunagari_open_escalations": "Open or acknowledged escalations, by priority",
            "tsunagari_outbox_pending": "Messages waiting in the outbox",
            "tsunagari_escalations_unreachable_total": (
                "Escalations that found no reachable responder"
            ),
            "tsunagari_escalations_waiting_for_responder": (
                "Open escalations waiting for a responder the bot can reach"
            ),
        }
        self.gauge_source: GaugeSource | None = None
        # Present from the first scrape, so rate() works before the first update arrives.
        self.counters[("tsunagari_updates_handled_total", ())] = 0.0
        self.counters[("tsunagari_escalations_unreachable_total", ())] = 0.0

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        self.counters[(name, tuple(sorted(labels.items())))] += amount

    def value(self, name: str, **labels: str) -> float:
        return self.counters.get((name, tuple(sorted(labels.items()))), 0.0)

    @staticmethod
    def _line(name: str, labels: tuple[tuple[str, str], ...], value: float) -> str:
        if labels:
            inner = ",".join(f'{k}="{v}"' for k, v in labels)
            return f"{name}{{{inner}}} {value:g}"
        return f"{name} {value:g}"

    async def render(self) -> str:
        series: dict[str, list[str]] = {}
        kinds: dict[str, str] = {}
        for (name, labels), value in sorted(self.counters.items()):
            series.setdefault(name, []).append(self._line(name, labels, value))
            kinds[name] = "counter"
        if self.gauge_source is not None:
            for name, values in (await self.gauge_source()).items():
                kinds[name] = "gauge"
                series[name] = [self._line(name, lbl, v) for lbl, v in sorted(values.items())]
        lines: list[str] = []
        for name in sorted(series):
            lines.append(f"# HELP {name} {self._help.get(name, name)}")
            lines.append(f"# TYPE {name} {kinds[name]}")
            lines.extend(series[name])
        return "\n".join(lines) + "\n"
