"""Declarative base and column types shared by every aggregate's module."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, Integer, MetaData, String, Table, Text, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from domain.escalation import StepLevel

# Stable constraint names let Alembic's batch mode rebuild SQLite tables predictably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC instants on both databases.

    SQLite has no time zone type: values are stored as naive UTC and come back aware, so
    no code ever compares a naive time with an aware one.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value.tzinfo is not UTC:  # most values are already UTC: no conversion to make
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StepLevelType(TypeDecorator[StepLevel]):
    """An escalation's ladder step stored as its number, read back as `StepLevel`."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(StepLevel(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> StepLevel | None:
        return None if value is None else StepLevel(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(enum_type: type[StrEnum], length: int = 20) -> Enum:
    """A StrEnum column stored as its value in a VARCHAR, read back as the enum member.

    No native enum type and no CHECK constraint: adding a member needs no migration.
    """
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def table_of(model: type[Base]) -> Table:
    """The model's Core table, for set-based statements on hot paths (no ORM bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def update_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """UPDATE one row per dict, matched on ``id``, as a single Core executemany.

    For hot paths (dispatch, delivery results): the ORM's bulk-by-primary-key path costs
    several times more Python per row and tracks nothing these callers need. Every dict
    must have the same keys.
    """
    if not rows:
        return
    table = table_of(model)
    columns = [key for key in rows[0] if key != "id"]
    statement = (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )
    await session.execute(
        statement,
        [{"row_id": row["id"], **{f"v_{name}": row[name] for name in columns}} for row in rows],
    )


# NUL (U+0000) and lone surrogates (U+D800-U+DFFF) cannot be stored as text by PostgreSQL
# (and cannot be encoded as UTF-8 at all); U+FFFD, the replacement character, stands in.
# One regular-expression scan finds them: `str.translate` with this table walked every
# character in Python-level lookups, a noticeable share of a morning round's CPU (each
# check-in's outbox payload is stored as text).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """`value` with every character a database cannot store replaced by U+FFFD."""
    if value.isascii():
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    return _UNSTORABLE.sub("\ufffd", value) if _UNSTORABLE.search(value) else value


class SafeText(TypeDecorator[str]):
    """Text that any database stores: what PostgreSQL rejects is replaced on the way in.

    Only what is stored changes: classification and replies work on the original text.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else storable_text(value)


class SafeString(TypeDecorator[str]):
    """A bounded VARCHAR with the same replacement as `SafeText` (names, short labels)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else storable_text(value)
