"""Backups and moving house: `groundwork backup FILE`, `groundwork restore FILE` (SQLite) and
`groundwork db copy --to postgresql://…` (an SQLite installation onto PostgreSQL).

PostgreSQL is backed up with its own tools (README, "Backups"): `pg_dump -Fc` and
`pg_restore`. The copy is the same work either way round (services/database_copy.py)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

PG_DUMP_HINT = ("This installation runs on PostgreSQL: back it up with "
                "`pg_dump -Fc -f groundwork.dump \"$DATABASE_URL\"` and restore with "
                "`pg_restore --clean --if-exists --no-owner -d \"$DATABASE_URL\" groundwork.dump` "
                "(see README, Backups).")


def register(app) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(db_group)


def _sqlite_path() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_DUMP_HINT)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("There is no database file to back up.")
    return Path(url.database).resolve()


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API: the app may keep writing."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_backup_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not an SQLite database ({error}).") from error
    if ok != "ok":
        raise click.ClickException(f"{path} is damaged: {ok}")
    if "alembic_version" not in tables or "users" not in tables:
        raise click.ClickException(f"{path} is not a Groundwork backup.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Write a consistent copy of the SQLite database to FILE while the app keeps running."""
    live = _sqlite_path()
    file = file.resolve()
    if file == live:
        raise click.ClickException("The backup must go to another file than the database.")
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    _sqlite_copy(live, partial)
    os.replace(partial, file)  # a half-written backup never carries the backup's name
    click.echo(f"Backed up {live} to {file} ({file.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup FILE (stop the app servers first), then
    migrate it to this version's schema."""
    from webapp.database import upgrade_database
    from webapp.extensions import db

    live = _sqlite_path()
    _check_backup_file(file)
    if not yes:
        click.confirm(f"Replace everything in {live} with {file}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    _sqlite_copy(file.resolve(), live)
    upgrade_database(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(f"Restored {live} from {file}.")


db_group = AppGroup("db", help="Move the data to another database.")


@db_group.command("copy")
@click.option("--to", "target", required=True, metavar="URL",
              help="An empty PostgreSQL database, e.g. postgresql://user@host/groundwork.")
@with_appcontext
def copy(target: str) -> None:
    """Copy every row of every table to an empty database (schema by the migrations)."""
    from webapp.config import normalise_database_url
    from webapp.services.database_copy import CopyRefused, copy_database

    source = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = normalise_database_url(target)
    try:
        counts = copy_database(source, target, progress=click.echo)
    except CopyRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    total = sum(counts.values())
    click.echo(f"Copied {total:,} rows in {len(counts)} tables to "
               f"{make_url(target).render_as_string(hide_password=True)}. Point DATABASE_URL "
               f"there and restart the app servers.")
