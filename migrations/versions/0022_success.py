"""customer success (health, outcome, willing references) and reference asks (cascade deals)

Revision ID: 0022_success
Revises: 0021_briefcase
"""
from alembic import op
import sqlalchemy as sa

revision = "0022_success"
down_revision = "0021_briefcase"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_success",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey(
            "accounts.id", name="fk_account_success_account_id_accounts"), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("health", sa.String(10), nullable=True),
        sa.Column("health_reason", sa.String(500), nullable=False),
        sa.Column("health_set_at", sa.DateTime(), nullable=True),
        sa.Column("health_set_by_id", sa.Integer(), sa.ForeignKey(
            "users.id", name="fk_account_success_health_set_by_id_users"), nullable=True),
        sa.Column("reference_willing", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("renewal_opportunity_for", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_success"),
    )
    op.create_index("ix_account_success_health", "account_success", ["health", "account_id"])
    op.create_table(
        "reference_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("reference_id", sa.Integer(), sa.ForeignKey(
            "accounts.id", name="fk_reference_asks_reference_id_accounts"), nullable=False),
        sa.Column("prospect_id", sa.Integer(), sa.ForeignKey(
            "accounts.id", name="fk_reference_asks_prospect_id_accounts"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey(
            "users.id", name="fk_reference_asks_user_id_users"), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reference_asks"),
        sa.UniqueConstraint("uuid", name="uq_reference_asks_uuid"),
    )
    op.create_index("ix_reference_asks_reference_asked", "reference_asks",
                    ["reference_id", "asked_at"])
    op.create_index("ix_reference_asks_prospect_id", "reference_asks", ["prospect_id"])
    op.create_index("ix_reference_asks_user_id", "reference_asks", ["user_id"])


def downgrade() -> None:
    op.drop_table("reference_asks")
    op.drop_table("account_success")
