"""Moved to webapp/passwords.py; kept for tests/conftest.py and tests/support until they import it
from there (owned by another branch): delete after the merge."""
from webapp.passwords import hash_password, needs_rehash, verify_password  # noqa: F401
