"""An admin resets a forgotten password: a one-time password (typed, or made up and shown once)
that must be changed at the next sign-in, like an invite's; every session of the user ends."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.security import sign_in_as
from webapp.extensions import db
from webapp.models import AuditEvent, User


def _people(make):
    admin = make.user("admin", name="Ada Admin")
    rep = make.user("rep", name="Dana Field", email="dana@example.com")
    return admin, rep


def _reset_events():
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.password_reset")).all()


def test_admin_resets_with_a_generated_password_shown_once_and_old_sessions_end(app, make, login):
    admin, rep = _people(make)
    reps_phone = login(rep, client=app.test_client())
    assert reps_phone.get("/").status_code == 200
    admins = login(admin, client=app.test_client())

    edit = admins.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert f'href="/admin/users/{rep.id}/password"' in edit and "Reset password" in edit
    form = admins.get(f"/admin/users/{rep.id}/password")
    assert form.status_code == 200
    assert '<label for="password">New temporary password</label>' in form.get_data(as_text=True)

    done = admins.post(f"/admin/users/{rep.id}/password", data={"password": ""})

    assert done.status_code == 200
    assert "no-store" in done.headers["Cache-Control"]
    html = done.get_data(as_text=True)
    password = re.search(r"<p class=\"secret\" data-temporary-password>([^<]+)</p>", html).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert "shown only this once" in html
    # The rep's phone is signed out; the old password no longer works; the new one must change.
    assert reps_phone.get("/").headers["Location"].startswith("/login")
    assert app.test_client().post("/login", data={"email": rep.email, "password": PASSWORD}
                                  ).status_code == 401
    fresh = login(rep, password=password, client=app.test_client())
    assert fresh.get("/").headers["Location"].startswith("/account/password")
    changed = fresh.post("/account/password", data={
        "current_password": password, "new_password": "my-own-new-passphrase",
        "repeat_password": "my-own-new-passphrase"})
    assert changed.status_code == 303
    assert fresh.get("/").status_code == 200
    # Shown once: the edit page and the audit log never show it again.
    assert password not in admins.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert password not in admins.get("/admin/audit").get_data(as_text=True)
    [event] = _reset_events()
    assert event.actor_id == admin.id and event.target_id == str(rep.id)
    assert json.loads(event.detail)["generated"] is True
    assert password not in event.detail


def test_admin_types_the_one_time_password_and_is_sent_back_to_the_user(app, make, login):
    admin, rep = _people(make)
    admins = login(admin, client=app.test_client())

    response = admins.post(f"/admin/users/{rep.id}/password",
                           data={"password": "read-it-out-slowly"})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{rep.id}"
    page = admins.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dana Field&#39;s password was reset" in page
    assert "read-it-out-slowly" not in page
    reps = login(rep, password="read-it-out-slowly", client=app.test_client())
    assert reps.get("/accounts/").headers["Location"].startswith("/account/password")
    assert json.loads(_reset_events()[0].detail)["generated"] is False


def test_a_weak_typed_password_is_explained_next_to_the_field_and_nothing_changes(
        app, make, login):
    admin, rep = _people(make)
    reps_phone = login(rep, client=app.test_client())
    admins = login(admin, client=app.test_client())
    db.session.expire_all()
    hash_before = db.session.get(User, rep.id).password_hash

    for weak, message in (("short", "Use at least 12 characters."),
                          ("dana-dana-dana-dana", "Don&#39;t put your e-mail address")):
        response = admins.post(f"/admin/users/{rep.id}/password", data={"password": weak})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        field = re.search(r'<input [^>]*name="password"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in field and 'aria-describedby="password-error"' in field
        assert re.search(r'<p class="error" id="password-error">' + re.escape(message), html)

    db.session.expire_all()
    rep_now = db.session.get(User, rep.id)
    assert rep_now.password_hash == hash_before and not rep_now.must_change_password
    assert reps_phone.get("/").status_code == 200  # still signed in
    assert not _reset_events()


def test_company_sign_in_only_users_have_no_password_to_reset(app, make, login):
    admin, _ = _people(make)
    company = make.user("rep", name="Olli Oidc")
    company.password_hash = None
    company.oidc_issuer, company.oidc_subject = "https://id.example.com", "sub-1"
    db.session.commit()
    admins = login(admin, client=app.test_client())

    page = admins.get(f"/admin/users/{company.id}").get_data(as_text=True)

    assert "Reset password" not in page
    assert admins.get(f"/admin/users/{company.id}/password").status_code == 404
    assert admins.post(f"/admin/users/{company.id}/password", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, company.id).password_hash is None


def test_an_admin_changes_their_own_password_elsewhere(app, make, login):
    admin, _ = _people(make)
    admins = login(admin, client=app.test_client())

    assert "Reset password" not in admins.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert admins.post(f"/admin/users/{admin.id}/password", data={}).status_code == 404
    assert admins.get("/").status_code == 200  # not signed out


def test_not_offered_when_password_sign_in_is_switched_off(app, make, login):
    admin, rep = _people(make)
    admins = login(admin, client=app.test_client())
    app.config["LOCAL_LOGIN_ENABLED"] = False

    assert "Reset password" not in admins.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert admins.post(f"/admin/users/{rep.id}/password", data={}).status_code == 404


def test_only_admins_reset_passwords(app, make, login):
    admin, rep = _people(make)
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    for someone in (manager, rep):
        client = login(someone, client=app.test_client())
        assert client.get(f"/admin/users/{rep.id}/password").status_code == 404
        assert client.post(f"/admin/users/{rep.id}/password", data={}).status_code == 404
    assert app.test_client().post(f"/admin/users/{rep.id}/password").status_code == 401
    db.session.expire_all()
    assert not db.session.get(User, rep.id).must_change_password
    assert not _reset_events()


def test_a_reset_without_the_csrf_token_is_refused(app, make):
    admin, rep = _people(make)
    app.config["WTF_CSRF_ENABLED"] = True
    admins = sign_in_as(app, app.test_client(), admin)

    response = admins.post(f"/admin/users/{rep.id}/password", data={"password": ""})

    assert response.status_code == 400 and b"came from another site" in response.data
    db.session.expire_all()
    assert not db.session.get(User, rep.id).must_change_password
    assert not _reset_events()
