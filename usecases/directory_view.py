"""The resource directory as the web view shows and edits it.

Adding and editing go through the same rules and the same use cases as `/resource add|edit`
in the chat and `tsunagari resources add`: `domain.ties.parse_resource_row` decides what a
resource may hold, `usecases.resources.add_resource` and `edit_resource` change it and
write the same audit entries. This module only reads a form into those calls and says,
field by field, what the rule refused, so the page can put the words beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import StaffRole
from domain.ties import RESOURCE_FIELDS, RESOURCE_LIMITS, ResourceKind, parse_resource_row
from infra.i18n import Catalog
from storage.resources import Resource, ResourceRepository
from storage.staff import Staff
from usecases.resources import add_resource, edit_resource, resource_fields

__all__ = [
    "FORM_FIELDS",
    "FieldProblem",
    "FormResult",
    "add_from_form",
    "directory",
    "edit_from_form",
    "form_values",
    "is_coordinator",
    "resource_to_edit",
]

# What the page's form sends: the directory's fields, and `active` as a checkbox.
FORM_FIELDS = (*RESOURCE_FIELDS, "active")


class FieldProblem(StrEnum):
    """Why a field was refused; its words are web.resources.problem_<value>."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_KIND = "unknown_kind"


@dataclass(frozen=True)
class FormResult:
    """A saved resource, or the form's problems by field (nothing saved)."""

    resource: Resource | None
    problems: dict[str, FieldProblem]


def is_coordinator(staff: Staff) -> bool:
    """Who may change the directory: the chat's /resource is for coordinators only."""
    return staff.role is StaffRole.COORDINATOR


async def directory(session: AsyncSession) -> list[Resource]:
    """Every resource, inactive ones included (marked so), as /resources lists them."""
    return await ResourceRepository(session).all()


async def resource_to_edit(session: AsyncSession, number: int) -> Resource | None:
    return await ResourceRepository(session).get(number)


def form_values(form: Mapping[str, object]) -> dict[str, str]:
    """The form's text values by field; the checkbox reads as true or false."""
    values = {f: str(form.get(f, "")) for f in RESOURCE_FIELDS}
    values["active"] = "true" if form.get("active") else "false"
    return values


def _problems(values: Mapping[str, str]) -> dict[str, FieldProblem]:
    """Which fields the shared rule refuses, by field (only called once it refused)."""
    found: dict[str, FieldProblem] = {}
    for field, limit in RESOURCE_LIMITS.items():
        value = values.get(field, "").strip()
        if len(value) > limit:
            found[field] = FieldProblem.TOO_LONG
        elif field == "name" and not value:
            found[field] = FieldProblem.EMPTY
    if values.get("kind", "").strip().lower() not in {k.value for k in ResourceKind}:
        found["kind"] = FieldProblem.UNKNOWN_KIND
    return found


def _check(values: Mapping[str, str]) -> dict[str, FieldProblem]:
    try:
        parse_resource_row(values)
    except ValueError:
        # The rule refused: name each field it would refuse (at least one, always).
        return _problems(values) or {"name": FieldProblem.EMPTY}
    return {}


async def add_from_form(
    session: AsyncSession, staff: Staff, values: Mapping[str, str], now: datetime
) -> FormResult:
    problems = _check(values)
    if problems:
        return FormResult(None, problems)
    fields = parse_resource_row(values)
    resource = await add_resource(session, fields, now, staff_id=staff.id)
    return FormResult(resource, {})


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StrEnum):
        return value.value
    return "" if value is None else str(value)


async def edit_from_form(
    session: AsyncSession,
    catalog: Catalog,
    staff: Staff,
    resource: Resource,
    values: Mapping[str, str],
    now: datetime,
) -> FormResult:
    """Every changed field through `edit_resource`, as `/resource edit` changes one: one
    `resource.changed` entry per field. The whole form is checked first, so a refused
    field leaves the resource as it was."""
    problems = _check(values)
    if problems:
        return FormResult(None, problems)
    current = resource_fields(resource)
    for field in FORM_FIELDS:
        given = values.get(field, "").strip()
        if given != _shown(getattr(current, field)):
            await edit_resource(session, catalog, resource, field, given, now, staff_id=staff.id)
    return FormResult(resource, {})
