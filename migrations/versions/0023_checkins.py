"""check-ins: a rep's arrival at an account and departure (issue 15 item 3)

Revision ID: 0023_checkins
Revises: 0022_success
"""
from alembic import op
import sqlalchemy as sa

revision = "0023_checkins"
down_revision = "0022_success"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("in_at", sa.DateTime(), nullable=False),
        sa.Column("out_at", sa.DateTime()),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id")),
        sa.Column("discarded_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_checkins_user_in", "checkins", ["user_id", "in_at"])
    op.create_index("ix_checkins_account_id", "checkins", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_checkins_account_id", table_name="checkins")
    op.drop_index("ix_checkins_user_in", table_name="checkins")
    op.drop_table("checkins")
