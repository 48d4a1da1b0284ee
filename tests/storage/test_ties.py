"""Resources and ties on both databases: the directory, one transition per press, and
every read the timeline and /mydata rely on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from domain.people import StaffRole
from domain.ties import ResourceFields, ResourceKind, TieState
from storage.db import Database
from storage.people import Person, PersonRepository
from storage.resources import ResourceRepository
from storage.staff import StaffRepository
from storage.ties import Tie, TieRepository
from tests.conftest import START, make_settings
from usecases.planning import new_person

pytestmark = pytest.mark.postgres

LATER = START + timedelta(hours=3)


async def seed(db: Database) -> tuple[int, int, list[int]]:
    """A worker, a person, and three resources (the last inactive)."""
    async with db.transaction() as session:
        worker = await StaffRepository(session).add(
            telegram_id=500, name="Sato", role=StaffRole.WORKER, now=START
        )
        person = await PersonRepository(session).add(
            new_person(
                make_settings(database_url=db.url),
                telegram_id=1001,
                chat_id=1001,
                display_name="Aiko",
                language="ja",
                worker_id=worker.id,
                invite_id=None,
                now=START,
            )
        )
        added = await ResourceRepository(session).add_all(
            [
                ResourceFields(name="フードバンク東", kind=ResourceKind.FOOD, area="東区"),
                ResourceFields(name="居場所カフェ", kind=ResourceKind.PLACE, hours="水 13-17"),
                ResourceFields(name="閉じた窓口", kind=ResourceKind.PUBLIC, active=False),
            ],
            now=START,
        )
        return worker.id, person.id, [r.id for r in added]


async def test_the_directory_keeps_every_field_and_lists_active_names(db: Database) -> None:
    _, _, ids = await seed(db)
    async with db.transaction() as session:
        repo = ResourceRepository(session)
        listed = await repo.all()
        assert [(r.name, r.kind, r.active) for r in listed] == [
            ("フードバンク東", ResourceKind.FOOD, True),
            ("居場所カフェ", ResourceKind.PLACE, True),
            ("閉じた窓口", ResourceKind.PUBLIC, False),
        ]
        assert listed[0].area == "東区" and listed[1].hours == "水 13-17"
        assert await repo.names() == [(ids[0], "フードバンク東"), (ids[1], "居場所カフェ")]
        assert len(await repo.names(active_only=False)) == 3
        changed = ResourceFields(name="フードバンク東", kind=ResourceKind.FOOD, contact="03-1")
        await repo.update(listed[0], changed, now=LATER)
    async with db.transaction() as session:
        again = await ResourceRepository(session).require(ids[0])
        assert (again.contact, again.area, again.updated_at) == ("03-1", None, LATER)


async def test_a_tie_moves_once_and_only_for_its_person(db: Database) -> None:
    worker, person, ids = await seed(db)
    async with db.transaction() as session:
        tie = await TieRepository(session).propose(
            person_id=person, resource_id=ids[0], proposed_by=worker, now=START
        )
        tie_id = tie.id
    async with db.transaction() as session:
        ties = TieRepository(session)
        # Someone else's press changes nothing.
        assert not await ties.move(
            tie_id,
            person_id=person + 1,
            from_state=TieState.PROPOSED,
            to_state=TieState.ACTIVE,
            now=LATER,
        )
        assert await ties.move(
            tie_id,
            person_id=person,
            from_state=TieState.PROPOSED,
            to_state=TieState.ACTIVE,
            now=LATER,
        )
        # The same press again (a redelivery, a second tap) finds it already moved.
        assert not await ties.move(
            tie_id,
            person_id=person,
            from_state=TieState.PROPOSED,
            to_state=TieState.DECLINED,
            now=LATER,
        )
    async with db.transaction() as session:
        tie = await TieRepository(session).get(tie_id)
        assert tie is not None
        assert (tie.state, tie.answered_at, tie.ended_at, tie.since) == (
            TieState.ACTIVE,
            LATER,
            None,
            LATER,
        )
        assert await TieRepository(session).move(
            tie_id,
            person_id=person,
            from_state=TieState.ACTIVE,
            to_state=TieState.ENDED,
            now=LATER + timedelta(days=1),
        )
    async with db.transaction() as session:
        tie = await TieRepository(session).get(tie_id)
        assert tie is not None and tie.state is TieState.ENDED
        assert tie.ended_at == LATER + timedelta(days=1)


async def test_a_persons_ties_by_state_with_their_resources(db: Database) -> None:
    worker, person, ids = await seed(db)
    async with db.transaction() as session:
        ties = TieRepository(session)
        first = await ties.propose(
            person_id=person, resource_id=ids[0], proposed_by=worker, now=START
        )
        await ties.move(
            first.id,
            person_id=person,
            from_state=TieState.PROPOSED,
            to_state=TieState.DECLINED,
            now=LATER,
        )
        await ties.propose(person_id=person, resource_id=ids[0], proposed_by=worker, now=LATER)
        await ties.propose(person_id=person, resource_id=ids[1], proposed_by=None, now=LATER)
    async with db.transaction() as session:
        ties = TieRepository(session)
        assert sorted(await ties.states_with(person, ids[0])) == sorted(
            [TieState.DECLINED, TieState.PROPOSED]
        )
        everything = await ties.for_person(person)
        assert [(t.state, r.name) for t, r in everything] == [
            (TieState.DECLINED, "フードバンク東"),
            (TieState.PROPOSED, "フードバンク東"),
            (TieState.PROPOSED, "居場所カフェ"),
        ]
        waiting = await ties.for_person(person, states=(TieState.ACTIVE,))
        assert waiting == []


async def test_a_persons_ties_go_with_their_record(db: Database) -> None:
    worker, person, ids = await seed(db)
    async with db.transaction() as session:
        await TieRepository(session).propose(
            person_id=person, resource_id=ids[0], proposed_by=worker, now=START
        )
    async with db.transaction() as session:
        await session.execute(delete(Person).where(Person.id == person))
    async with db.transaction() as session:
        assert await TieRepository(session).for_person(person) == []
        assert await session.get(Tie, 1) is None
