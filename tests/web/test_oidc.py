"""Sign-in with the company's identity provider, against a real OpenID Connect provider
(oidc-provider-mock, in a thread on a free port).

The provider issues real codes and real signed ID tokens. Where it cannot produce a bad case
by itself (a token for another client, from another issuer, signed by someone else), the
test obtains such a token from it (or signs one) and swaps it into the token response at the
HTTP boundary, so the app's own checks are what refuses it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.security import build_app, cleaned
from webapp.extensions import db
from webapp.models import AuditEvent, User

CLIENT_ID = "groundwork-test"
DOMAIN = "acme.example"


@pytest.fixture(scope="module")
def provider():
    """A real OIDC provider on 127.0.0.1:<free port>; yields its base URL (the issuer)."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def app(database_url, clock, tmp_path, provider):
    # Tokens are stamped with the provider's real time: the app's clock starts there too.
    clock.set(datetime.now(UTC).replace(tzinfo=None))
    app = build_app(database_url, clock, tmp_path, OIDC_ISSUER=provider,
                    OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET="s3cret",
                    OIDC_ALLOWED_DOMAINS=(DOMAIN,), OIDC_BUTTON_LABEL="Acme")
    with cleaned(app):
        yield app


def person(provider, *, email=None, verified=True, name="Riley Rep"):
    """A person at the provider; returns their subject."""
    sub = f"sub-{uuid.uuid4().hex[:12]}"
    claims = {"name": name, "email": email or f"{sub}@{DOMAIN}", "email_verified": verified}
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=5)
    assert response.status_code == 204
    return sub


def start(client, next_path=None):
    """Click 'Sign in with Acme': the app redirects to the provider's authorization URL."""
    response = client.get("/login/oidc" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302, response.data
    return response.headers["Location"]


def approve(authorization_url, sub):
    """The person approves at the provider; returns the callback URL it redirects back to."""
    response = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False,
                             timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def callback(client, callback_url):
    parts = urlsplit(callback_url)
    assert parts.path == "/login/oidc/callback"
    return client.get(f"{parts.path}?{parts.query}")


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url, **changes):
    parts = urlsplit(url)
    params = query(url) | changes
    return urlunsplit(parts._replace(query=urlencode(params)))


