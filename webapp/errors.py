"""Error pages: roll back, answer in plain words, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return {"error": error.name, "description": error.description}, error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        db.session.rollback()
        return render_template("error.html", error=error,
                               message="This form expired or came from another site. "
                                       "Go back, reload the page and try again."), 400
