"""community resources and the ties people make to them (issue 13)

Revision ID: ties
Revises: faults
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "ties"
down_revision: str | None = "faults"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", storage.base.SafeString(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("area", storage.base.SafeString(length=100), nullable=True),
        sa.Column("contact", storage.base.SafeString(length=200), nullable=True),
        sa.Column("hours", storage.base.SafeString(length=200), nullable=True),
        sa.Column("url", storage.base.SafeString(length=500), nullable=True),
        sa.Column("notes", storage.base.SafeText(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_table(
        "ties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("proposed_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_answer", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_ties_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_ties_resource_id_resources")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["staff.id"], name=op.f("fk_ties_proposed_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ties")),
    )
    op.create_index(op.f("ix_ties_next_check_at"), "ties", ["next_check_at"], unique=False)
    op.create_index(
        "ix_ties_person_id_resource_id", "ties", ["person_id", "resource_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ties_person_id_resource_id", table_name="ties")
    op.drop_index(op.f("ix_ties_next_check_at"), table_name="ties")
    op.drop_table("ties")
    op.drop_table("resources")
