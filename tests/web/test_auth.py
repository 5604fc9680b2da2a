"""Signing in and out with a local account."""
from tests.conftest import PASSWORD


def test_rep_signs_in_and_lands_on_today(client, make):
    rep = make.user("rep")
    response = client.post("/login", data={"email": rep.email.upper(), "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make):
    rep = make.user("rep")
    wrong = client.post("/login", data={"email": rep.email, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert b"don&#39;t match an active account" in wrong.data
    assert b"don&#39;t match an active account" in unknown.data
    # The typed e-mail is kept for the next try.
    assert rep.email.encode() in wrong.data


def test_pages_need_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/accounts/")


def test_next_never_leaves_the_site(client, make):
    rep = make.user("rep")
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD,
                                           "next": "//evil.example/phish"})
    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(client, make, login):
    rep = make.user("rep")
    login(rep)
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_deactivated_user_is_signed_out_on_next_request(client, make, login, app):
    from webapp.extensions import db

    rep = make.user("rep")
    login(rep)
    rep.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
