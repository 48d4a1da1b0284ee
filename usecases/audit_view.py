"""The audit log as coordinators read it in the web view: newest first, a page at a time,
filtered by action and by person. Reading it is itself audited (`audit.read`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditRepository
from storage.staff import Staff
from usecases.services import Services
from usecases.words import person_label

__all__ = ["PAGE_SIZE", "AuditFilter", "AuditLine", "AuditPage", "audit_page", "detail_words"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    person_id: int | None = None

    def detail(self) -> dict[str, object]:
        """The filter as an audit entry's detail (what was looked at, never the rows)."""
        return {k: v for k, v in (("action", self.action), ("person_id", self.person_id)) if v}


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str  # the staff member's name, or what acted (the command line, the bot) in words
    actor_staff_id: int | None
    action: str  # the action's name as stored: the log's own vocabulary
    person: str | None  # the person's label, when the entry is about one
    detail: str  # ids and settings only; the log never holds message text


@dataclass(frozen=True)
class AuditPage:
    lines: list[AuditLine]
    total: int
    page: int
    pages: int
    actions: list[str]  # every action in the log, for the filter


def detail_words(detail: str | None) -> str:
    """An entry's detail as `key: value` pairs (the stored JSON holds ids and tokens)."""
    if not detail:
        return ""
    try:
        found = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(found, dict):
        return str(found)
    return ", ".join(
        f"{k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}"
        for k, v in found.items()
    )


async def audit_page(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    language: str,
    wanted: AuditFilter,
    page: int,
    now: datetime,
) -> AuditPage:
    """One page (from 1) of the entries matching `wanted`; the read is recorded after the
    page is read, so it shows first on the next one."""
    repo = AuditRepository(session)
    total, rows = await repo.page(
        action=wanted.action,
        person_id=wanted.person_id,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    lines = [
        AuditLine(
            id=entry.id,
            at=entry.at,
            actor=staff_name or svc.text(language, f"web.audit.actor.{entry.actor}"),
            actor_staff_id=entry.actor_staff_id,
            action=entry.action,
            person=(
                person_label(svc.catalog, language, name, entry.person_id)
                if entry.person_id is not None
                else None
            ),
            detail=detail_words(entry.detail),
        )
        for entry, staff_name, name in rows
    ]
    actions = await repo.actions()
    repo.record(
        action="audit.read",
        staff_id=staff.id,
        now=now,
        detail={"page": page, "shown": len(lines), **wanted.detail()},
    )
    return AuditPage(
        lines=lines,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        actions=actions,
    )
