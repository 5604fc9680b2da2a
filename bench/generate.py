"""Data at real size: 60,000 accounts, 1,000,000 meetings and the rest in proportion, with one
rep (rep1@example.com) holding 3,000 accounts. SQLite (executemany) or PostgreSQL (COPY).

    .venv/bin/python bench/generate.py DATABASE_URL [--scale 1.0]

The schema comes from the migrations; the database must be empty. Every user's password is
`groundwork-demo`. Deterministic (fixed seed). `--scale 0.1` makes 6,000 accounts for a quick run.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from webapp.config import normalise_database_url  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402

PASSWORD = "groundwork-demo"
ACCOUNTS = 60_000
REPS = 20
MANAGERS = 2
BIG_REP = 3_000  # rep1's territory
PER_ACCOUNT = {"contacts": 3, "meetings": 1_000_000 / 60_000, "commitments": 650_000 / 60_000,
               "notes": 2, "opportunities": 1.0, "changes_per_opportunity": 400_000 / 60_000}
NOW = datetime(2026, 11, 30, 9, 0, 0)
INDUSTRIES = ("Manufacturing", "Healthcare", "Retail", "Logistics", "Software", "Energy",
              "Finance", "Education", "Construction", "Food")
CITIES = ("Chicago", "Milwaukee", "Detroit", "Columbus", "Indianapolis", "Minneapolis",
          "St. Louis", "Madison", "Cleveland", "Des Moines", "Omaha", "Kansas City")
WORDS = ("Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
         "Tyrell", "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka", "Prestige", "Oceanic",
         "Gringotts", "Monarch", "Axiom", "Pioneer", "Summit", "Harbor", "Prairie", "Lakeside")
SUFFIXES = ("Inc", "LLC", "Group", "Holdings", "Works", "Partners", "Co", "Systems")
STAGES = ("first_meeting", "qualified", "proposal", "negotiation", "won", "lost")


class Writer:
    """Bulk insert of tuples: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.raw = self.engine.raw_connection()
        self.postgres = self.engine.dialect.name == "postgresql"

    def insert(self, table: str, columns: tuple[str, ...], rows) -> int:
        cursor = self.raw.cursor()
        count = 0
        if self.postgres:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            batch = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            count += len(batch)
        self.raw.commit()
        return count

    def finish(self) -> None:
        from webapp.models.aggregates import rebuild

        self.raw.commit()
        with self.engine.begin() as connection:  # the per-owner totals of the manager pages
            rebuild(connection)
        cursor = self.raw.cursor()
        if self.postgres:
            for table in ("users", "accounts", "contacts", "opportunities", "meetings",
                          "commitments", "notes", "opportunity_changes"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
            self.raw.commit()
            self.raw.autocommit = True
            self.raw.cursor().execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
            self.raw.commit()
        self.raw.close()
        self.engine.dispose()


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def generate(url: str, scale: float = 1.0, big_rep: int = BIG_REP, full: bool = True) -> dict:
    """Fill an empty, migrated database; returns the counts. `full=False`: users and accounts
    only (what the list-size tests need)."""
    from webapp.passwords import hash_password

    rng = random.Random(13)
    writer = Writer(normalise_database_url(url))
    password_hash = hash_password(PASSWORD)
    n_accounts = max(int(ACCOUNTS * scale), REPS)
    big_rep = min(big_rep, n_accounts // 2)
    counts = {}

    # Users: 1 admin, managers, reps split between the managers (ids fixed: 1 admin, 2.. managers).
    users = [(1, "admin@example.com", "Avery Admin", "admin", None)]
    managers = list(range(2, 2 + MANAGERS))
    users += [(m, f"manager{i or ''}@example.com", f"Morgan Manager {i + 1}", "manager", None)
              for i, m in enumerate(managers)]
    first_rep = 2 + MANAGERS
    reps = list(range(first_rep, first_rep + REPS))
    users += [(r, f"rep{i + 1}@example.com", f"Rep Number {i + 1}", "rep",
               managers[i % MANAGERS]) for i, r in enumerate(reps)]
    counts["users"] = writer.insert(
        "users", ("id", "email", "name", "role", "manager_id", "password_hash", "timezone",
                  "active", "session_version", "created_at", "must_change_password"),
        ((uid, email, name, role, manager, password_hash, "America/Chicago", True, 1,
          NOW - timedelta(days=900), False) for uid, email, name, role, manager in users))

    # Accounts: rep1 holds `big_rep`, the others share the rest.
    others = reps[1:]

    def owner(i: int) -> int:
        return reps[0] if i < big_rep else others[(i - big_rep) % len(others)]

    def accounts():
        for i in range(n_accounts):
            touch = NOW - timedelta(minutes=rng.randrange(0, 400 * 24 * 60))
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)} {i}"
            yield (i + 1, str(uuid.UUID(int=rng.getrandbits(128))), name,
                   rng.choice(INDUSTRIES), "Mid-Market", rng.choice(("prospect", "customer")),
                   f"{rng.randrange(1, 9999)} Main St", rng.choice(CITIES), "IL",
                   f"{rng.randrange(10000, 99999)}", "US", 41.8 + rng.random(),
                   -87.6 - rng.random(), rng.randrange(0, 101), "312-555-0100", "", "", None,
                   owner(i), None, None if rng.random() < 0.05 else touch,
                   NOW - timedelta(days=800), NOW - timedelta(days=1))

    started = time.monotonic()
    counts["accounts"] = writer.insert(
        "accounts", ("id", "uuid", "name", "industry", "segment", "status", "street", "city",
                     "region", "postal_code", "country", "latitude", "longitude", "potential",
                     "phone", "website", "customer_goal", "renewal_on", "owner_id",
                     "territory_id", "last_touch_at", "created_at", "updated_at"), accounts())
    if not full:
        writer.finish()
        return counts

    def per_account(kind: str):
        """How many of `kind` each account gets: the average, spread evenly."""
        average = PER_ACCOUNT[kind]
        for account_id in range(1, n_accounts + 1):
            yield account_id, int(average) + (1 if rng.random() < average % 1 else 0)

    def contacts():
        n = 0
        for account_id, k in per_account("contacts"):
            for _ in range(k):
                n += 1
                yield (n, str(uuid.UUID(int=rng.getrandbits(128))), account_id,
                       f"Contact {n}", "Buyer", "312-555-0101", f"c{n}@example.com", "", "",
                       NOW - timedelta(days=300))

    counts["contacts"] = writer.insert(
        "contacts", ("id", "uuid", "account_id", "name", "title", "phone", "email", "attention",
                     "previous_companies", "created_at"), contacts())

    opportunity_rows = []

    def opportunities():
        n = 0
        for account_id, k in per_account("opportunities"):
            for _ in range(k):
                n += 1
                stage = rng.choice(STAGES)
                closed = stage in ("won", "lost")
                opportunity_rows.append((n, account_id))
                yield (n, str(uuid.UUID(int=rng.getrandbits(128))), account_id,
                       owner(account_id - 1), f"Deal {n}", stage, rng.randrange(5, 500) * 1000,
                       "USD", (NOW + timedelta(days=rng.randrange(-200, 200))).date(),
                       "Send proposal", None, stage not in ("first_meeting",), "pipeline", 1,
                       NOW - timedelta(days=200), NOW - timedelta(days=3),
                       NOW - timedelta(days=rng.randrange(1, 150)),
                       NOW - timedelta(days=10) if closed else None)

    counts["opportunities"] = writer.insert(
        "opportunities", ("id", "uuid", "account_id", "owner_id", "name", "stage", "amount",
                          "currency", "close_on", "next_step", "next_step_on", "qualified",
                          "forecast_category", "version", "created_at", "updated_at",
                          "stage_changed_at", "closed_at"), opportunities())

    def meetings():
        n = 0
        for account_id, k in per_account("meetings"):
            for _ in range(k):
                n += 1
                started_at = NOW - timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
                yield (n, str(uuid.UUID(int=rng.getrandbits(128))), account_id,
                       owner(account_id - 1), None, started_at, "in_person", 30, "", "",
                       rng.randrange(1, 6), "Walked through the renewal; they want a pilot.",
                       False, started_at)

    counts["meetings"] = writer.insert(
        "meetings", ("id", "uuid", "account_id", "user_id", "opportunity_id", "started_at",
                     "kind", "duration_minutes", "location", "attendees", "engagement", "notes",
                     "is_first_meeting", "created_at"), meetings())

    def commitments():
        n = 0
        for account_id, k in per_account("commitments"):
            for _ in range(k):
                n += 1
                done = rng.random() < 0.9
                yield (n, str(uuid.UUID(int=rng.getrandbits(128))), account_id, None,
                       rng.choice(("theirs", "ours")), "Send the security questionnaire",
                       (NOW + timedelta(days=rng.randrange(-90, 60))).date(),
                       (rng.random() < 0.8) if done else None,
                       NOW - timedelta(days=5) if done else None, NOW - timedelta(days=100))

    counts["commitments"] = writer.insert(
        "commitments", ("id", "uuid", "account_id", "meeting_id", "party", "description",
                        "due_on", "kept", "resolved_at", "created_at"), commitments())

    def notes():
        n = 0
        for account_id, k in per_account("notes"):
            for _ in range(k):
                n += 1
                yield (n, str(uuid.UUID(int=rng.getrandbits(128))), owner(account_id - 1),
                       account_id, "Budget frozen until Q2.",
                       NOW - timedelta(minutes=rng.randrange(0, 300 * 24 * 60)))

    counts["notes"] = writer.insert(
        "notes", ("id", "uuid", "user_id", "account_id", "body", "created_at"), notes())

    def changes():
        n = 0
        average = PER_ACCOUNT["changes_per_opportunity"]
        for opportunity_id, account_id in opportunity_rows:
            for _ in range(int(average) + (1 if rng.random() < average % 1 else 0)):
                n += 1
                yield (n, opportunity_id, owner(account_id - 1),
                       NOW - timedelta(minutes=rng.randrange(0, 365 * 24 * 60)), "stage",
                       "first_meeting", "qualified", None, None)

    counts["opportunity_changes"] = writer.insert(
        "opportunity_changes", ("id", "opportunity_id", "user_id", "changed_at", "field",
                                "old_value", "new_value", "client_id", "version"), changes())
    writer.finish()
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def fresh_database(url: str) -> str:
    """Migrate `url` (must be empty) and return it normalised."""
    url = normalise_database_url(url)
    upgrade_database(url)
    return url


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", help="an empty database (sqlite:///path or postgresql://…)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    url = fresh_database(args.url)
    with create_engine(url).connect() as conn:
        if conn.execute(text("SELECT count(*) FROM accounts")).scalar():
            print("the database is not empty", file=sys.stderr)
            return 1
    print(generate(url, args.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
