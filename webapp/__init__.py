"""Groundwork: the field rep's phone-first, offline-first sales app."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides settings (tests); nothing happens at import time."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from webapp.routing import DatabaseIdConverter

    # Before any blueprint adds a rule: an <int:…> larger than the database's integer is a 404.
    app.url_map.converters["int"] = DatabaseIdConverter
    from webapp.config import Config

    app.config.from_object(Config(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config:
            from webapp.config import normalise_database_url

            app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
                config["SQLALCHEMY_DATABASE_URI"]
            )

    from webapp.database import configure_sqlite
    from webapp.extensions import csrf, db, limiter

    db.init_app(app)
    csrf.init_app(app)
    import webapp.auth.rate_limits  # noqa: F401  (Flask-Limiter's database:// storage)

    limiter.init_app(app)  # sign-in throttling (webapp/auth/routes.py)
    with app.app_context():
        configure_sqlite(db.engine)

    from webapp import assets, display, errors, hooks, security
    from webapp import sessions as auth_session
    from webapp.auth import oidc

    assets.init_app(app)
    display.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    auth_session.init_app(app)
    oidc.init_app(app)

    from webapp.accounts.routes import bp as accounts_bp
    from webapp.admin.routes import bp as admin_bp
    from webapp.auth.routes import bp as auth_bp
    from webapp.checkins.routes import bp as checkins_bp
    from webapp.contacts.routes import bp as contacts_bp
    from webapp.imports.routes import bp as imports_bp
    from webapp.intel.routes import bp as intel_bp
    from webapp.meetings.routes import bp as meetings_bp
    from webapp.notes.routes import bp as notes_bp
    from webapp.opportunities.routes import bp as opportunities_bp
    from webapp.people.routes import bp as people_bp
    from webapp.pipeline.routes import bp as pipeline_bp
    from webapp.pwa import bp as pwa_bp
    from webapp.success.routes import bp as success_bp
    from webapp.reminders.routes import bp as reminders_bp
    from webapp.sync.routes import bp as sync_bp
    from webapp.territories.routes import bp as territories_bp
    from webapp.today.routes import bp as today_bp

    hooks.init_app(app)  # app-wide request hooks, after the CSRF check and g.user's loading
    for blueprint in (
        auth_bp, today_bp, accounts_bp, meetings_bp, notes_bp, opportunities_bp,  # the rep's day
        pwa_bp, sync_bp,  # installable app, briefcase, offline outbox and replay ledger
        admin_bp,  # users and audit log
        territories_bp, imports_bp,  # territory design and roll-forward; CSV in and out
        pipeline_bp,  # coverage, farming algorithm, forecast, one-to-ones
        contacts_bp,  # people met in the field
        success_bp,  # customer success, renewals, reference customers (cascade)
        reminders_bp,  # Web Push reminders and their settings
        checkins_bp,  # check-in / check-out on an account (issue 15)
        people_bp,  # people across companies, keep in touch, old lists (issue 14)
        intel_bp,  # vendor pals and intel on accounts
    ):
        app.register_blueprint(blueprint)
    from webapp.calendar import routes as calendar_routes, vcards  # calendar and vCards (issue 15)

    app.register_blueprint(calendar_routes.bp)
    app.register_blueprint(vcards.bp)

    from webapp.cli import register_commands

    register_commands(app)
    return app
