"""Metrics through prometheus_client: names, types, escaping, histograms, one registry per
instance, and the scrape-time gauges read from a real database (the oldest open P1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from domain.escalation import EscalationReason, EscalationState, Priority, StepLevel
from infra.metrics import COUNTERS, GAUGES, HISTOGRAMS, GaugeValues, Metrics
from storage.db import Database
from storage.escalations import Escalation, EscalationReasonEntry
from tests.conftest import START
from usecases.stats import gauges

P1_AGE = "tsunagari_oldest_unacknowledged_p1_seconds"


async def scrape(metrics: Metrics) -> dict[str, tuple[str, list[Sample]]]:
    """The rendered text, parsed back by prometheus_client's own parser: name -> (type, samples)."""
    text = (await metrics.render()).decode()
    return {f.name: (f.type, f.samples) for f in text_string_to_metric_families(text)}


def sample(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, samples)
    return found[0]


async def test_every_metric_is_exposed_with_its_type_and_help() -> None:
    metrics = Metrics()
    metrics.inc("tsunagari_updates_handled_total")
    metrics.inc("tsunagari_messages_sent_total", purpose="reply")
    metrics.inc("tsunagari_messages_sent_total", 2, purpose="reply")
    metrics.observe("tsunagari_send_duration_seconds", 0.07, purpose="reply")
    metrics.observe("tsunagari_update_to_reply_seconds", 0.3)

    async def source() -> dict[str, GaugeValues]:
        return {
            "tsunagari_outbox_pending": {(): 3.0},
            "tsunagari_open_escalations": {(("priority", "P1"),): 1.0, (("priority", "P2"),): 0.0},
        }

    metrics.gauge_source = source
    text = (await metrics.render()).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    # The parser drops a counter's `_total` from the family name.
    for name, (help_text, _labels) in COUNTERS.items():
        family = families[name.removesuffix("_total")]
        assert (family.type, family.documentation) == ("counter", help_text)
    for name, (help_text, _labels, _buckets) in HISTOGRAMS.items():
        assert (families[name].type, families[name].documentation) == ("histogram", help_text)
    for name in ("tsunagari_outbox_pending", "tsunagari_open_escalations"):
        assert (families[name].type, families[name].documentation) == ("gauge", GAUGES[name])

    # Label-less counters are there from the first scrape, so rate() works at once.
    handled = families["tsunagari_updates_handled"].samples
    assert sample(handled, "tsunagari_updates_handled_total") == 1
    assert (
        sample(
            families["tsunagari_escalations_unreachable"].samples,
            "tsunagari_escalations_unreachable_total",
        )
        == 0
    )
    sent = families["tsunagari_messages_sent"].samples
    assert sample(sent, "tsunagari_messages_sent_total", purpose="reply") == 3
    send = families["tsunagari_send_duration_seconds"].samples
    assert sample(send, "tsunagari_send_duration_seconds_count", purpose="reply") == 1
    assert sample(send, "tsunagari_send_duration_seconds_bucket", purpose="reply", le="0.05") == 0
    assert sample(send, "tsunagari_send_duration_seconds_bucket", purpose="reply", le="0.1") == 1
    reply = families["tsunagari_update_to_reply_seconds"].samples
    assert sample(reply, "tsunagari_update_to_reply_seconds_sum") == pytest.approx(0.3)
    escalations = families["tsunagari_open_escalations"].samples
    assert sample(escalations, "tsunagari_open_escalations", priority="P1") == 1
    assert sample(escalations, "tsunagari_open_escalations", priority="P2") == 0
    assert sample(families["tsunagari_outbox_pending"].samples, "tsunagari_outbox_pending") == 3
    assert all(s.name.startswith("tsunagari_") for f in families.values() for s in f.samples)


async def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    awkward = 'a "quoted" back\\slash\nand a new line'
    metrics.inc("tsunagari_sends_failed_total", reason=awkward)

    async def source() -> dict[str, GaugeValues]:
        return {"tsunagari_open_escalations": {(("priority", awkward),): 4.0}}

    metrics.gauge_source = source
    text = (await metrics.render()).decode()
    assert '\\"quoted\\" back\\\\slash\\nand' in text
    families = {f.name: f.samples for f in text_string_to_metric_families(text)}
    failed = families["tsunagari_sends_failed"]
    assert sample(failed, "tsunagari_sends_failed_total", reason=awkward) == 1
    escalations = families["tsunagari_open_escalations"]
    assert sample(escalations, "tsunagari_open_escalations", priority=awkward) == 4


