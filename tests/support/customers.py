"""bench/generate.py's customers given what the renewals and reference pages read (it leaves
both empty), for the tests that weigh and count those pages at size."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text


def renewing_customers(session, now: datetime) -> None:
    """Account 1 (the one whose references are asked for) becomes a prospect; every other
    customer renews within half a year, every second one is in good health and a quarter of
    those are willing references. Committed."""
    session.execute(text("UPDATE accounts SET status = 'prospect' WHERE id = 1"))
    customers = session.execute(text(
        "SELECT id FROM accounts WHERE status = 'customer' ORDER BY id")).scalars().all()
    session.execute(text("UPDATE accounts SET renewal_on = :on WHERE id = :id"),
                    [{"id": i, "on": now.date() + timedelta(days=1 + i % 179)}
                     for i in customers])
    session.execute(text(
        "INSERT INTO account_success (account_id, outcome, health, health_reason,"
        " reference_willing, updated_at) VALUES (:id, '', 'good', '', :willing, :now)"),
        [{"id": i, "willing": i % 4 == 0, "now": now} for i in customers[::2]])
    session.commit()
