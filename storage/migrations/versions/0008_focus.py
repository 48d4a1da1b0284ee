"""focus_periods: denser contact with a review date

Revision ID: focus
Revises: pause_reason
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "focus"
down_revision: str | None = "pause_reason"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "focus_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("review_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prompted_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_choice", sa.String(length=20), nullable=True),
        sa.Column("ended_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["started_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_focus_periods_person_id", "focus_periods", ["person_id"])
    op.create_index("ix_focus_periods_review_at", "focus_periods", ["review_at"])


def downgrade() -> None:
    op.drop_index("ix_focus_periods_review_at", table_name="focus_periods")
    op.drop_index("ix_focus_periods_person_id", table_name="focus_periods")
    op.drop_table("focus_periods")
