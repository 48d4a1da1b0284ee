"""Resource aggregate: the organisation's directory of community resources (つながり先)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Boolean, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.errors import NotFoundError
from domain.ties import ResourceFields, ResourceKind
from storage.base import Base, SafeString, SafeText, UTCDateTime, str_enum

__all__ = ["Resource", "ResourceRepository"]


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(SafeString(200))
    kind: Mapped[ResourceKind] = mapped_column(str_enum(ResourceKind))
    area: Mapped[str | None] = mapped_column(SafeString(100), nullable=True)
    contact: Mapped[str | None] = mapped_column(SafeString(200), nullable=True)
    hours: Mapped[str | None] = mapped_column(SafeString(200), nullable=True)
    url: Mapped[str | None] = mapped_column(SafeString(500), nullable=True)
    notes: Mapped[str | None] = mapped_column(SafeText, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _apply(resource: Resource, fields: ResourceFields) -> None:
    resource.name = fields.name
    resource.kind = fields.kind
    resource.area = fields.area
    resource.contact = fields.contact
    resource.hours = fields.hours
    resource.url = fields.url
    resource.notes = fields.notes
    resource.active = fields.active


class ResourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, fields: ResourceFields, *, now: datetime) -> Resource:
        resource = Resource(created_at=now, updated_at=now)
        _apply(resource, fields)
        self.session.add(resource)
        await self.session.flush()
        return resource

    async def add_all(self, rows: Sequence[ResourceFields], *, now: datetime) -> list[Resource]:
        """Every row, in one flush: the caller's transaction keeps them all or none."""
        added = []
        for fields in rows:
            resource = Resource(created_at=now, updated_at=now)
            _apply(resource, fields)
            added.append(resource)
        self.session.add_all(added)
        await self.session.flush()
        return added

    async def update(self, resource: Resource, fields: ResourceFields, *, now: datetime) -> None:
        _apply(resource, fields)
        resource.updated_at = now
        await self.session.flush()

    async def get(self, resource_id: int) -> Resource | None:
        return await self.session.get(Resource, resource_id)

    async def require(self, resource_id: int) -> Resource:
        resource = await self.get(resource_id) if 0 < resource_id < 2**31 else None
        if resource is None:
            raise NotFoundError(str(resource_id))
        return resource

    async def all(self, *, active_only: bool = False) -> list[Resource]:
        query = select(Resource).order_by(Resource.id)
        if active_only:
            query = query.where(Resource.active.is_(True))
        return list((await self.session.execute(query)).scalars())

    async def names(self, *, active_only: bool = True) -> list[tuple[int, str]]:
        """(id, name) of each resource, for finding one by a part of its name."""
        query = select(Resource.id, Resource.name).order_by(Resource.id)
        if active_only:
            query = query.where(Resource.active.is_(True))
        return [(rid, name) for rid, name in (await self.session.execute(query)).all()]
