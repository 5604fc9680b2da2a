"""opportunity change rows remember the version they produced

Revision ID: 0006_writes
Revises: 0001_core

A conflict screen shows what an offline edit "started from". That is the opportunity as it
was at the version the edit was based on; with the version recorded on every change row it
can be rebuilt exactly: the old value of the first change after that version, per field.
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_writes"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunity_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_opportunity_changes_opportunity_id_version", ["opportunity_id", "version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("opportunity_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_changes_opportunity_id_version")
        batch_op.drop_column("version")
