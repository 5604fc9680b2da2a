"""Response headers every response gets: CSP, HSTS, nosniff, referrer, COOP, and caching.

Caching of pages with customer data is a trade-off with offline use (issue 3): the service
worker must keep Today, the territory list, account pages and the forms, so those answer
`Cache-Control: private, no-cache` (no shared cache may store them; the browser and its
service worker may, and must revalidate when online). Admin pages and exports answer
`no-store`: nothing offline needs them, so no copy is left on the device.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, g, request, session
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.routing import MAX_DATABASE_ID

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=63072000; includeSubDomains"


def tile_origin(tile_url: str) -> str:
    """The origin a tile template's images come from, as a CSP source: "{s}" subdomains become
    a "*." wildcard; a template on this site needs nothing beyond 'self' ("")."""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.netloc.split("@")[-1]
    if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?", host.replace("{s}", "a")):
        return ""  # nothing that could end the directive or add a source
    if "{s}" in tile_url.split("//", 1)[-1].split("/", 1)[0]:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def csp_with_tiles(tile_url: str) -> str:
    """The CSP of the map page: CSP with exactly the tile server added to img-src."""
    origin = tile_origin(tile_url)
    if not origin:
        return CSP
    return CSP.replace("img-src 'self' data:;", f"img-src 'self' data: {origin};")

# Blueprints and endpoint name fragments whose answers must never be stored on the device.
NO_STORE_BLUEPRINTS = {"admin", "imports"}
NO_STORE_ENDPOINT_WORDS = ("export", "download")


class _ParametersWithoutNul(ImmutableMultiDict):
    """Query and form values with NUL characters dropped. Nobody types one; PostgreSQL refuses
    them in text (even as a query parameter), so a NUL that got through would turn any form or
    search into a 500 there while SQLite accepts it."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_no_nul(key), _no_nul(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):
        """`.get(name, type=int)` of a number no database integer holds is `default`, as any
        other value that is not a number: one place for every integer parameter (a page
        cursor, an id), so none reaches PostgreSQL out of range (a 500 there)."""
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and abs(value) > MAX_DATABASE_ID:
            return default
        return value


def _no_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class GroundworkRequest(Request):
    parameter_storage_class = _ParametersWithoutNul


# What a form (and htmx, and the offline outbox) sends. Anything else (JSON above all, which
# Flask-WTF would read into the form instead) is refused before a view sees it.
FORM_BODIES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse_what_no_form_sends() -> None:
    """415 for a write whose body is not a form; 404 for a NUL in the address (no page has
    one, and PostgreSQL refuses NUL in text, so it must never reach a query or the audit log)."""
    if "\x00" in request.path:
        abort(404)
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype in FORM_BODIES:
        return
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    if has_body or request.mimetype:
        abort(415)


def init_app(app: Flask) -> None:
    app.request_class = GroundworkRequest
    # First (only the session loader goes before it): before CSRFProtect or a view reads a body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_what_no_form_sends)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies, x_prefix=proxies)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static" and "Cache-Control" not in headers:
            headers["Cache-Control"] = ("no-store" if must_not_be_stored(request.endpoint)
                                        else "private, no-cache")
        return answer_unchanged(response)


# What a page or the territory index is sent as; validated by the hash of its own body.
VALIDATED_MIMETYPES = {"text/html", "application/json"}
# Flask-Compress (registered first, so it runs after this) appends ":<encoding>" to a strong
# ETag; a client revalidating its compressed copy sends that form back.
ENCODINGS = ("br", "gzip", "deflate", "zstd")


def answer_unchanged(response):
    """A page the browser (or its service worker) may keep, `private, no-cache`, gets a strong
    ETag: the hash of this very body, as this user was sent it. A revalidation whose
    If-None-Match names it is answered 304 with no body (and nothing compressed): the copy the
    client holds is what it would get (byte for byte, but for the second its CSRF token was
    signed in: see _body_tag). Another user's page has another body (their name, their
    session's CSRF token), so another tag; admin pages and exports (`no-store`),
    redirects, errors, streamed answers and those with a validator of their own are left
    alone."""
    if (request.method not in ("GET", "HEAD") or response.status_code != 200
            or response.is_streamed or response.direct_passthrough
            or response.mimetype not in VALIDATED_MIMETYPES
            or response.headers.get("Cache-Control") != "private, no-cache"
            or "ETag" in response.headers or "Content-Encoding" in response.headers):
        return response
    tag = _body_tag(response.get_data())
    wanted = request.if_none_match
    if wanted:
        for candidate in (tag, *(f"{tag}:{encoding}" for encoding in ENCODINGS)):
            if wanted.contains(candidate):
                response.set_data(b"")
                response.status_code = 304  # entity headers are dropped by Werkzeug
                response.set_etag(candidate)
                return response
    response.set_etag(tag)
    return response


def _body_tag(body: bytes) -> str:
    """The hash of a body, the CSRF token it carries counted as the session's own token.

    Flask-WTF signs the session's token with the current second each time a page is made, so
    two copies of an unchanged page differ only there; every signed copy stays valid as long
    as the session's token does (no time limit: the outbox replays days later). So the signed
    token is left out of the hash and the token it signs is counted instead: a page made
    for another session (a new sign-in, another user) still has another tag."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    signed = g.get(field)
    digest = hashlib.blake2b(digest_size=16)
    if signed:
        body = body.replace(signed.encode(), b"")
        digest.update(session.get(field, "").encode())
    digest.update(body)
    return digest.hexdigest()


def must_not_be_stored(endpoint: str | None) -> bool:
    """Admin pages and exports: never cached, not even by the service worker."""
    if not endpoint:
        return False
    blueprint, _, name = endpoint.rpartition(".")
    return blueprint in NO_STORE_BLUEPRINTS or any(w in name for w in NO_STORE_ENDPOINT_WORDS)
