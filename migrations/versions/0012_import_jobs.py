"""imports run in the background: the uploaded file kept in the database with its progress,
and an undo log of what an unfinished import wrote

Revision ID: 0012_import_jobs
Revises: 0009_merge_features
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_import_jobs"
down_revision = "0009_merge_features"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("day_first", sa.Boolean(), nullable=False),
        sa.Column("default_owner_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=32), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_import_jobs_user_id_users")),
        sa.ForeignKeyConstraint(["default_owner_id"], ["users.id"],
                                name=op.f("fk_import_jobs_default_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("token", name=op.f("uq_import_jobs_token")),
    )
    op.create_index(op.f("ix_import_jobs_user_id"), "import_jobs", ["user_id"], unique=False)
    op.create_table(
        "import_undo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["import_jobs.id"],
                                name=op.f("fk_import_undo_job_id_import_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_undo")),
    )
    op.create_index(op.f("ix_import_undo_job_id"), "import_undo", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_undo_job_id"), table_name="import_undo")
    op.drop_table("import_undo")
    op.drop_index(op.f("ix_import_jobs_user_id"), table_name="import_jobs")
    op.drop_table("import_jobs")
