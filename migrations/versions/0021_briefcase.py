"""accounts.briefcase_version: bumped whenever the account or anything shown with it (meetings,
notes, contacts, deals, commitments, ...) changes, so a phone's briefcase refreshes only the
accounts that changed (webapp/models/briefcase.py bumps it; webapp/pwa.py reads it)

Revision ID: 0021_briefcase
Revises: 0020_initiator
"""
from alembic import op
import sqlalchemy as sa

revision = "0021_briefcase"
down_revision = "0020_initiator"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("briefcase_version", sa.Integer(), nullable=False,
                                   server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("briefcase_version")
