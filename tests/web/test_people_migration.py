"""Migration 0026_people turns the free-text "Before: …" line into past positions."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from webapp.database import alembic_config


def test_the_before_line_becomes_history_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    command.upgrade(alembic_config(url), "0020_initiator")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO accounts (id, uuid, name, industry, segment, status, street, city, region,"
            " postal_code, country, potential, phone, website, customer_goal, created_at,"
            " updated_at) VALUES (1, 'a1', 'Acme', '', 'SMB', 'prospect', '', '', '', '', 'US', 50,"
            " '', '', '', '2025-01-02 10:00:00', '2025-01-02 10:00:00')"))
        conn.execute(text(
            "INSERT INTO contacts (id, uuid, account_id, name, title, phone, email, attention,"
            " previous_companies, created_at, version) VALUES (1, 'c1', 1, 'Ana Ruiz', '', '', '',"
            " '', 'Prairie Foods, Inc.; Blue Dairy', '2025-03-04 10:00:00', 1)"))
    command.upgrade(alembic_config(url), "heads")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT contact_id, company_name, ended_on FROM contact_positions"
                                 " ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "Prairie Foods, Inc.", "2025-03-04"),
                                        (1, "Blue Dairy", "2025-03-04")]
