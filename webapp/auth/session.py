"""Moved to webapp/sessions.py; kept for tests/support until it imports it from there (owned by
another branch): delete after the merge."""
from webapp.sessions import sign_in  # noqa: F401
