"""staff reachability and escalations waiting for a reachable responder

Revision ID: reachability
Revises: episodes
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "reachability"
down_revision: str | None = "episodes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reachability",
                sa.Enum(
                    "unknown",
                    "reachable",
                    "unreachable",
                    name="reachability",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(
            sa.Column("reachability_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "unreachable_cause",
                sa.Enum(
                    "blocked",
                    "chat_not_found",
                    "forbidden",
                    name="unreachable",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("last_seen_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "escalation_waits",
        sa.Column("escalation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("since", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_waits_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("escalation_id", name=op.f("pk_escalation_waits")),
    )


def downgrade() -> None:
    op.drop_table("escalation_waits")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("unreachable_cause")
        batch_op.drop_column("reachability_at")
        batch_op.drop_column("reachability")
