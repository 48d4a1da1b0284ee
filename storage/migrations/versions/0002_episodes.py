"""episodes, strangers' crises and unread messages

One active escalation per person, its reasons as rows; strangers' crises; messages written
outside a check-in (unread until the worker reads them). Alembic logs the first line only.

Revision ID: episodes
Revises: 0001
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "episodes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REASON = sa.Enum(
    "silence",
    "unreachable",
    "distress",
    "concern",
    "wants_contact",
    "reconnect",
    name="escalationreason",
    native_enum=False,
    length=20,
)
_PRIORITY = sa.Enum("P1", "P2", "P3", name="priority", native_enum=False, length=2)
_URGENCY = {"P1": 3, "P2": 2, "P3": 1}


def upgrade() -> None:
    op.create_table(
        "escalation_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("reason", _REASON, nullable=False),
        sa.Column("priority", _PRIORITY, nullable=False),
        sa.Column("at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_reasons_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_reasons")),
    )
    with op.batch_alter_table("escalation_reasons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_reasons_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalation_reasons_at"), ["at"], unique=False)
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("stranger_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("stranger_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("person_messages", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("stranger_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "outside_checkin", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("read_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("free_ack_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
    _backfill_episodes()


def _backfill_episodes() -> None:
    """Each existing escalation's reason becomes its first reason row; per person, the most
    urgent (then oldest) active escalation becomes the episode. Others stay active under
    their old key until someone resolves them: nothing a worker holds is silently merged."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, person_id, reason, priority, created_at, trigger_update_id, open_key "
            "FROM escalations ORDER BY id"
        )
    ).all()
    for row in rows:
        conn.execute(
            sa.text(
                "INSERT INTO escalation_reasons (escalation_id, reason, priority, at, update_id) "
                "VALUES (:id, :reason, :priority, :at, :update_id)"
            ),
            {
                "id": row.id,
                "reason": row.reason,
                "priority": row.priority,
                "at": row.created_at,
                "update_id": row.trigger_update_id,
            },
        )
    active = sorted(
        (r for r in rows if r.open_key is not None),
        key=lambda r: (-_URGENCY.get(r.priority, 0), r.id),
    )
    keyed: set[int] = set()
    for row in active:
        if row.person_id in keyed:
            continue
        keyed.add(row.person_id)
        conn.execute(
            sa.text("UPDATE escalations SET open_key = :key WHERE id = :id"),
            {"key": f"p:{row.person_id}", "id": row.id},
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("free_ack_at")
    with op.batch_alter_table("person_messages", schema=None) as batch_op:
        batch_op.drop_column("read_at")
        batch_op.drop_column("outside_checkin")
        batch_op.drop_column("stranger_telegram_id")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("stranger_name")
        batch_op.drop_column("stranger_telegram_id")
    with op.batch_alter_table("escalation_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_reasons_at"))
        batch_op.drop_index(batch_op.f("ix_escalation_reasons_escalation_id"))
    op.drop_table("escalation_reasons")
