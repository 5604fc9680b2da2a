"""The `groundwork` command an admin uses on a fresh install."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User


def test_create_user_makes_a_user_who_can_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Pat@Example.com", "--name", "Pat Lee",
                                 "--role", "rep", "--password", "a-long-password-here"])
    assert result.exit_code == 0, result.output
    response = client.post("/login", data={"email": "pat@example.com", "password": "a-long-password-here"})
    assert response.status_code == 303


def test_create_user_refuses_a_weak_password_and_creates_nothing(app):
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "x@example.com", "--name", "X",
                                                "--password", "short"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_init_db_is_repeatable(app):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
