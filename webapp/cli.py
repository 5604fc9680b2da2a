"""The `groundwork` command: a Flask CLI group (serve, migrate, demo data, users)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select


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
    from webapp.imports.runner import cli as imports_cli

    app.cli.add_command(imports_cli)
    from webapp import cli_backup

    cli_backup.register(app)


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
    from webapp.services.users import UserError, create_local_user
    from webapp.extensions import db

    try:
        user = create_local_user(db.session, email=email, name=name, role=role,
                                 password=password, manager_email=manager_email)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.email}.")
