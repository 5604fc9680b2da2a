"""Flask-Limiter's counts in the app's own database (RATELIMIT_STORAGE_URI=database://, the
default): sign-in throttling then holds across gunicorn's workers and across app servers
with nothing else to install. Redis (redis://…) remains the option for big deployments.

Each operation runs on its own connection and commits at once, apart from the request's
transaction: a refused sign-in is rolled back, its count must stay. Fixed windows, as
Flask-Limiter's default strategy uses: incr() starts a window or adds to the open one in a
single upsert, so two workers counting at once never lose a hit."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_app_context
from limits.storage import Storage
from sqlalchemy import Connection, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from webapp.database import reading
from webapp.extensions import db
from webapp.models import RateLimitCounter

COUNTERS = RateLimitCounter.__table__


class DatabaseStorage(Storage):
    """limits' storage interface over the rate_limit_counters table."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        expired = COUNTERS.c.expires_at <= now
        with _connection(writing=True) as conn:
            insert = (postgresql_insert if conn.dialect.name == "postgresql"
                      else sqlite_insert)(COUNTERS)
            upsert = insert.values(key=key, hits=amount, expires_at=now + expiry)
            upsert = upsert.on_conflict_do_update(index_elements=[COUNTERS.c.key], set_={
                "hits": case((expired, amount), else_=COUNTERS.c.hits + amount),
                "expires_at": case((expired, now + expiry), else_=COUNTERS.c.expires_at),
            }).returning(COUNTERS.c.hits)
            hits = conn.execute(upsert).scalar_one()
            # Windows that ended are no use to anyone (typed e-mails can be anything).
            conn.execute(delete(COUNTERS).where(COUNTERS.c.expires_at < now - 60))
        return hits

    def get(self, key: str) -> int:
        with _connection() as conn:
            hits = conn.execute(select(COUNTERS.c.hits).where(
                COUNTERS.c.key == key, COUNTERS.c.expires_at > time.time())).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        with _connection() as conn:
            ends = conn.execute(select(COUNTERS.c.expires_at).where(
                COUNTERS.c.key == key)).scalar()
        return ends or time.time()

    def check(self) -> bool:
        try:
            with _connection() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _connection(writing=True) as conn:
            return conn.execute(delete(COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        with _connection(writing=True) as conn:
            conn.execute(delete(COUNTERS).where(COUNTERS.c.key == key))


@contextmanager
def _connection(writing: bool = False) -> Iterator[Connection]:
    """A connection of its own, committed on leaving. On SQLite a write first ends the
    request's transaction: a POST's takes the write lock up front (webapp/database.py), and
    the count is taken after the view answered, when nothing of that transaction is left to
    commit; reads begin deferred, so they never wait for it."""
    if not has_app_context():
        raise RuntimeError("rate limits are counted inside a request")
    engine = db.engine
    if writing and engine.dialect.name == "sqlite":
        db.session.rollback()
    with reading(not writing), engine.begin() as conn:
        yield conn
