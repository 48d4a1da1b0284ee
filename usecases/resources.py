"""The organisation's directory of community resources: add, import, edit, list.

Shared by the command line and the coordinators' chat commands. A CSV import is
all-or-nothing: every bad row is reported by its line number with what is wrong, and
nothing is added unless every row is good.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import TsunagariError
from domain.ties import (
    RESOURCE_FIELDS,
    ResourceFields,
    ResourceKind,
    parse_active,
    parse_resource_row,
)
from infra.i18n import Catalog
from storage.audit import AuditRepository
from storage.resources import Resource, ResourceRepository

__all__ = [
    "CSV_COLUMNS",
    "EDITABLE",
    "ResourceImportError",
    "RowProblem",
    "add_resource",
    "edit_resource",
    "import_resources",
    "kind_from_text",
    "kind_word",
    "read_resources_csv",
    "resource_fields",
]

CSV_COLUMNS = (*RESOURCE_FIELDS, "active")
EDITABLE = frozenset(CSV_COLUMNS)
LANGUAGES = ("ja", "en")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int  # the line of the file, the header being line 1
    problem: str


class ResourceImportError(TsunagariError):
    """A CSV file that cannot be imported as a whole; `problems` lists each bad line."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(
            "nothing imported: " + "; ".join(f"line {p.line}: {p.problem}" for p in problems)
        )


def read_resources_csv(text: str) -> list[ResourceFields]:
    """Every row of a resources CSV (header: name, kind, and any of area, contact, hours,
    url, notes, active), or ResourceImportError listing every bad line."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "kind") if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        parts = [f"missing column {c}" for c in missing] + [
            f"unknown column {h!r}" for h in unknown
        ]
        raise ResourceImportError([RowProblem(1, ", ".join(parts))])
    reader.fieldnames = header
    rows: list[ResourceFields] = []
    problems: list[RowProblem] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(RowProblem(line, "more values than columns"))
            continue
        if not any((v or "").strip() for v in row.values()):
            continue  # a blank line
        try:
            rows.append(parse_resource_row(row))
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    if problems:
        raise ResourceImportError(problems)
    if not rows:
        raise ResourceImportError([RowProblem(1, "no rows after the header")])
    return rows


async def add_resource(
    session: AsyncSession,
    fields: ResourceFields,
    now: datetime,
    *,
    actor: str = "staff",
    staff_id: int | None = None,
) -> Resource:
    resource = await ResourceRepository(session).add(fields, now=now)
    AuditRepository(session).record(
        action="resource.added",
        actor=actor,
        staff_id=staff_id,
        now=now,
        detail={"resource_id": resource.id},
    )
    return resource


async def import_resources(
    session: AsyncSession, fields: list[ResourceFields], now: datetime
) -> list[Resource]:
    """Every row in the caller's one transaction: all of them or none."""
    added = await ResourceRepository(session).add_all(fields, now=now)
    AuditRepository(session).record(
        action="resource.imported", actor="cli", now=now, detail={"count": len(added)}
    )
    return added


def resource_fields(resource: Resource) -> ResourceFields:
    return ResourceFields(
        name=resource.name,
        kind=resource.kind,
        area=resource.area,
        contact=resource.contact,
        hours=resource.hours,
        url=resource.url,
        notes=resource.notes,
        active=resource.active,
    )


async def edit_resource(
    session: AsyncSession,
    catalog: Catalog,
    resource: Resource,
    field: str,
    value: str,
    now: datetime,
    *,
    staff_id: int,
) -> None:
    """Change one field; ValueError (with what is wrong) leaves the resource as it was."""
    if field not in EDITABLE:
        raise ValueError(f"unknown field {field!r}")
    current = resource_fields(resource)
    if field == "kind":
        kind = kind_from_text(catalog, value)
        if kind is None:
            raise ValueError("unknown kind")
        changed = replace(current, kind=kind)
    elif field == "active":
        changed = replace(current, active=parse_active(value))
    else:
        row = {f: getattr(current, f) for f in RESOURCE_FIELDS}
        row["kind"] = current.kind.value
        row[field] = value
        changed = replace(parse_resource_row(row), active=current.active)
    await ResourceRepository(session).update(resource, changed, now=now)
    AuditRepository(session).record(
        action="resource.changed",
        staff_id=staff_id,
        now=now,
        detail={"resource_id": resource.id, "field": field},
    )


def kind_word(catalog: Catalog, language: str, kind: ResourceKind) -> str:
    """The kind as people read it: a word from the catalog, never the token."""
    return catalog.text(language, f"resource_kind.{kind.value}")


def kind_from_text(catalog: Catalog, text: str) -> ResourceKind | None:
    """A kind typed as its token (food) or its word in either language (食べもの)."""
    typed = text.strip().casefold()
    for kind in ResourceKind:
        if typed == kind.value or any(
            typed == kind_word(catalog, language, kind).casefold() for language in LANGUAGES
        ):
            return kind
    return None
