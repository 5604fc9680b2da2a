"""deals closed with a reason (lost) or a final amount (won), undoable for a while; the number
of checklist answers that qualifies a deal

Revision ID: 0013_deals
Revises: 0012_import_jobs
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_deals"
down_revision = "0012_import_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("loss_reason", sa.String(length=20), nullable=True),
        sa.Column("competitor", sa.String(length=120), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("previous_stage", sa.String(length=20), nullable=False),
        sa.Column("previous_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"],
                                name=op.f("fk_deal_closures_opportunity_id_opportunities")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"],
                                name=op.f("fk_deal_closures_closed_by_id_users")),
        sa.ForeignKeyConstraint(["reopened_by_id"], ["users.id"],
                                name=op.f("fk_deal_closures_reopened_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_closures")),
        sa.UniqueConstraint("client_id", name=op.f("uq_deal_closures_client_id")),
    )
    op.create_index(op.f("ix_deal_closures_opportunity_id"), "deal_closures",
                    ["opportunity_id"], unique=False)
    op.create_index(op.f("ix_deal_closures_loss_reason"), "deal_closures", ["loss_reason"],
                    unique=False)
    with op.batch_alter_table("pipeline_settings") as batch:
        batch.add_column(sa.Column("qualify_answers", sa.Integer(), nullable=False,
                                   server_default="3"))


def downgrade() -> None:
    with op.batch_alter_table("pipeline_settings") as batch:
        batch.drop_column("qualify_answers")
    op.drop_index(op.f("ix_deal_closures_loss_reason"), table_name="deal_closures")
    op.drop_index(op.f("ix_deal_closures_opportunity_id"), table_name="deal_closures")
    op.drop_table("deal_closures")
