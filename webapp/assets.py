"""Static files: versioned URLs (a content hash in the query string), served by WhiteNoise
precompressed (brotli, gzip) with far-future immutable caching; and compressed HTML and JSON
from the app (Flask-Compress).

A request for a static file whose `?v=` is the file's current hash is answered by WhiteNoise:
`Cache-Control: max-age=315360000, public, immutable`, an ETag, and the `.br`/`.gz` sibling the
browser accepts (made once at start-up, next to the file). Anything else under /static/ (no
`v`, an old hash, debug mode) goes to Flask's own static route, `no-cache`, so a stale URL is
never cached for good.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from flask import Flask, has_request_context, request, url_for
from flask_compress import Compress
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

# What Flask-Compress compresses (static files are precompressed instead).
COMPRESS_MIMETYPES = ["text/html", "application/json", "application/manifest+json",
                      "text/javascript", "application/javascript", "text/css", "text/csv",
                      "text/plain", "image/svg+xml"]
PRECOMPRESS_SUFFIXES = (".js", ".css", ".svg", ".json", ".webmanifest", ".html", ".txt")

compress = Compress()


def init_app(app: Flask) -> None:
    static_root = Path(app.static_folder)

    @lru_cache(maxsize=None)
    def _digest(filename: str) -> str:
        path = static_root / filename
        if not path.is_file():
            return "missing"
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    # A page names 15-20 static files: their URLs are built once per (file, version, mount
    # point) instead of through url_for on every page.
    urls: dict[tuple[str, str, str], str] = {}

    def static_url(filename: str) -> str:
        digest = _digest(filename) if not app.debug else "dev"
        if not has_request_context():
            return url_for("static", filename=filename, v=digest)
        key = (filename, digest, request.script_root)
        url = urls.get(key)
        if url is None:
            url = url_for("static", filename=filename, v=digest)
            if len(urls) < 1000:
                urls[key] = url
        return url

    app.jinja_env.globals["static_url"] = static_url
    app.extensions["static_digest"] = _digest

    # br first: smaller than gzip for text at a similar cost at level 4.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    compress.init_app(app)  # registered first, so its after_request runs last

    if not app.debug:
        precompress(static_root)
        served = _VersionedStatic(app.wsgi_app, static_root, app.static_url_path, _digest)
        _serve_outbox_script(served)
        app.wsgi_app = served


def _serve_outbox_script(served: "_VersionedStatic") -> None:
    """The outbox script (service_worker/outbox.js, shared by the page and the worker) is a
    versioned file like any static one: same caching, precompressed."""
    from webapp.sync.routes import OUTBOX_SCRIPT, _outbox_digest

    precompress(OUTBOX_SCRIPT.parent, only=OUTBOX_SCRIPT.name)
    served.whitenoise.add_files(str(OUTBOX_SCRIPT.parent), prefix="/sync/")
    url = "/sync/" + OUTBOX_SCRIPT.name
    for other in [u for u in served.whitenoise.files if u.startswith("/sync/") and u != url]:
        del served.whitenoise.files[other]
    served.versions[url] = lambda: _outbox_digest(OUTBOX_SCRIPT.stat().st_mtime)


def precompress(root: Path, only: str | None = None) -> None:
    """Write a .br and .gz next to each text static file that lacks an up-to-date one."""
    compressor = Compressor(quiet=True)
    for path in root.rglob(only or "*"):
        if not path.is_file() or path.suffix not in PRECOMPRESS_SUFFIXES:
            continue
        sibling = path.with_name(path.name + ".br")
        try:
            if sibling.exists() and sibling.stat().st_mtime >= path.stat().st_mtime:
                continue
            compressor.compress(str(path))
        except OSError:  # a read-only deploy: served uncompressed, still correct
            return


def _static_headers(headers, _path, _url) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


class _VersionedStatic:
    """WSGI: versioned static files from WhiteNoise, everything else to the app."""

    def __init__(self, app, root: Path, url_path: str, digest):
        self.app = app
        self.prefix = url_path.rstrip("/") + "/"
        self.digest = digest
        self.versions = {}  # URL path -> its current version, for files outside the prefix
        self.whitenoise = WhiteNoise(app, root=str(root), prefix=self.prefix,
                                     immutable_file_test=lambda _path, _url: True,
                                     add_headers_function=_static_headers)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in self.whitenoise.files:
            version = parse_qs(environ.get("QUERY_STRING", "")).get("v", [""])[0]
            current = (self.versions[path]() if path in self.versions
                       else self.digest(path[len(self.prefix):]))
            if version and version == current:
                return self.whitenoise(environ, start_response)
        return self.app(environ, start_response)
