"""The web view's resource forms (SQLite and PostgreSQL): the shared rule decides, each
refused field is named, a refused form changes nothing, an unchanged field is not
audited, and the figures' acknowledgement buckets."""

from __future__ import annotations

import json

from sqlalchemy import select

from domain.people import StaffRole
from domain.ties import ResourceKind
from infra.clock import ControllableClock
from infra.i18n import Catalog
from storage.audit import AuditEntry
from storage.db import Database
from storage.resources import Resource
from storage.staff import StaffRepository
from usecases.directory_view import FieldProblem, add_from_form, edit_from_form, form_values
from usecases.organisation_view import acknowledgement_buckets

GOOD = {"name": "フードバンク東", "kind": "food", "area": "東区", "active": "true"}


def test_the_form_reads_the_checkbox_as_true_or_false() -> None:
    assert form_values({"name": "A", "kind": "food", "active": "true"})["active"] == "true"
    assert form_values({"name": "A", "kind": "food"}) == {
        "name": "A",
        "kind": "food",
        "area": "",
        "contact": "",
        "hours": "",
        "url": "",
        "notes": "",
        "active": "false",
    }


def test_time_to_acknowledge_falls_in_buckets() -> None:
    series = acknowledgement_buckets([0.5, 14.9, 15, 59, 60, 239, 240, 1439, 1440, 10_000])
    assert series.values == [("0", 2), ("1", 2), ("2", 2), ("3", 2), ("4", 2)]
    assert series.largest == 2
    assert acknowledgement_buckets([]).largest == 0


async def _actions(db: Database) -> list[tuple[str, str | None]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
        )
        return [(a, d) for a, d in rows]


async def test_forms_add_and_edit_through_the_shared_rules(
    db: Database, clock: ControllableClock
) -> None:
    catalog = Catalog("ja")
    async with db.transaction() as session:
        staff = await StaffRepository(session).add(
            telegram_id=600, name="Ito", role=StaffRole.COORDINATOR, now=clock.now()
        )
        refused = await add_from_form(
            session, staff, {**GOOD, "name": " ", "notes": "x" * 1001, "kind": "shop"}, clock.now()
        )
        assert refused.resource is None
        assert refused.problems == {
            "name": FieldProblem.EMPTY,
            "notes": FieldProblem.TOO_LONG,
            "kind": FieldProblem.UNKNOWN_KIND,
        }
        added = await add_from_form(session, staff, GOOD, clock.now())
        resource = added.resource
        assert resource is not None and resource.kind is ResourceKind.FOOD

        unchanged = {**GOOD, "contact": "", "hours": "", "url": "", "notes": ""}
        assert (
            await edit_from_form(session, catalog, staff, resource, unchanged, clock.now())
        ).problems == {}
        too_long = {**unchanged, "area": "x" * 101, "hours": "月〜金"}
        result = await edit_from_form(session, catalog, staff, resource, too_long, clock.now())
        assert result.problems == {"area": FieldProblem.TOO_LONG}
        assert resource.hours is None  # nothing of a refused form is kept
        changed = {**unchanged, "kind": "place", "area": "", "active": "false"}
        await edit_from_form(session, catalog, staff, resource, changed, clock.now())
    async with db.sessions() as session:
        [row] = (await session.execute(select(Resource))).scalars()
    assert (row.kind, row.area, row.active) == (ResourceKind.PLACE, None, False)
    actions = await _actions(db)
    assert [a for a, _ in actions] == ["resource.added", *["resource.changed"] * 3]
    assert sorted(json.loads(d or "{}")["field"] for a, d in actions[1:]) == [
        "active",
        "area",
        "kind",
    ]
