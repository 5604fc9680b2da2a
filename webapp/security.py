"""Response headers every response gets: CSP, HSTS, nosniff, referrer, COOP, and caching.

Caching of pages with customer data is a trade-off with offline use (issue 3): the service
worker must keep Today, the territory list, account pages and the forms, so those answer
`Cache-Control: private, no-cache` (no shared cache may store them; the browser and its
service worker may, and must revalidate when online). Admin pages and exports answer
`no-store`: nothing offline needs them, so no copy is left on the device.
"""
from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=63072000; includeSubDomains"

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


def _no_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class GroundworkRequest(Request):
    parameter_storage_class = _ParametersWithoutNul


def init_app(app: Flask) -> None:
    app.request_class = GroundworkRequest
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
        return response


def must_not_be_stored(endpoint: str | None) -> bool:
    """Admin pages and exports: never cached, not even by the service worker."""
    if not endpoint:
        return False
    blueprint, _, name = endpoint.rpartition(".")
    return blueprint in NO_STORE_BLUEPRINTS or any(w in name for w in NO_STORE_ENDPOINT_WORDS)
