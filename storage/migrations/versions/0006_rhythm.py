"""people: the usual reply delay (the person's own rhythm)

Revision ID: rhythm
Revises: ties
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rhythm"
down_revision: str | None = "ties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("usual_reply_s", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("usual_reply_s")
