"""Sign-in with the company's OpenID Connect provider (Google Workspace, Entra ID, Okta, …).

Authorization-code flow with PKCE (S256), state and nonce, through Authlib. The provider is
found by discovery from OIDC_ISSUER. A person is identified by (issuer, subject), never by
e-mail alone. An e-mail address is trusted only to *link* a first sign-in to an existing
Groundwork user, or to create a rep just in time, and only when the provider says the address
is verified (`email_verified: true`) and its domain is in OIDC_ALLOWED_DOMAINS.
"""
from __future__ import annotations

from datetime import UTC

from authlib.integrations.base_client import OAuthError
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app, session
from joserfc.errors import JoseError
from sqlalchemy import select

from webapp.clock import utcnow
from webapp.extensions import db, oauth
from webapp.models import User
from webapp.services.audit import record, record_now

PROVIDER = "company"
# Clock skew tolerated between us and the provider, in seconds.
LEEWAY = 120


class OidcRefused(Exception):
    """The provider's answer cannot sign anyone in. `reason` goes to the audit log only."""

    def __init__(self, reason: str, message: str = "Sign-in with your company account failed. "
                                                  "Please try again."):
        super().__init__(reason)
        self.reason = reason
        self.message = message


class _IDToken(CodeIDToken):
    """Authlib's ID token checks, evaluated at the app's clock (tests inject one)."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(utcnow().replace(tzinfo=UTC).timestamp()), leeway=leeway)


def init_app(app: Flask) -> None:
    """Register the provider when OIDC_ISSUER is set; one client per app (tests build many)."""
    if not app.config.get("LOCAL_LOGIN_ENABLED", True) and not app.config.get("OIDC_ISSUER"):
        raise RuntimeError("LOCAL_LOGIN_ENABLED is off and OIDC_ISSUER is not set: "
                           "nobody could sign in.")
    oauth.init_app(app)
    if not app.config.get("OIDC_ISSUER"):
        return
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    client = oauth.oauth2_client_cls(
        oauth.framework_integration_cls(PROVIDER, oauth.cache), PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config.get("OIDC_SCOPES", "openid email profile"),
                       "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["groundwork.oidc"] = client


def enabled() -> bool:
    return "groundwork.oidc" in current_app.extensions


def _client():
    return current_app.extensions["groundwork.oidc"]


def authorization_redirect(redirect_uri: str):
    """The redirect to the provider; state, nonce and PKCE verifier are kept in the session."""
    return _client().authorize_redirect(redirect_uri)


def complete_sign_in() -> User:
    """Check the provider's answer on the callback and return the user to sign in.

    Raises OidcRefused for anything that is not a fresh, valid answer to *this* browser's
    request: wrong or reused state, an error from the provider, a token for another audience
    or issuer, an expired token, a wrong nonce, or a person Groundwork does not know.
    """
    client = _client()
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    try:
        metadata = client.load_server_metadata()
        # Discovery must describe the issuer we were configured with (OIDC Discovery §4.3).
        if metadata.get("issuer", "").rstrip("/") != issuer:
            raise OidcRefused("discovery_issuer_mismatch")
        token = client.authorize_access_token(
            claims_cls=_IDToken,
            leeway=LEEWAY,
            claims_options={
                "iss": {"essential": True, "values": [issuer, issuer + "/"]},
                "aud": {"essential": True, "value": client.client_id},
                "sub": {"essential": True},
            },
        )
    except OidcRefused:
        raise
    except OAuthError as error:  # state mismatch, provider error, token endpoint refusal
        raise OidcRefused(f"oauth:{error.error or 'error'}") from error
    except JoseError as error:  # bad signature, expired, wrong aud/iss/nonce, missing claims
        detail = getattr(error, "description", "") or getattr(error, "error", "")
        raise OidcRefused(f"id_token:{type(error).__name__}:{detail}"[:120]) from error
    except Exception as error:  # network trouble talking to the provider, malformed answers
        current_app.logger.warning("OIDC sign-in failed: %r", error)
        raise OidcRefused(f"provider:{type(error).__name__}") from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise OidcRefused("no_id_token")
    return _user_for(claims, issuer)


def _user_for(claims: dict, issuer: str) -> User:
    """Match by (issuer, subject); else link or create by a verified e-mail of an allowed domain."""
    subject = str(claims["sub"])
    user = db.session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
    if user is not None:
        if not user.active:
            raise OidcRefused("inactive", _NOT_SET_UP)
        return user

    email = str(claims.get("email") or "").strip().lower()
    domain = email.rpartition("@")[2]
    allowed = current_app.config.get("OIDC_ALLOWED_DOMAINS", ())
    # `is True`: a string "true" or a missing claim is not a verified address.
    trusted_email = bool(email) and claims.get("email_verified") is True and domain in allowed
    if not trusted_email:
        raise OidcRefused("email_not_trusted", _NOT_SET_UP)

    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        if user.oidc_subject is not None or not user.active:
            # Linked to another identity already (or switched off): never re-link by e-mail.
            raise OidcRefused("email_linked_elsewhere" if user.active else "inactive", _NOT_SET_UP)
        user.oidc_issuer, user.oidc_subject = issuer, subject
        record(db.session, user, "auth.oidc_linked", "user", user.id, email=email,
               issuer=issuer, subject=subject)
        db.session.commit()
        return user

    if not current_app.config.get("OIDC_JIT_CREATE"):
        raise OidcRefused("unknown_user", _NOT_SET_UP)
    name = str(claims.get("name") or email.partition("@")[0])[:120].strip() or email
    user = User(email=email, name=name, role="rep", oidc_issuer=issuer, oidc_subject=subject,
                password_hash=None, timezone=current_app.config.get("DEFAULT_TIMEZONE",
                                                                    "America/Chicago"))
    db.session.add(user)
    db.session.flush()
    record(db.session, user, "user.created", "user", user.id, email=email, role="rep",
           via="oidc_just_in_time", issuer=issuer, subject=subject)
    db.session.commit()
    return user


_NOT_SET_UP = ("Your company account is not set up for Groundwork yet. "
               "Ask your Groundwork admin to invite you.")


def audit_refusal(refusal: OidcRefused) -> None:
    record_now(db.session, None, "auth.sign_in_failed", "user", "", method="oidc",
               reason=refusal.reason)


def forget_pending_requests() -> None:
    """Drop state left by abandoned sign-in attempts (Authlib keeps one per redirect)."""
    for key in [k for k in session if k.startswith(f"_state_{PROVIDER}_")]:
        session.pop(key, None)
