"""Merge the feature branches (offline, security, territory, pipeline, writes, passwords)
into one head, so the next migration has a single parent.

Revision ID: 0009_merge_features
Revises: 0002_offline, 0003_security, 0004_territory, 0005_pipeline, 0006_writes, 0008_password_change
"""

revision = "0009_merge_features"
down_revision = ("0002_offline", "0003_security", "0004_territory", "0005_pipeline", "0006_writes",
                 "0008_password_change")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
