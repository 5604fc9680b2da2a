"""Engine behaviour per backend, and migrations run from code (CLI, `make run`, tests)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_READING: ContextVar[bool] = ContextVar("groundwork_reading", default=False)


@contextmanager
def reading(enabled: bool = True) -> Iterator[None]:
    """Transactions that begin inside this block only read: on SQLite they begin deferred and
    do not take the write lock (for work outside a GET request, such as a background import's
    check). Commit or roll back before writing."""
    token = _READING.set(enabled)
    try:
        yield
    finally:
        _READING.reset(token)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One transaction, owned by the caller: what the block's services add is committed once
    when it ends, and rolled back if it raises. Services never commit (they add and flush);
    a request's transaction is owned by `webapp/hooks.py` (`_end_transaction`), a CLI
    command's and a service test's by this."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and write transactions that take the lock up front.

    pysqlite's default (deferred BEGIN, upgraded on first write) deadlocks two writers that
    both read first: each holds SHARED and waits for the other. Requests that may write
    (anything but GET/HEAD) and the CLI begin IMMEDIATE instead; reads stay deferred so they
    never queue behind a writer under WAL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        only_reads = _READING.get() or (has_request_context()
                                        and request.method in ("GET", "HEAD"))
        connection.exec_driver_sql("BEGIN" if only_reads else "BEGIN IMMEDIATE")


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str) -> None:
    """Bring the schema to the newest revision (every branch head)."""
    command.upgrade(alembic_config(database_url), "heads")
