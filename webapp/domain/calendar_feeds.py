"""A calendar's private address (issue 15): checked, shown only as its host, and sealed with
Fernet (cryptography) under a key of its own or one derived from the app's secret key."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

MAX_ADDRESS = 2000


class FeedAddressError(ValueError):
    """The address cannot be used; the message says why."""


def feed_cipher(secret_key: str, calendar_key: str = "") -> Fernet:
    """CALENDAR_KEY when set (a Fernet key), else a key derived from SECRET_KEY (changing
    SECRET_KEY then means every rep connects their calendar again)."""
    if calendar_key:
        return Fernet(calendar_key.encode())
    digest = hashlib.sha256(b"groundwork calendar feed\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(cipher: Fernet, address: str) -> str:
    return cipher.encrypt(address.encode()).decode()


def unseal(cipher: Fernet, token: str) -> str | None:
    """The address, or None when the key changed since it was sealed."""
    try:
        return cipher.decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def check_address(address: str, *, allow_http: bool) -> str:
    """The address cleaned up (webcal:// is https://), or FeedAddressError."""
    address = (address or "").strip()
    if not address:
        raise FeedAddressError("Paste your calendar's private address (it ends in .ics).")
    if len(address) > MAX_ADDRESS:
        raise FeedAddressError("That address is too long to be a calendar address.")
    if address.lower().startswith("webcal://"):
        address = "https://" + address[len("webcal://"):]
    parts = urlsplit(address)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise FeedAddressError("Paste the whole address, starting with https://.")
    if parts.scheme == "http" and not allow_http:
        raise FeedAddressError("Only https:// addresses are read: the address is a secret.")
    return address


def address_hint(address: str) -> str:
    """What a page may show of the address: its host and an ellipsis."""
    return f"{urlsplit(address).hostname or 'calendar'}…"
