"""Who does an import's work: a thread of the app server that took the upload (the default),
or a separate worker process (`groundwork imports work`), chosen by IMPORT_RUNNER.

Either way the work and its progress live in the database (webapp/services/imports/), so a
request never waits for a big file, any app server can show the progress, and a job whose
runner was cut off (a restart) is taken over by the next runner that looks."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from webapp.extensions import db
from webapp.services import imports as service

log = logging.getLogger(__name__)


def launch(job_id: int) -> None:
    """Have job `job_id` worked on: in a thread of this process, unless imports are left to
    `groundwork imports work`. Call after the request's transaction has committed."""
    app = current_app._get_current_object()
    if app.config.get("IMPORT_RUNNER", "thread") != "thread":
        return
    threading.Thread(target=_work, args=(app, job_id), name=f"import-{job_id}",
                     daemon=True).start()


def _work(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            service.run(db.session, job_id, batch_size=app.config.get("IMPORT_BATCH_SIZE"))
        except Exception:  # the job stays with a silent runner: the next runner takes it over
            log.exception("import job %s failed", job_id)
        finally:
            db.session.remove()


