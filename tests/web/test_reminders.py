"""Web Push reminders: settings per user and kind, devices opting in, and the cron command
that sends what is due exactly once, to a real local HTTP server standing in for the push
service (what arrives is checked for its VAPID signature; decrypting is not needed)."""
from __future__ import annotations

import base64
import re
import os
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Commitment, PushSubscription, ReminderSent

MONDAY_9AM_CHICAGO = datetime(2026, 11, 23, 15, 0)  # the clock fixture's "now", in UTC
TODAY = date(2026, 11, 23)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def device_keys() -> dict:
    """The keys a browser's PushSubscription carries (a real P-256 key, a random secret)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return {"p256dh": _b64(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": _b64(os.urandom(16))}


class PushService:
    """A push service on 127.0.0.1: records what arrives, answers 201 (or `answers[path]`)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                         "body": body})
                self.send_response(service.answers.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def to(self, path: str) -> list[dict]:
        return [r for r in self.received if r["path"] == path]


@pytest.fixture
def push_service():
    service = PushService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
    thread.join(5)


def opt_in(client, endpoint: str) -> None:
    response = client.post("/reminders/devices", data={"endpoint": endpoint, **device_keys()})
    assert response.status_code == 201, response.get_data(as_text=True)


def commitment(account, description="Send the security questionnaire", due_on=TODAY,
               party="ours") -> Commitment:
    row = Commitment(account_id=account.id, party=party, description=description, due_on=due_on)
    db.session.add(row)
    db.session.commit()
    return row


def send(app) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_run_twice_reach_the_phone_once_with_vapid_headers(app, make, login, client,
                                                                     push_service):
    rep = make.user()
    rep_id = rep.id
    account = make.account(owner=rep, name="Acme Forge")
    commitment(account)
    login(rep)
    opt_in(client, push_service.url + "/phone")

    assert "1 sent" in send(app)
    assert "0 sent" in send(app)  # the cron's next run: already sent

    [arrived] = push_service.to("/phone")
    headers = arrived["headers"]
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == app.config["VAPID_PUBLIC_KEY"]
    assert fields["t"].count(".") == 2  # a signed JWT
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 0
    assert arrived["body"] and b"questionnaire" not in arrived["body"]  # encrypted
    with app.app_context():
        [log] = db.session.scalars(select(ReminderSent)).all()
        assert (log.user_id, log.kind, log.key_day) == (rep_id, "commitments", TODAY)


def test_a_rep_gets_only_the_kinds_they_chose(app, make, login, client, push_service):
    rep = make.user()
    account = make.account(owner=rep)
    commitment(account)
    make.opportunity(account, name="Forge roll-out", close_on=date(2026, 11, 30), next_step="")
    login(rep)
    opt_in(client, push_service.url + "/phone")
    response = client.post("/reminders/settings", data={
        "slipping": "y", "slip_days": "14", "quiet_start": "20:00", "quiet_end": "07:30"})
    assert response.status_code == 303

    assert "1 sent" in send(app)
    with app.app_context():
        assert db.session.scalars(select(ReminderSent.subject)).all() == ["opportunity:1"]
    page = client.get("/reminders/settings").get_data(as_text=True)
    tags = [tag for tag in re.findall(r"<input [^>]*>", page) if 'type="checkbox"' in tag]
    boxes = {re.search(r'name="(\w+)"', tag).group(1): " checked" in tag for tag in tags}
    assert boxes == {"commitments": False, "slipping": True, "territory": False, "queued": False}


def test_nothing_is_sent_in_quiet_hours_and_it_comes_after(app, make, login, client, clock,
                                                         push_service):
    rep = make.user()  # America/Chicago
    commitment(make.account(owner=rep))
    login(rep)
    opt_in(client, push_service.url + "/phone")
    clock.set(datetime(2026, 11, 23, 12, 0))  # 06:00 in Chicago
    assert "1 in quiet hours" in send(app)
    assert push_service.received == []
    clock.set(datetime(2026, 11, 23, 13, 45))  # 07:45
    assert "1 sent" in send(app)
    assert len(push_service.received) == 1


def test_quiet_hours_are_editable_and_checked(app, make, login, client):
    rep = make.user()
    login(rep)
    response = client.post("/reminders/settings", data={
        "commitments": "y", "slip_days": "0", "quiet_start": "21:30", "quiet_end": "nope"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Between 1 and 90 days." in page and 'value="21:30"' in page
    response = client.post("/reminders/settings", data={
        "commitments": "y", "slip_days": "7", "quiet_start": "21:30", "quiet_end": "06:00"})
    assert response.status_code == 303
    page = client.get("/reminders/settings").get_data(as_text=True)
    assert 'value="21:30"' in page and 'value="06:00"' in page and 'value="7"' in page


def test_an_expired_device_is_removed_and_the_others_still_get_it(app, make, login, client,
                                                                 push_service):
    rep = make.user()
    commitment(make.account(owner=rep))
    login(rep)
    opt_in(client, push_service.url + "/old-phone")
    opt_in(client, push_service.url + "/new-phone")
    push_service.answers["/old-phone"] = 410
    output = send(app)
    assert "1 sent" in output and "1 expired devices removed" in output
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.endpoint)).all() == [
            push_service.url + "/new-phone"]


def test_a_reminder_no_device_took_is_tried_again(app, make, login, client, push_service):
    rep = make.user()
    commitment(make.account(owner=rep))
    login(rep)
    opt_in(client, push_service.url + "/phone")
    push_service.answers["/phone"] = 503
    assert "1 not delivered" in send(app)
    push_service.answers["/phone"] = 201
    assert "1 sent" in send(app)
    assert len(push_service.to("/phone")) == 2


def test_a_territory_change_reaches_the_reps_it_affects(app, make, login, client, push_service):
    from webapp.models import ChangePlan, PlanAssignment

    rep, other = make.user(), make.user()
    account = make.account(owner=other, name="Harbor Mills")
    plan = ChangePlan(name="West split", status="scheduled", announced_on=date(2026, 11, 20),
                      cutoff_on=date(2026, 11, 19), effective_on=date(2026, 12, 4))
    db.session.add(plan)
    db.session.flush()
    db.session.add(PlanAssignment(plan_id=plan.id, account_id=account.id, from_owner_id=other.id,
                                  to_owner_id=rep.id, decision="moves", moves_on=date(2026, 12, 4)))
    db.session.commit()
    login(rep)
    opt_in(client, push_service.url + "/phone")
    assert "1 sent" in send(app)
    assert "0 sent" in send(app)
    fragment = client.get("/reminders/today", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Territory change: West split" in fragment and "You gain 1 account" in fragment


def test_today_shows_the_same_reminders_to_a_phone_without_notifications(app, make, login,
                                                                         client):
    rep, other = make.user(), make.user()
    commitment(make.account(owner=rep, name="Acme Forge"), description="Call back the CFO")
    commitment(make.account(owner=other, name="Not Mine"), description="Secret of another rep")
    login(rep)
    assert 'hx-get="/reminders/today"' in client.get("/").get_data(as_text=True)
    fragment = client.get("/reminders/today", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Due today: Acme Forge" in fragment and "Call back the CFO" in fragment
    assert "Not Mine" not in fragment and "Secret of another rep" not in fragment
    assert "Get these as notifications" in fragment


def test_a_device_belongs_to_whoever_signed_in_and_only_they_can_remove_it(app, make, login,
                                                                          client, push_service):
    rep, other = make.user(), make.user()
    login(other)
    opt_in(client, push_service.url + "/others-phone")
    other_client = app.test_client()
    login(rep, client=other_client)
    response = other_client.post("/reminders/devices/remove",
                                 data={"endpoint": push_service.url + "/others-phone"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(PushSubscription.id))) == 1
    assert client.post("/reminders/devices/remove",
                       data={"endpoint": push_service.url + "/others-phone"}).json == {"devices": 0}


@pytest.mark.parametrize("path", ["/reminders/settings", "/reminders/today"])
def test_reminder_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code in (302, 303, 401)


@pytest.mark.parametrize("body", [{}, {"endpoint": ""}, {"endpoint": "ftp://x"},
                                  {"endpoint": "https://push.example/x", "p256dh": "a"},
                                  {"endpoint": "https://push.example/" + "x" * 3000,
                                   "p256dh": "a", "auth": "b"}])
def test_a_malformed_subscription_is_refused_not_a_500(make, login, client, body):
    login(make.user())
    assert client.post("/reminders/devices", data=body).status_code == 400


def test_reminder_pages_run_a_fixed_number_of_queries(app, make, login, client, count_queries):
    rep = make.user()
    login(rep)

    def counts():
        with count_queries() as settings:
            assert client.get("/reminders/settings").status_code == 200
        with count_queries() as today:
            assert client.get("/reminders/today").status_code == 200
        return settings.count, today.count

    few = counts()
    with make.one_transaction():
        for n in range(12):
            account = make.account(owner=rep)
            make.opportunity(account, close_on=date(2026, 11, 30), next_step="")
            db.session.add(Commitment(account_id=account.id, party="theirs",
                                      description=f"Send data {n}", due_on=TODAY))
    assert counts() == few


