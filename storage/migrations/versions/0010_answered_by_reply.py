"""escalation_reasons.answered_by_reply; audit_log indexed on action

Whether a reply from the person answers the reason; the web view's audit log filters and
lists actions.

A `reconnect` raised by a tied person's silence is answered by their reply; one raised by
"I stopped going" or by low moods is not. Rows written before keep what they meant then:
silence, unreachable and reconnect were all answered by a reply.

Revision ID: answered_by_reply
Revises: web_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "answered_by_reply"
down_revision: str | None = "web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalation_reasons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answered_by_reply", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE escalation_reasons SET answered_by_reply = true "
        "WHERE reason IN ('silence', 'unreachable', 'reconnect')"
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))
    with op.batch_alter_table("escalation_reasons", schema=None) as batch_op:
        batch_op.drop_column("answered_by_reply")
