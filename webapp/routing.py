"""URL converters: ids in URLs are bounded by what the database's integer columns hold; which
paths a redirect taken from input may go to; ids read from the query string; where a record
made from the meeting form goes next."""
from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.routing import IntegerConverter

from webapp.domain.client_ids import parse_client_id

MAX_DATABASE_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's is larger, the bound is the same


class DatabaseIdConverter(IntegerConverter):
    """`<int:id>` that matches only ids a table can hold, so `/accounts/99999999999` is a 404
    and never reaches PostgreSQL as an out-of-range integer (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: the only places a `next` (after
    sign-in, after resolving a commitment) may send a rep. Never //host, a scheme, a
    backslash (browsers read it as /), nor a control character: CR/LF would split the
    Location header (a 500, or a header injection)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def account_id_arg(allow_client_id: bool = False) -> int | str | None:
    """?account_id=N: None when absent; a 404 when it cannot be an account id. With
    `allow_client_id`, the client id (UUID) of an account made on a phone is given back too."""
    raw = request.args.get("account_id")
    if raw is None or raw == "":
        return None
    if allow_client_id and parse_client_id(raw):
        return parse_client_id(raw)
    if not raw.isdigit() or not 0 < int(raw) <= MAX_DATABASE_ID:
        abort(404)
    return int(raw)


def then_meeting() -> str:
    """"meeting" when a contact or deal form was opened from the log-meeting form
    (?then=meeting, kept in the form): once made, the rep goes back to that form."""
    return "meeting" if request.values.get("then", "") == "meeting" else ""
