"""people: why the current pause, if the person said

Revision ID: pause_reason
Revises: rhythm
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pause_reason"
down_revision: str | None = "rhythm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
