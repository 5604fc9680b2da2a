"""The `groundwork` command: a Flask CLI group, and every command the app has (serve, migrate,
demo data, users, imports, the daily cron jobs, backups and moving house).

Backups: `groundwork backup FILE`, `groundwork restore FILE` (SQLite) and
`groundwork db copy --to postgresql://…` (an SQLite installation onto PostgreSQL).
PostgreSQL is backed up with its own tools (README, "Backups"): `pg_dump -Fc` and
`pg_restore`. The copy is the same work either way round (services/database_copy.py)."""
from __future__ import annotations

import os
import sqlite3
import time
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from webapp.clock import local_today
from webapp.database import unit_of_work
from webapp.extensions import db
from webapp.services import imports as import_service
from webapp.services import success as success_service
from webapp.services import territory_plans as plan_service
from webapp.services.sync import DEFAULT_LEDGER_DAYS, prune_cutoff, prune_ledger


def _create_app(*_args) -> Flask:
    from webapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Groundwork: field sales, offline first."""


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(demo)
    app.cli.add_command(create_user)
    app.cli.add_command(imports_group)
    app.cli.add_command(sync_group)
    app.cli.add_command(territories_group)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(db_group)
    app.cli.add_command(success_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(calendars_group)


imports_group = AppGroup("imports", help="Run the CSV imports waiting for a runner.")
sync_group = AppGroup("sync", help="The offline sync's replay ledger.")
territories_group = AppGroup("territories", help="Territory change plans.")
reminders_group = AppGroup("reminders", help="Web Push reminders.")
calendars_group = AppGroup("calendars", help="Reps' calendars (meeting drafts on Today).")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database to the newest schema."""
    from webapp.database import upgrade_database

    upgrade_database(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load when there are no users yet.")
def demo(if_empty: bool) -> None:
    """Load the deterministic demo team (manager, four reps, admin, ~300 accounts)."""
    from webapp.demo import load_demo_data
    from webapp.extensions import db
    from webapp.models import User

    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("Database already has users; demo data not loaded.")
            return
        raise click.ClickException("The database already has users; demo data goes into an empty one.")
    summary = load_demo_data(db.session)
    click.echo(f"Demo data loaded: {summary}")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["rep", "manager", "admin"]), default="rep")
@click.option("--manager-email", default=None, help="The rep's manager.")
@click.password_option()
def create_user(email: str, name: str, role: str, manager_email: str | None, password: str) -> None:
    """Create a local user with a password."""
    from webapp.extensions import db
    from webapp.services.users import UserError, create_local_user

    try:
        with unit_of_work(db.session) as session:
            user = create_local_user(session, email=email, name=name, role=role,
                                     password=password, manager_email=manager_email)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.email}.")


# --- imports and the daily cron jobs ----------------------------------------------------------

@imports_group.command("work")
@click.option("--loop", is_flag=True, help="Keep looking for new jobs (every 2 s).")
def work_command(loop: bool) -> None:
    """Run the imports waiting for a runner (or cut off), one after the other."""
    batch_size = current_app.config.get("IMPORT_BATCH_SIZE")
    while True:
        for job_id in import_service.pending_jobs(db.session):
            status = import_service.run(db.session, job_id, batch_size=batch_size)
            if status:
                click.echo(f"import {job_id}: {status}")
        db.session.rollback()
        if not loop:
            return
        time.sleep(2)


@sync_group.command("prune")
@click.option("--older-than-days", "days", type=click.IntRange(min=1),
              default=DEFAULT_LEDGER_DAYS, show_default=True,
              help="Forget replay answers recorded more than this many days ago.")
@click.option("--dry-run", is_flag=True, help="Only say how many would go.")
def prune_command(days: int, dry_run: bool) -> None:
    """Prune the offline-replay ledger (client_writes). Idempotent: run it daily from cron.

    Keep more days than a phone can plausibly stay offline with unsynced writes."""
    cutoff = prune_cutoff(days)
    count = prune_ledger(db.session, cutoff, dry_run=dry_run)
    verb = "Would prune" if dry_run else "Pruned"
    click.echo(f"{verb} {count} replay-ledger {'entry' if count == 1 else 'entries'} recorded "
               f"before {cutoff:%Y-%m-%d %H:%M} UTC ({days} days).")


def _as_of(today_text: str | None) -> date:
    """The day a daily command runs as of: --today, or today in DEFAULT_TIMEZONE."""
    if not today_text:
        return local_today(current_app.config.get("DEFAULT_TIMEZONE", "UTC"))
    try:
        return date.fromisoformat(today_text)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from error


@territories_group.command("apply-plans")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="Apply as of this day (default: today in DEFAULT_TIMEZONE).")
def apply_plans_command(today_text: str | None) -> None:
    """Apply the territory change plans that are due (idempotent: run it daily from cron)."""
    today = _as_of(today_text)
    with unit_of_work(db.session) as session:
        result = plan_service.apply_due_plans(session, today)
    click.echo(f"{today.isoformat()}: {result}.")


