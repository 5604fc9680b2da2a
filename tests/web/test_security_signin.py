"""Local accounts: throttled sign-in (per account and per address), the same answer for known
and unknown e-mails, argon2id hashes and the password policy."""
from __future__ import annotations

import socket

import pytest

from tests.conftest import PASSWORD
from tests.support.security import build_app, cleaned
from webapp.passwords import hash_password, needs_rehash
from webapp.extensions import db
from webapp.models import User
from webapp.services.users import password_problem

WRONG = "not-the-password"


def _fail(client, email, addr="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": WRONG},
                       environ_base={"REMOTE_ADDR": addr})


def test_too_many_failures_for_one_account_are_throttled_even_with_the_right_password(
        app, client, make):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    rep = make.user("rep")
    for n in range(3):
        assert _fail(client, rep.email, f"10.0.0.{n}").status_code == 401
    # From yet another address, and with the right password: still throttled.
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.9.9"})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.data
    assert "Retry-After" in response.headers


def test_unknown_and_known_accounts_are_throttled_alike(app, client, make):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    rep = make.user("rep")
    answers = {}
    for email in (rep.email, "nobody@example.com"):
        answers[email] = [(_fail(client, email, f"10.1.{i}.1").status_code) for i in range(3)]
    assert answers[rep.email] == answers["nobody@example.com"] == [401, 401, 429]


def test_one_address_trying_many_accounts_is_throttled(app, client, make):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    statuses = [_fail(client, f"guess{i}@example.com").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    # Another address is not affected.
    assert _fail(client, "guess9@example.com", "10.0.0.2").status_code == 401


def test_successful_sign_ins_do_not_count_against_the_limit(app, client, make):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    rep = make.user("rep")
    for _ in range(4):
        assert client.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303


def _redis_up() -> bool:
    try:
        import redis  # noqa: F401

        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 and the redis package")
def test_app_servers_sharing_redis_share_the_limits(database_url, clock, tmp_path, make):
    import uuid

    email = f"{uuid.uuid4().hex[:8]}@example.com"  # fresh key: Redis outlives the test
    db.session.close()
    settings = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                    LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    with cleaned(build_app(database_url, clock, tmp_path, **settings)) as one:
        one_client = one.test_client()
        assert _fail(one_client, email).status_code == 401
        assert _fail(one_client, email).status_code == 401
        two = build_app(database_url, clock, tmp_path, **settings)
        assert _fail(two.test_client(), email).status_code == 429


def test_a_password_hashed_with_old_parameters_is_rehashed_on_sign_in(client, make):
    from argon2 import PasswordHasher

    rep = make.user("rep")
    rep.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    db.session.commit()
    assert needs_rehash(rep.password_hash)
    assert client.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, rep.id).password_hash
    assert stored.startswith("$argon2id$") and not needs_rehash(stored)


def test_hashes_are_argon2id():
    assert hash_password("a-long-enough-password").startswith("$argon2id$")


@pytest.mark.parametrize("password, message", [
    ("short", "at least 12 characters"),
    ("aaaaaaaaaaaaaaaa", "more than a few different characters"),
    ("password1234", "first ones attackers try"),
    ("riley-rocks-2026!", "e-mail address"),
    ("x" * 201, "at most 200"),
])
def test_password_policy_explains_what_is_wrong(password, message):
    assert message in password_problem(password, "riley@acme.example")


def test_a_good_password_passes_the_policy():
    assert password_problem("train-elevator-coffee", "riley@acme.example") is None
