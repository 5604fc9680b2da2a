"""users: a flag that sends a user to the change-password page (after an admin's temporary password)

Revision ID: 0008_password_change
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_password_change"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
