"""calendar in (issue 15): a rep's calendar feed (address encrypted) and the meeting drafts
read from it (one row per event occurrence, so a dismissed one never comes back)

Revision ID: 0024_calendar
Revises: 0023_checkins
"""
from alembic import op
import sqlalchemy as sa

revision = "0024_calendar"
down_revision = "0023_checkins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False,
                  unique=True),
        sa.Column("url_encrypted", sa.Text(), nullable=True),
        sa.Column("url_hint", sa.String(200), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("events_read", sa.Integer(), nullable=False),
        sa.Column("drafts_made", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "meeting_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("attendees", sa.String(500), nullable=False),
        sa.Column("matched_by", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("meeting_uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "event_key", name="uq_meeting_drafts_event"),
    )
    op.create_index("ix_meeting_drafts_user_id", "meeting_drafts", ["user_id"])
    op.create_index("ix_meeting_drafts_starts_at", "meeting_drafts", ["starts_at"])


def downgrade() -> None:
    op.drop_table("meeting_drafts")
    op.drop_table("calendar_feeds")
