"""Versioned static URLs: a content hash in the query string, so they can be cached for a year."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for


def init_app(app: Flask) -> None:
    static_root = Path(app.static_folder)

    @lru_cache(maxsize=None)
    def _digest(filename: str) -> str:
        path = static_root / filename
        if not path.is_file():
            return "missing"
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    def static_url(filename: str) -> str:
        digest = _digest(filename) if not app.debug else "dev"
        return url_for("static", filename=filename, v=digest)

    app.jinja_env.globals["static_url"] = static_url
    app.extensions["static_digest"] = _digest

    @app.after_request
    def _cache_versioned_static(response):
        from flask import request

        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        return response
