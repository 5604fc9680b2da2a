"""Settings, read from the environment once, in one class."""
from __future__ import annotations

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
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # Replays from the offline outbox may come days later; the CSRF token is bound to the
        # session instead of a clock (see README, security model).
        self.WTF_CSRF_TIME_LIMIT = None
        self.WTF_CSRF_HEADERS = ["X-CSRFToken"]
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.DEFAULT_CURRENCY = env.get("DEFAULT_CURRENCY", "USD")
        self.DEFAULT_TIMEZONE = env.get("DEFAULT_TIMEZONE", "America/Chicago")


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