def token_from_provider(base, *, client_id, sub, nonce):
    """A real ID token from the provider at `base`, issued to `client_id`."""
    redirect_uri = "https://other-app.example/cb"
    auth = requests.post(f"{base}/oauth2/authorize", params={
        "client_id": client_id, "response_type": "code", "scope": "openid email profile",
        "redirect_uri": redirect_uri, "nonce": nonce, "state": "st"},
        data={"sub": sub}, allow_redirects=False, timeout=5)
    code = query(auth.headers["Location"])["code"]
    token = requests.post(f"{base}/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=(client_id, "whatever"), timeout=5)
    assert token.status_code == 200, token.text
    return token.json()["id_token"]


@pytest.fixture
def swap_id_token(monkeypatch):
    """Replace the id_token in the next token-endpoint response the app receives."""
    original = HTTPAdapter.send

    def install(id_token):
        def send(adapter, request, **kwargs):
            response = original(adapter, request, **kwargs)
            if request.url.endswith("/oauth2/token") and response.status_code == 200:
                body = response.json()
                body["id_token"] = id_token
                response._content = json.dumps(body).encode()
            return response

        monkeypatch.setattr(HTTPAdapter, "send", send)

    return install


def signed_in(client):
    return client.get("/").status_code == 200


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- The happy path ------------------------------------------------------------------------

def test_invited_rep_signs_in_with_the_company_account_and_lands_on_today(client, make, provider):
    rep = make.user("rep", email=f"riley@{DOMAIN}")
    sub = person(provider, email=f"riley@{DOMAIN}")

    response = callback(client, approve(start(client), sub))

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    db.session.refresh(rep)
    assert (rep.oidc_issuer, rep.oidc_subject) == (provider, sub)
    assert [e.target_id for e in events("auth.oidc_linked")] == [str(rep.id)]
    assert '"method": "oidc"' in events("auth.sign_in")[-1].detail


def test_next_sign_in_is_matched_by_subject_even_if_the_email_changed(client, make, provider):
    rep = make.user("rep", email=f"sam@{DOMAIN}",
                    oidc_issuer=provider, oidc_subject="sub-sam-1")
    requests.put(f"{provider}/users/sub-sam-1", json={"email": f"samuel@{DOMAIN}",
                                                       "email_verified": True}, timeout=5)
    assert callback(client, approve(start(client, "/more"), "sub-sam-1")).headers["Location"] == "/more"
    assert client.get("/more").status_code == 200
    assert rep.email.encode() in client.get("/more").data


def test_authorization_request_carries_state_nonce_and_an_s256_code_challenge(client, provider):
    url = start(client)
    params = query(url)
    assert url.startswith(f"{provider}/oauth2/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert "openid" in params["scope"].split()
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    with client.session_transaction() as cookie:
        pending = cookie[f"_state_company_{params['state']}"]["data"]
    verifier = pending["code_verifier"]
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert params["code_challenge"] == expected.decode()
    assert pending["nonce"] == params["nonce"]
    # Two sign-in attempts never share state or nonce.
    again = query(start(client))
    assert again["state"] != params["state"] and again["nonce"] != params["nonce"]


def test_login_page_offers_the_company_button(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Acme" in page
    assert 'name="password"' in page


def test_local_passwords_can_be_switched_off(database_url, clock, tmp_path, provider, make):
    app = build_app(database_url, clock, tmp_path, OIDC_ISSUER=provider,
                    OIDC_CLIENT_ID=CLIENT_ID, LOCAL_LOGIN_ENABLED=False)
    rep = make.user("rep")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with your company" in page and 'name="password"' not in page
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    assert response.status_code == 404
    assert not signed_in(client)


def test_switching_passwords_off_without_a_provider_is_refused_at_start(database_url, clock,
                                                                        tmp_path):
    with pytest.raises(RuntimeError, match="nobody could sign in"):
        build_app(database_url, clock, tmp_path, LOCAL_LOGIN_ENABLED=False)


# --- Refused answers -----------------------------------------------------------------------

def _refused(client, response):
    assert response.status_code == 401
    assert b"Sign in with Acme" in response.data
    assert not signed_in(client)


def test_a_wrong_state_is_refused(client, make, provider):
    make.user("rep", email=f"ana@{DOMAIN}")
    sub = person(provider, email=f"ana@{DOMAIN}")
    url = approve(start(client), sub)
    _refused(client, callback(client, with_query(url, state="forged-state-value")))
    assert "mismatching_state" in events("auth.sign_in_failed")[-1].detail


def test_a_callback_without_a_started_sign_in_is_refused(client, make, provider):
    """Login CSRF: an attacker's own code and state, pasted into the victim's browser."""
    sub = person(provider)
    attacker = client.application.test_client()
    url = approve(start(attacker), sub)
    _refused(client, callback(client, url))


def test_a_replayed_callback_is_refused(client, make, provider):
    make.user("rep", email=f"bo@{DOMAIN}")
    sub = person(provider, email=f"bo@{DOMAIN}")
    url = approve(start(client), sub)
    # A copy of the browser's cookie taken before the callback (state still inside).
    with client.session_transaction() as cookie:
        before = dict(cookie)
    assert callback(client, url).status_code == 303
    client.post("/logout")

    # The same browser again: its state was used up.
    _refused(client, callback(client, url))
    # The copied cookie: state matches, but the provider will not redeem a code twice.
    replayer = client.application.test_client()
    with replayer.session_transaction() as cookie:
        cookie.update(before)
    _refused(replayer, callback(replayer, url))


def test_a_token_for_another_audience_is_refused(client, make, provider, swap_id_token):
    make.user("rep", email=f"cy@{DOMAIN}")
    sub = person(provider, email=f"cy@{DOMAIN}")
    url = start(client)
    other = token_from_provider(provider, client_id="some-other-app", sub=sub,
                                nonce=query(url)["nonce"])
    assert jwt.decode(other, _provider_keys(provider)).claims["aud"] in ("some-other-app", ["some-other-app"])
    swap_id_token(other)
    _refused(client, callback(client, approve(url, sub)))
    assert "'aud'" in events("auth.sign_in_failed")[-1].detail


def test_a_token_from_another_issuer_is_refused(client, make, provider, swap_id_token):
    make.user("rep", email=f"di@{DOMAIN}")
    sub = person(provider, email=f"di@{DOMAIN}")
    url = start(client)
    # The same provider reached under another name signs with the same key but another iss.
    other_issuer = provider.replace("127.0.0.1", "localhost")
    other = token_from_provider(other_issuer, client_id=CLIENT_ID, sub=sub,
                                nonce=query(url)["nonce"])
    assert jwt.decode(other, _provider_keys(provider)).claims["iss"] == other_issuer
    swap_id_token(other)
    _refused(client, callback(client, approve(url, sub)))
    assert "'iss'" in events("auth.sign_in_failed")[-1].detail


def test_an_expired_token_is_refused(client, make, provider, clock):
    make.user("rep", email=f"ed@{DOMAIN}")
    sub = person(provider, email=f"ed@{DOMAIN}")
    url = approve(start(client), sub)
    clock.advance(hours=1, minutes=5)  # the provider's tokens live one hour (+2 min leeway)
    _refused(client, callback(client, url))
    assert "expired" in events("auth.sign_in_failed")[-1].detail


def test_a_wrong_nonce_is_refused(client, make, provider):
    make.user("rep", email=f"fa@{DOMAIN}")
    sub = person(provider, email=f"fa@{DOMAIN}")
    url = with_query(start(client), nonce="a-nonce-the-app-never-issued")
    _refused(client, callback(client, approve(url, sub)))
    assert "nonce" in events("auth.sign_in_failed")[-1].detail


def test_a_token_signed_by_someone_else_is_refused(client, make, provider, swap_id_token):
    make.user("rep", email=f"gu@{DOMAIN}")
    sub = person(provider, email=f"gu@{DOMAIN}")
    url = start(client)
    now = int(time.time())
    forged = jwt.encode({"alg": "RS256", "kid": "attacker"}, {
        "iss": provider, "aud": CLIENT_ID, "sub": sub, "nonce": query(url)["nonce"],
        "iat": now, "exp": now + 600, "email": f"gu@{DOMAIN}", "email_verified": True,
    }, RSAKey.generate_key(2048))
    swap_id_token(forged)
    _refused(client, callback(client, approve(url, sub)))
    assert "id_token" in events("auth.sign_in_failed")[-1].detail


def test_a_provider_error_is_refused(client, provider):
    url = start(client)
    response = requests.post(url, data={"action": "deny"}, allow_redirects=False, timeout=5)
    _refused(client, callback(client, response.headers["Location"]))


# --- Who may sign in -----------------------------------------------------------------------

def test_an_unverified_email_never_links_to_an_existing_user(client, make, provider):
    rep = make.user("rep", email=f"hu@{DOMAIN}")
    sub = person(provider, email=f"hu@{DOMAIN}", verified=False)
    response = callback(client, approve(start(client), sub))
    assert response.status_code == 401
    assert b"not set up for Groundwork" in response.data
    db.session.refresh(rep)
    assert rep.oidc_subject is None


def test_an_email_outside_the_allowed_domains_never_links(client, make, provider):
    rep = make.user("rep", email="iv@elsewhere.example")
    sub = person(provider, email="iv@elsewhere.example")
    assert callback(client, approve(start(client), sub)).status_code == 401
    db.session.refresh(rep)
    assert rep.oidc_subject is None


def test_a_user_linked_to_one_identity_is_not_taken_over_by_another(client, make, provider):
    rep = make.user("rep", email=f"jo@{DOMAIN}", oidc_issuer=provider, oidc_subject="sub-jo")
    intruder = person(provider, email=f"jo@{DOMAIN}")  # same (verified) e-mail, other person
    assert callback(client, approve(start(client), intruder)).status_code == 401
    db.session.refresh(rep)
    assert rep.oidc_subject == "sub-jo"


def test_a_deactivated_user_cannot_sign_in_with_the_company_account(client, make, provider):
    make.user("rep", email=f"ka@{DOMAIN}", oidc_issuer=provider, oidc_subject="sub-ka",
              active=False)
    requests.put(f"{provider}/users/sub-ka", json={"email": f"ka@{DOMAIN}"}, timeout=5)
    assert callback(client, approve(start(client), "sub-ka")).status_code == 401


def test_unknown_people_are_refused_unless_just_in_time_creation_is_on(client, app, ctx,
                                                                           provider):
    sub = person(provider, email=f"new@{DOMAIN}", name="Nia New")
    assert callback(client, approve(start(client), sub)).status_code == 401
    assert db.session.scalar(select(User).where(User.email == f"new@{DOMAIN}")) is None

    app.config["OIDC_JIT_CREATE"] = True
    assert callback(client, approve(start(client), sub)).status_code == 303
    created = db.session.scalar(select(User).where(User.email == f"new@{DOMAIN}"))
    assert (created.role, created.name, created.password_hash) == ("rep", "Nia New", None)
    assert created.oidc_subject == sub
    assert events("user.created")


def test_just_in_time_creation_still_needs_an_allowed_verified_domain(client, app, ctx,
                                                                         provider):
    app.config["OIDC_JIT_CREATE"] = True
    outsider = person(provider, email="mallory@gmail.example")
    assert callback(client, approve(start(client), outsider)).status_code == 401
    unverified = person(provider, email=f"mal@{DOMAIN}", verified=False)
    assert callback(client, approve(start(client), unverified)).status_code == 401
    assert db.session.scalar(select(User)) is None


def _provider_keys(provider):
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(requests.get(f"{provider}/jwks", timeout=5).json())