success_group = AppGroup("success", help="Customer success: renewals.")


@success_group.command("renewals")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="As of this day (default: today in DEFAULT_TIMEZONE).")
@click.option("--lead-days", type=click.IntRange(min=1, max=730),
              default=success_service.RENEWAL_LEAD_DAYS, show_default=True,
              help="Make the opportunity of a renewal this many days ahead.")
def renewals_command(today_text: str | None, lead_days: int) -> None:
    """Make the open "Renewal: <account>" opportunity of every customer renewing soon, once per
    renewal date (idempotent: run it daily from cron)."""
    today = _as_of(today_text)
    with unit_of_work(db.session) as session:
        made = success_service.create_due_renewal_opportunities(session, today, lead_days)
    click.echo(f"{today.isoformat()}: {made} renewal opportunities made.")


@reminders_group.command("send")
def send_reminders_command() -> None:
    """Send the reminders that are due to every device that opted in (idempotent: run it from
    cron every 15 minutes; a reminder goes out once, outside the user's quiet hours)."""
    from flask import url_for

    from webapp.clock import utcnow
    from webapp.models import User
    from webapp.queries.reminders import users_with_devices
    from webapp.services.reminders import send_user_reminders
    from webapp.services.web_push import Vapid

    config = current_app.config
    vapid = Vapid(config["VAPID_PRIVATE_KEY"], config["VAPID_SUBJECT"])
    now = utcnow()
    totals = {"sent": 0, "quiet": 0, "removed": 0, "failed": 0}
    with current_app.test_request_context():  # url_for without a request: paths only
        user_ids = [user.id for user in users_with_devices(db.session)]
        db.session.rollback()
        for user_id in user_ids:
            # One transaction per user: what reached a phone is logged even if a later user fails.
            with unit_of_work(db.session) as session:
                user = session.get(User, user_id)
                result = send_user_reminders(session, user, now, url_for, vapid)
            totals["sent"] += result.sent
            totals["quiet"] += int(result.quiet)
            totals["removed"] += result.removed
            totals["failed"] += result.failed
    click.echo(f"Reminders: {totals['sent']} sent to {len(user_ids)} users with devices, "
               f"{totals['quiet']} in quiet hours, {totals['failed']} not delivered, "
               f"{totals['removed']} expired devices removed.")


@calendars_group.command("sync")
def calendars_sync_command() -> None:
    """Read every connected calendar and make meeting drafts of the events matched to the rep's
    accounts (idempotent: an event occurrence is drafted once; run it from cron, e.g. hourly)."""
    from webapp.domain.calendar_feeds import feed_cipher
    from webapp.domain.ics import CalendarFileError
    from webapp.domain.calendar_feeds import FeedAddressError
    from webapp.models import User
    from webapp.queries.calendars import feeds_to_sync
    from webapp.services import calendars as calendar_service

    config = current_app.config
    cipher = feed_cipher(config["SECRET_KEY"], config.get("CALENDAR_KEY", ""))
    relaxed = bool(current_app.testing or config.get("CALENDAR_ALLOW_HTTP"))
    rules = calendar_service.FetchRules(allow_http=relaxed, allow_private=relaxed)
    feed_users = [f.user_id for f in feeds_to_sync(db.session)]
    db.session.rollback()
    read = failed = drafts = 0
    for user_id in feed_users:
        with unit_of_work(db.session) as session:  # one calendar's trouble stays its own
            user = session.get(User, user_id)
            if user is None or not user.active:
                continue
            try:
                result = calendar_service.sync_feed(session, user, cipher=cipher, rules=rules)
            except (calendar_service.CalendarFetchError, CalendarFileError,
                    FeedAddressError) as error:
                failed += 1
                click.echo(f"{user.email}: {error}", err=True)
                continue
            read += 1
            drafts += result.drafts
    click.echo(f"Read {read} calendar{'s' if read != 1 else ''}, {failed} failed; "
               f"{drafts} new meeting draft{'s' if drafts != 1 else ''}.")


# --- backups and moving house -------------------------------------------------------------------

PG_DUMP_HINT = ("This installation runs on PostgreSQL: back it up with "
                "`pg_dump -Fc -f groundwork.dump \"$DATABASE_URL\"` and restore with "
                "`pg_restore --clean --if-exists --no-owner -d \"$DATABASE_URL\" groundwork.dump` "
                "(see README, Backups).")


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


@db_group.command("rebuild-totals")
@with_appcontext
def rebuild_totals() -> None:
    """Recompute every owner's totals of the manager pages from the deals and accounts (the app
    keeps them exact itself; for rows written by hand, outside the app)."""
    from webapp.models.aggregates import rebuild

    with unit_of_work(db.session) as session:
        rebuild(session)
    click.echo("Rebuilt the per-owner totals.")