async def test_timed_observes_answers_and_errors() -> None:
    metrics = Metrics()

    async def answer() -> int:
        return 7

    async def fail() -> int:
        raise ConnectionError("no answer")

    assert await metrics.timed(answer(), "tsunagari_send_duration_seconds", purpose="checkin") == 7
    with pytest.raises(ConnectionError):
        await metrics.timed(fail(), "tsunagari_send_duration_seconds", purpose="checkin")
    count = metrics.value("tsunagari_send_duration_seconds_count", purpose="checkin")
    assert count == 2
    assert metrics.value("tsunagari_send_duration_seconds_count", purpose="reply") == 0


def test_each_instance_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.inc("tsunagari_flood_waits_total", scope="chat")
    assert one.value("tsunagari_flood_waits_total", scope="chat") == 1
    assert two.value("tsunagari_flood_waits_total", scope="chat") == 0


def test_unknown_names_and_wrong_labels_fail_loudly() -> None:
    metrics = Metrics()
    with pytest.raises(KeyError):
        metrics.inc("tsunagari_updates_handeld_total")
    with pytest.raises(ValueError):
        metrics.inc("tsunagari_messages_sent_total", reason="reply")
    with pytest.raises(KeyError):
        metrics.observe("tsunagari_send_seconds", 1.0, purpose="reply")


async def test_a_gauge_with_mixed_label_names_is_refused() -> None:
    metrics = Metrics()

    async def source() -> dict[str, GaugeValues]:
        return {"tsunagari_open_escalations": {(("priority", "P1"),): 1.0, (): 2.0}}

    metrics.gauge_source = source
    with pytest.raises(ValueError, match="tsunagari_open_escalations"):
        await metrics.render()


# --- the scrape-time gauges from a real database ----------------------------------------------


def episode(
    telegram_id: int, priority: Priority, state: EscalationState, at: datetime
) -> Escalation:
    active = state in (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)
    return Escalation(
        stranger_telegram_id=telegram_id,
        reason=EscalationReason.DISTRESS,
        priority=priority,
        state=state,
        open_key=f"s:{telegram_id}" if active else None,
        created_at=at,
        updated_at=at,
        level=StepLevel.WORKER,
    )


async def p1_age(db: Database, now: datetime) -> float:
    async with db.read_session() as session:
        values = await gauges(session, now)
    assert set(values) <= set(GAUGES), "every gauge needs its help text in infra.metrics"
    return values[P1_AGE][()]


async def test_the_oldest_open_p1_gauge(db: Database) -> None:
    now = START
    assert await p1_age(db, now) == 0, "no P1 waiting reads 0"

    async with db.transaction() as session:
        # Not counted: acknowledged, resolved, or not P1.
        session.add_all(
            [
                episode(1, Priority.P1, EscalationState.ACKNOWLEDGED, now - timedelta(hours=5)),
                episode(2, Priority.P1, EscalationState.RESOLVED, now - timedelta(hours=6)),
                episode(3, Priority.P2, EscalationState.OPEN, now - timedelta(hours=7)),
            ]
        )
    assert await p1_age(db, now) == 0

    async with db.transaction() as session:
        recent = episode(4, Priority.P1, EscalationState.OPEN, now - timedelta(minutes=10))
        # Opened as P2 two hours ago; a distress message made it P1 30 minutes ago.
        raised = episode(5, Priority.P1, EscalationState.OPEN, now - timedelta(hours=2))
        session.add_all([recent, raised])
        await session.flush()
        session.add_all(
            [
                EscalationReasonEntry(
                    escalation_id=recent.id,
                    reason=EscalationReason.DISTRESS,
                    priority=Priority.P1,
                    at=now - timedelta(minutes=10),
                ),
                EscalationReasonEntry(
                    escalation_id=raised.id,
                    reason=EscalationReason.SILENCE,
                    priority=Priority.P2,
                    at=now - timedelta(hours=2),
                ),
                EscalationReasonEntry(
                    escalation_id=raised.id,
                    reason=EscalationReason.DISTRESS,
                    priority=Priority.P1,
                    at=now - timedelta(minutes=30),
                ),
            ]
        )
    assert await p1_age(db, now) == 30 * 60, "urgent since it became P1, not since it opened"
    assert await p1_age(db, now + timedelta(seconds=15)) == 30 * 60 + 15

    async with db.transaction() as session:
        # An episode without reason rows (written before they existed) counts from its start.
        session.add(episode(6, Priority.P1, EscalationState.OPEN, now - timedelta(minutes=45)))
    assert await p1_age(db, now) == 45 * 60

    metrics = Metrics()

    async def source() -> dict[str, GaugeValues]:
        async with db.read_session() as session:
            return dict(await gauges(session, now))

    metrics.gauge_source = source
    kind, samples = (await scrape(metrics))[P1_AGE]
    assert kind == "gauge"
    assert sample(samples, P1_AGE) == 45 * 60
