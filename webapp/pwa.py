"""The installable app: manifest, service worker (built from service_worker/) and offline page.

Not flask-pwa: its only release needs Flask<2. (Stub, filled in by the offline work.)"""
from flask import Blueprint, render_template

bp = Blueprint("pwa", __name__)


@bp.get("/manifest.webmanifest")
def manifest():
    return {"name": "Groundwork", "short_name": "Groundwork", "start_url": "/", "display": "standalone"}, 200, {"Content-Type": "application/manifest+json"}


@bp.get("/sw.js")
def service_worker():
    return "", 200, {"Content-Type": "text/javascript"}


@bp.get("/offline")
def offline():
    return render_template("error.html", error=None, message="You are offline."), 200
