"""contacts carry a version, so an edit made on an older copy (offline) is merged field by
field instead of overwriting a colleague's change

Revision ID: 0017_capture
Revises: 0016_speed
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_capture"
down_revision = "0016_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("version")
