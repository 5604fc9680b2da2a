"""Helpers for the security tests: build an app with other settings, sign in without argon2."""
from __future__ import annotations

import contextlib

from webapp import create_app
from webapp.extensions import db


def build_app(database_url, clock, tmp_path, **settings):
    """An app like the `app` fixture's, with `settings` on top (CSRF on, OIDC, timeouts …)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "CLOCK": clock,
    }
    config.update(settings)
    app = create_app(config)
    app.instance_path = str(tmp_path)
    return app


@contextlib.contextmanager
def cleaned(app):
    """Yield `app`; afterwards empty every table (like the shared `app` fixture does)."""
    from tests.conftest import _empty_all_tables

    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()


def sign_in_as(app, client, user):
    """Sign `user` in on `client` the way /login does, minus the password check (fast)."""
    from webapp.sessions import sign_in

    with app.test_request_context("/login", method="POST"):
        from flask import session

        sign_in(db.session.merge(user))
        values = dict(session)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(values)
        cookie.permanent = True
    return client
