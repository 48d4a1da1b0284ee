"""Coordinators' exports: the caseload, the escalations and the audit log as rows, for the
web view to write as CSV or JSON. Every download is audited (`export.downloaded`).

No message text leaves this way: people's rows carry ids, states and times; episodes their
reasons, states and outcomes but not their notes; audit entries their ids and settings
(the log never holds text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditRepository
from storage.escalations import EscalationRepository, episode_reasons
from storage.people import PersonRepository
from storage.staff import Staff
from usecases.audit_view import AuditFilter

__all__ = ["AUDIT_EXPORT_LIMIT", "Export", "ExportFormat", "ExportKind", "export_rows"]

# The newest entries an audit export holds: a log grows without end, a download may not.
AUDIT_EXPORT_LIMIT = 100_000
Value = str | int | bool | list[str] | dict[str, Any] | None


class ExportKind(StrEnum):
    CASELOAD = "caseload"
    ESCALATIONS = "escalations"
    AUDIT = "audit"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class Export:
    kind: ExportKind
    columns: tuple[str, ...]
    rows: list[dict[str, Value]]


CASELOAD_COLUMNS = (
    "id",
    "name",
    "status",
    "worker_id",
    "backup_worker_id",
    "language",
    "cadence_level",
    "consented_at",
    "last_reply_at",
    "next_checkin_at",
    "paused_until",
    "stopped_at",
)
ESCALATION_COLUMNS = (
    "id",
    "person_id",
    "reason",
    "reasons",
    "priority",
    "state",
    "level",
    "created_at",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "outcome",
)
AUDIT_COLUMNS = ("id", "at", "actor", "actor_staff_id", "action", "person_id", "detail")


def _at(moment: datetime | None) -> str | None:
    """Times in UTC, ISO 8601: a spreadsheet or a script reads them the same way."""
    return moment.isoformat() if moment is not None else None


def _token(value: StrEnum | None) -> str | None:
    return value.value if value is not None else None


async def _caseload(session: AsyncSession) -> list[dict[str, Value]]:
    return [
        {
            "id": p.id,
            "name": p.display_name,
            "status": p.status.value,
            "worker_id": p.worker_id,
            "backup_worker_id": p.backup_worker_id,
            "language": p.language,
            "cadence_level": p.cadence_level.value,
            "consented_at": _at(p.consented_at),
            "last_reply_at": _at(p.last_reply_at),
            "next_checkin_at": _at(p.next_checkin_at),
            "paused_until": _at(p.paused_until),
            "stopped_at": _at(p.stopped_at),
        }
        for p in await PersonRepository(session).all()
    ]


async def _escalations(session: AsyncSession) -> list[dict[str, Value]]:
    found = await EscalationRepository(session).listing(include_closed=True)
    reasons = await episode_reasons(session, [e.id for e, _, _ in found])
    return [
        {
            "id": e.id,
            "person_id": e.person_id,
            "reason": e.reason.value,
            "reasons": [r.value for r in reasons.get(e.id, [e.reason])],
            "priority": e.priority.value,
            "state": e.state.value,
            "level": e.level.name.lower(),
            "created_at": _at(e.created_at),
            "acknowledged_at": _at(e.acknowledged_at),
            "acknowledged_by": e.acknowledged_by,
            "resolved_at": _at(e.resolved_at),
            "outcome": _token(e.outcome),
        }
        for e, _person_tg, _holder_tg in found
    ]


async def _audit(session: AsyncSession, wanted: AuditFilter) -> list[dict[str, Value]]:
    _total, rows = await AuditRepository(session).page(
        action=wanted.action, person_id=wanted.person_id, offset=0, limit=AUDIT_EXPORT_LIMIT
    )
    return [
        {
            "id": a.id,
            "at": _at(a.at),
            "actor": a.actor,
            "actor_staff_id": a.actor_staff_id,
            "action": a.action,
            "person_id": a.person_id,
            "detail": json.loads(a.detail) if a.detail else None,
        }
        for a, _staff_name, _person_name in rows
    ]


async def export_rows(
    session: AsyncSession,
    staff: Staff,
    kind: ExportKind,
    form: ExportFormat,
    now: datetime,
    wanted: AuditFilter | None = None,
) -> Export:
    """The rows of one export (the caller checked the role); the download is audited with
    what was exported and how many rows, never the rows themselves."""
    if kind is ExportKind.CASELOAD:
        export = Export(kind, CASELOAD_COLUMNS, await _caseload(session))
    elif kind is ExportKind.ESCALATIONS:
        export = Export(kind, ESCALATION_COLUMNS, await _escalations(session))
    else:
        export = Export(kind, AUDIT_COLUMNS, await _audit(session, wanted or AuditFilter()))
    AuditRepository(session).record(
        action="export.downloaded",
        staff_id=staff.id,
        now=now,
        detail={
            "export": kind.value,
            "format": form.value,
            "rows": len(export.rows),
            **(wanted.detail() if wanted is not None and kind is ExportKind.AUDIT else {}),
        },
    )
    return export
