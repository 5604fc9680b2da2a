"""pipeline: qualification checklists, forecasts, one-to-ones, market intel

Revision ID: 0005_pipeline
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_pipeline"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _fk(column: str, table: str, target: str = "users") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "pipeline_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("methodology", sa.String(length=16), nullable=False),
        sa.Column("stuck_days", sa.Integer(), nullable=False),
        sa.Column("quiet_weeks", sa.Integer(), nullable=False),
        sa.Column("slip_pushes", sa.Integer(), nullable=False),
        sa.Column("forecast_lock_days", sa.Integer(), nullable=False),
        sa.Column("history_months", sa.Integer(), nullable=False),
        sa.Column("min_history", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_settings")),
    )
    op.create_table(
        "qualification_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("hint", sa.String(length=300), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_items")),
    )
    op.create_table(
        "qualification_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.String(length=500), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        _fk("opportunity_id", "qualification_answers", "opportunities"),
        _fk("answered_by_id", "qualification_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_answers")),
        sa.UniqueConstraint("opportunity_id", "item_key", name="uq_qualification_answers_item"),
    )
    with op.batch_alter_table("qualification_answers") as batch_op:
        batch_op.create_index(batch_op.f("ix_qualification_answers_opportunity_id"),
                              ["opportunity_id"], unique=False)
    op.create_table(
        "qualification_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("opportunity_id", "qualification_overrides", "opportunities"),
        _fk("user_id", "qualification_overrides"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_overrides")),
        sa.UniqueConstraint("opportunity_id",
                            name=op.f("uq_qualification_overrides_opportunity_id")),
    )
    op.create_table(
        "forecast_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("commit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("best_case", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("user_id", "forecast_submissions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_submissions")),
        sa.UniqueConstraint("user_id", "period_start", name="uq_forecast_submissions_period"),
    )
    with op.batch_alter_table("forecast_submissions") as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_submissions_user_id"), ["user_id"],
                              unique=False)
    op.create_table(
        "forecast_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("commit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("manager_id", "forecast_overrides"),
        _fk("rep_id", "forecast_overrides"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_overrides")),
        sa.UniqueConstraint("rep_id", "period_start", name="uq_forecast_overrides_period"),
    )
    with op.batch_alter_table("forecast_overrides") as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_overrides_manager_id"), ["manager_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_forecast_overrides_rep_id"), ["rep_id"], unique=False)
    op.create_table(
        "one_to_ones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("manager_id", "one_to_ones"),
        _fk("rep_id", "one_to_ones"),
        _fk("updated_by_id", "one_to_ones"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_to_ones")),
        sa.UniqueConstraint("rep_id", "week_start", name="uq_one_to_ones_week"),
    )
    with op.batch_alter_table("one_to_ones") as batch_op:
        batch_op.create_index(batch_op.f("ix_one_to_ones_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_one_to_ones_rep_id"), ["rep_id"], unique=False)
    op.create_table(
        "market_intel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("author_id", "market_intel"),
        _fk("rep_id", "market_intel"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_intel")),
    )
    with op.batch_alter_table("market_intel") as batch_op:
        batch_op.create_index(batch_op.f("ix_market_intel_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_intel_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_intel_created_at"), ["created_at"],
                              unique=False)


def downgrade() -> None:
    for table in ("market_intel", "one_to_ones", "forecast_overrides", "forecast_submissions",
                  "qualification_overrides", "qualification_answers", "qualification_items",
                  "pipeline_settings"):
        op.drop_table(table)
