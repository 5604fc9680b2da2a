"""Settings, read from the environment once, in one class."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """A SECRET_KEY generated on first start and kept under instance/, never a constant in code."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _instance_vapid_key(instance_path: Path) -> str:
    """The VAPID private key (raw P-256, base64url) that signs Web Push messages: generated on
    first start and kept under instance/ like the secret key. Changing it orphans every
    device's subscription, so it is made once."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "vapid_private_key"
    if not key_file.exists():
        from cryptography.hazmat.primitives.asymmetric import ec

        value = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        key_file.write_text(_b64url(value.to_bytes(32, "big")))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def vapid_public_key(private_key: str) -> str:
    """The application server key a browser subscribes with (uncompressed point, base64url)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = base64.urlsafe_b64decode(private_key + "=" * (-len(private_key) % 4))
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    return _b64url(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Everything configurable, from environment variables (see README)."""

    def __init__(self, instance_path: str | Path):
        instance_path = Path(instance_path)
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or _instance_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'groundwork.sqlite'}"
        )
        # No pre-ping: it is a database round trip before every request. A connection that
        # dropped (a database restart) fails the statement that used it, the pool is recycled
        # (SQLAlchemy invalidates every connection on a disconnect error) and the next
        # request gets a fresh one; pool_recycle retires idle ones before a server-side timeout.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False, "pool_recycle": 1800}
        # Replays from the offline outbox may come days later; the CSRF token is bound to the
        # session instead of a clock (see README, security model).
        self.WTF_CSRF_TIME_LIMIT = None
        self.WTF_CSRF_HEADERS = ["X-CSRFToken"]
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
        # CSV imports run in the background: "thread" (a thread of the app server that took
        # the upload) or "worker" (only `groundwork imports work [--loop]` runs them).
        self.IMPORT_RUNNER = env.get("IMPORT_RUNNER", "thread")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        # None: "__Host-groundwork" when Secure, else "groundwork" (a __Host- cookie must be
        # Secure, so it cannot be used on plain-HTTP development servers).
        self.SESSION_COOKIE_NAME = env.get("SESSION_COOKIE_NAME") or None
        # Long idle timeout on purpose: the offline outbox replays writes days later with this
        # session (issue 3). The absolute timeout bounds how long a stolen cookie is any good.
        self.SESSION_IDLE_MINUTES = int(env.get("SESSION_IDLE_MINUTES", 14 * 24 * 60))
        self.SESSION_ABSOLUTE_HOURS = int(env.get("SESSION_ABSOLUTE_HOURS", 30 * 24))
        # How long an app process trusts a session it read (revocation is immediate anyway).
        self.SESSION_CACHE_SECONDS = int(env.get("SESSION_CACHE_SECONDS", 60))
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust
        # (HTTPS detection for HSTS and the OIDC redirect URI, client address for rate limits).
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))
        # Sign-in: local passwords, and/or the company's OpenID Connect provider.
        self.LOCAL_LOGIN_ENABLED = _bool("LOCAL_LOGIN_ENABLED", True)
        self.OIDC_ISSUER = (env.get("OIDC_ISSUER") or "").strip().rstrip("/")
        self.OIDC_CLIENT_ID = env.get("OIDC_CLIENT_ID", "")
        self.OIDC_CLIENT_SECRET = env.get("OIDC_CLIENT_SECRET", "")
        self.OIDC_ALLOWED_DOMAINS = _domains(env.get("OIDC_ALLOWED_DOMAINS", ""))
        self.OIDC_JIT_CREATE = _bool("OIDC_JIT_CREATE", False)
        self.OIDC_BUTTON_LABEL = env.get("OIDC_BUTTON_LABEL", "your company")
        self.OIDC_SCOPES = env.get("OIDC_SCOPES", "openid email profile")
        # Failed sign-ins allowed per typed e-mail and per client address (Flask-Limiter syntax),
        # counted in the app's database ("database://", shared by every worker and server;
        # webapp/auth/rate_limits.py) or in Redis for big deployments ("redis://host:6379/0").
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "database://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_LIMIT_PER_ACCOUNT = env.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = env.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
        # The briefcase saves the territory by itself on the first page after sign-in and when
        # its copy is a day old; off, the rep saves it from More (a team on metered data).
        self.BRIEFCASE_AUTOSAVE = _bool("BRIEFCASE_AUTOSAVE", True)
        self.DEFAULT_CURRENCY = env.get("DEFAULT_CURRENCY", "USD")
        self.DEFAULT_TIMEZONE = env.get("DEFAULT_TIMEZONE", "America/Chicago")
        # Web Push reminders (`groundwork reminders send`): the key that signs them, and who
        # the push services may contact about them (a mailto: or https: address).
        self.VAPID_PRIVATE_KEY = env.get("VAPID_PRIVATE_KEY") or _instance_vapid_key(instance_path)
        self.VAPID_PUBLIC_KEY = vapid_public_key(self.VAPID_PRIVATE_KEY)
        self.VAPID_SUBJECT = env.get("VAPID_SUBJECT", "mailto:admin@localhost")
        # The territory map's tiles (issue 15): an XYZ template and the attribution its terms
        # require. OpenStreetMap's standard tiles by default (their usage policy allows light
        # use with this attribution); a busy team should use a tile provider of its own.
        self.GROUNDWORK_TILE_URL = env.get("GROUNDWORK_TILE_URL",
                                           "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        self.GROUNDWORK_TILE_ATTRIBUTION = env.get(
            "GROUNDWORK_TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            "contributors")
        # Calendar in (issue 15): the Fernet key sealing reps' calendar addresses (default:
        # derived from SECRET_KEY), and plain-http / private-network addresses (tests, dev).
        self.CALENDAR_KEY = env.get("CALENDAR_KEY", "")
        self.CALENDAR_ALLOW_HTTP = _bool("CALENDAR_ALLOW_HTTP", False)


def _domains(value: str) -> tuple[str, ...]:
    """'example.com, Example.org' -> ('example.com', 'example.org')."""
    return tuple(d.strip().lower().lstrip("@") for d in value.split(",") if d.strip())


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
