"""When a new company or person is probably one the team already has (pure rules, no Flask).

A rep in the field types "ACME Corp." for the account the import called "Acme Corporation":
the names are compared without case, punctuation and the legal-form words that vary between
spellings, and a near miss of a letter or two still counts."""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Words that say what kind of company it is, not which one.
LEGAL_FORMS = frozenset("""
inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh ag sa sas sarl
bv nv oy ab as spa srl pty group holding holdings the and
""".split())
SIMILAR_ENOUGH = 0.88


def company_key(name: str) -> str:
    """`name` reduced to what identifies the company: "ACME Corp." and "Acme" are both "acme"."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def same_company(a: str, b: str) -> bool:
    """Whether two company names most likely mean the same company."""
    key_a, key_b = company_key(a), company_key(b)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    return SequenceMatcher(None, key_a, key_b).ratio() >= SIMILAR_ENOUGH


def search_word(name: str) -> str:
    """The longest word of the company key: a cheap database filter before `same_company`."""
    words = company_key(name).split()
    return max(words, key=len) if words else ""


def email_key(email: str) -> str:
    """E-mail addresses compare without case and surrounding space."""
    return (email or "").strip().lower()
