"""Session cookies, rotation, sign-out on the server, deactivation, idle and absolute timeouts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.security import build_app, cleaned
from webapp.extensions import db
from webapp.models import AuditEvent, UserSession


def _cookie_header(response):
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(("groundwork=",
                                                                              "__Host-"))][-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, make):
    rep = make.user("rep")
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    header = _cookie_header(response)
    assert header.startswith("groundwork=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Domain=" not in header


def test_over_https_the_cookie_is_a_secure_host_cookie(database_url, clock, tmp_path, make):
    email = make.user("rep").email
    db.session.close()  # release SQLite for the second app
    with cleaned(build_app(database_url, clock, tmp_path, SESSION_COOKIE_SECURE=True)) as app:
        response = app.test_client().post("/login", data={"email": email, "password": PASSWORD},
                                          base_url="https://localhost")
    header = _cookie_header(response)
    assert header.startswith("__Host-groundwork=")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Path=/" in header and "Domain=" not in header


def test_a_host_cookie_without_secure_is_refused_at_start(database_url, clock, tmp_path):
    with pytest.raises(RuntimeError, match="__Host-"):
        build_app(database_url, clock, tmp_path, SESSION_COOKIE_NAME="__Host-x")


def _sets_cookie(response) -> bool:
    return any(h.startswith(("groundwork=", "__Host-"))
               for h in response.headers.getlist("Set-Cookie"))


def test_a_request_running_alongside_cannot_wipe_a_message_just_set(client, make, clock):
    """The cookie carries the flash message. Answers re-send it only when the session
    changed, so a page or background fetch that started before a save cannot overwrite the
    save's "Note saved." with its older copy of the cookie."""
    client.post("/login", data={"email": make.user("rep").email, "password": PASSWORD})
    client.get("/")
    assert not _sets_cookie(client.get("/accounts/"))  # nothing changed: no cookie sent
    clock.advance(minutes=5)
    background = client.get("/", headers={"X-Groundwork-Briefcase": "1"})
    assert background.status_code == 200 and not _sets_cookie(background)
    assert _sets_cookie(client.get("/accounts/"))  # the user's own activity is recorded


def test_signing_in_starts_a_new_session(client, make):
    rep = make.user("rep")
    client.get("/login")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by-an-attacker"
        cookie["sid"] = "fixated-session-id"
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        assert cookie["sid"] != "fixated-session-id"


def test_two_sign_ins_get_two_different_sessions(app, make):
    rep = make.user("rep")
    one, two = app.test_client(), app.test_client()
    for c in (one, two):
        c.post("/login", data={"email": rep.email, "password": PASSWORD})
    with one.session_transaction() as a, two.session_transaction() as b:
        assert a["sid"] != b["sid"]


def test_an_old_cookie_is_rejected_after_sign_out(client, app, make):
    rep = make.user("rep")
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    stolen = client.get_cookie("groundwork").value
    assert client.post("/logout").status_code == 303

    replay = app.test_client()
    replay.set_cookie("groundwork", stolen)
    assert replay.get("/").status_code == 302
    assert replay.post("/notes/new", data={"body": "x"}).status_code == 401
    ended = db.session.scalars(select(UserSession)).one()
    assert ended.ended_reason == "signed_out"


def test_signing_out_on_one_device_keeps_the_other_signed_in(app, make):
    rep = make.user("rep")
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        c.post("/login", data={"email": rep.email, "password": PASSWORD})
    laptop.post("/logout")
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 302


def test_deactivating_a_user_ends_every_session_at_once(app, make, login):
    rep = make.user("rep")
    admin = make.user("admin")
    phone = app.test_client()
    phone.post("/login", data={"email": rep.email, "password": PASSWORD})
    copy = phone.get_cookie("groundwork").value
    admin_client = login(admin)
    response = admin_client.post(f"/admin/users/{rep.id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert phone.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("groundwork", copy)
    assert replay.get("/").status_code == 302
    # Reactivating does not bring old sessions back.
    admin_client.post(f"/admin/users/{rep.id}/active", data={"active": "1"})
    assert replay.get("/").status_code == 302
    assert all(s.ended_at for s in db.session.scalars(select(UserSession).where(
        UserSession.user_id == rep.id)))


def test_an_idle_session_expires(app, clock, make):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=12)
    rep = make.user("rep")
    client = app.test_client()
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    clock.advance(minutes=20)
    assert client.get("/").status_code == 200  # activity keeps it alive
    clock.advance(minutes=20)
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/").status_code == 302
    # Once expired, it stays expired.
    clock.advance(minutes=-31)
    assert client.get("/").status_code == 302


def test_expired_session_answers_401_to_writes_and_htmx_so_the_outbox_can_ask_to_sign_in(
        app, clock, make):
    app.config.update(SESSION_IDLE_MINUTES=30)
    rep = make.user("rep")
    client = app.test_client()
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    clock.advance(minutes=31)
    assert client.post("/notes/new", data={"body": "from the outbox"}).status_code == 401
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    clock.advance(minutes=31)
    assert client.get("/", headers={"HX-Request": "true"}).status_code == 401


def test_a_session_ends_at_the_absolute_timeout_even_when_in_use(app, clock, make):
    app.config.update(SESSION_IDLE_MINUTES=60, SESSION_ABSOLUTE_HOURS=8)
    rep = make.user("rep")
    client = app.test_client()
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    for _ in range(15):
        clock.advance(minutes=30)
        assert client.get("/").status_code == 200
    clock.advance(minutes=31)  # 8 h 1 min after signing in
    assert client.get("/").status_code == 302


def test_default_idle_timeout_lets_an_outbox_replay_days_later(client, make, clock):
    rep = make.user("rep")
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    clock.advance(days=6)  # a week-long trip with no signal
    assert client.get("/", headers={"HX-Request": "true"}).status_code == 200
    clock.advance(days=15)
    assert client.get("/").status_code == 302


def test_sign_ins_and_sign_outs_are_audited(client, make):
    rep = make.user("rep")
    client.post("/login", data={"email": rep.email, "password": "wrong-password-here"})
    client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password"})
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    client.post("/logout")
    actions = [(e.action, e.actor_id) for e in db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("auth.sign_in_failed", rep.id), ("auth.sign_in_failed", None),
                       ("auth.sign_in", rep.id), ("auth.sign_out", rep.id)]
    assert db.session.scalars(select(AuditEvent)).first().ip == "127.0.0.1"
