"""Changing a password, replacing an admin's temporary password, and signing out everywhere."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.models import AuditEvent, Note, User, UserSession

NEW = "a-brand-new-passphrase"
TEMPORARY = "temporary-from-the-admin"


def _change(client, current=PASSWORD, new=NEW, again=None, **kwargs):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "repeat_password": new if again is None else again}, **kwargs)


def _signs_in(app, email, password) -> bool:
    return app.test_client().post("/login", data={"email": email, "password": password}
                                  ).status_code == 303


def _actions(action) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_rep_changes_their_password_and_only_the_new_one_works(app, client, make, login):
    rep = make.user("rep")
    login(rep)
    page = client.get("/account/password")
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.data
    response = _change(client)
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this phone stays signed in
    assert not _signs_in(app, rep.email, PASSWORD)
    assert _signs_in(app, rep.email, NEW)
    assert _actions("auth.password_changed") == 1


def test_changing_the_password_signs_out_every_other_session(app, client, make, login):
    rep = make.user("rep")
    laptop = login(rep, client=app.test_client())
    login(rep)
    assert _change(client).status_code == 303
    assert laptop.get("/").status_code == 302  # to the sign-in page
    assert client.get("/").status_code == 200
    open_sessions = db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == rep.id, UserSession.ended_at.is_(None)))
    assert open_sessions == 1


def test_password_problems_are_explained_next_to_the_field(client, make, login):
    rep = make.user("rep")
    login(rep)
    cases = [
        (dict(current="wrong-password-here"), b"That is not your current password."),
        (dict(new="short"), b"Use at least 12 characters."),
        (dict(new="password1234"), b"among the first ones attackers try"),
        (dict(new=PASSWORD), b"different from the current one"),
        (dict(again="something-else-entirely"), b"The two new passwords differ"),
        (dict(current=""), b"Enter your current password."),
    ]
    for kwargs, message in cases:
        response = _change(client, **kwargs)
        assert response.status_code == 400, kwargs
        assert message in response.data, kwargs
        assert b'class="error" id="' in response.data  # next to its field
    db.session.expire_all()
    assert _signs_in(client.application, rep.email, PASSWORD)


def test_guessing_the_current_password_is_throttled(app, client, make, login):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    rep = make.user("rep")
    login(rep)
    for _ in range(3):
        assert _change(client, current="guess-guess-guess").status_code == 400
    assert _change(client).status_code == 429


def test_company_sign_in_users_have_no_password_to_change(app, client, make):
    from tests.support.security import sign_in_as

    user = make.user("rep", oidc_issuer="https://idp.example", oidc_subject="s-1")
    user.password_hash = None
    db.session.commit()
    sign_in_as(app, client, user)
    assert client.get("/account/password").status_code == 404
    assert b"/account/password" not in client.get("/more").data


def _invited(client, make, login, role="rep") -> User:
    admin = make.user("admin")
    manager = make.user("manager")
    admin_client = login(admin, client=client.application.test_client())
    response = admin_client.post("/admin/users/new", data={
        "name": "New Hire", "email": f"new.hire.{role}@example.com", "role": role,
        "manager_id": str(manager.id) if role == "rep" else "", "password": TEMPORARY})
    assert response.status_code == 303, response.data
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == f"new.hire.{role}@example.com"))
    assert user.must_change_password
    return user


def test_a_temporary_password_must_be_changed_before_anything_else(client, make, login):
    user = _invited(client, make, login)
    login(user, password=TEMPORARY)
    response = client.get("/accounts/")
    assert response.status_code == 303
    assert response.location.startswith("/account/password?next=/accounts/")
    page = client.get(response.location)
    assert page.status_code == 200 and b"set by an admin" in page.data
    fragment = client.get("/", headers={"HX-Request": "true"})
    assert fragment.status_code == 403 and fragment.headers["HX-Redirect"] == "/account/password"
    assert client.get("/sync/token").status_code == 200  # the outbox can still ask
    done = client.post("/account/password?next=/accounts/", data={
        "current_password": TEMPORARY, "new_password": NEW, "repeat_password": NEW})
    assert done.status_code == 303 and done.location == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    detail = db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "auth.password_changed"))
    assert '"temporary": true' in detail


def test_the_outbox_replays_while_a_password_change_is_pending(client, make, login):
    """Decision: the outbox's writes are accepted (the rep's own work, checked like any write);
    a redirect would count as "confirmed" in the outbox and lose the write."""
    user = _invited(client, make, login)
    account = make.account(owner=user)
    login(user, password=TEMPORARY)
    key = str(uuid.uuid4())
    response = client.post("/notes/new", data={"client_id": key, "account_id": account.id,
                                               "body": "Written offline before the change"},
                           headers={"X-Groundwork-Outbox": "1"})
    assert response.status_code == 303
    assert not response.location.startswith("/account/password")
    assert db.session.scalar(select(func.count(Note.id)).where(Note.uuid == key)) == 1


def test_other_writes_wait_for_the_password_change(client, make, login):
    user = _invited(client, make, login, role="admin")
    login(user, password=TEMPORARY)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post("/admin/users/new", data={
        "name": "Sneaky", "email": "sneaky@example.com", "role": "admin", "manager_id": "",
        "password": "another-temporary-one"})
    assert response.status_code == 403
    assert b"Change your temporary password first." in response.data
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == before


def test_sign_out_everywhere_ends_every_session_of_the_user(app, client, make, login):
    rep = make.user("rep")
    other = make.user("rep")
    laptop = login(rep, client=app.test_client())
    bystander = login(other, client=app.test_client())
    login(rep)
    more = client.get("/more")
    assert b"Sign out everywhere" in more.data and b"/logout/everywhere" in more.data
    response = client.post("/logout/everywhere")
    assert response.status_code == 303 and response.location == "/login"
    assert client.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert bystander.get("/").status_code == 200
    assert _actions("auth.sign_out_everywhere") == 1
    assert _signs_in(app, rep.email, PASSWORD)  # the password itself still works
