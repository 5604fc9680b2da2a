"""`groundwork sync prune`: the offline-replay ledger (client_writes) forgets old answers, from
cron, idempotently; what is recent keeps answering replays exactly as before."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ClientWrite, Meeting


def _ledger_keys() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(ClientWrite.key)))


def _meetings() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


def _log(client, account, notes) -> dict:
    data = {"client_id": str(uuid.uuid4()), "account_id": account.id, "notes": notes}
    assert client.post("/meetings/new", data=data).status_code == 303
    return data


def _prune(app, *args):
    return app.test_cli_runner().invoke(args=["sync", "prune", *args])


def test_prune_forgets_answers_older_than_90_days_by_default_and_keeps_the_rest(
        app, client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    old = _log(client, account, "Back in August")
    clock.advance(days=2)
    edge = _log(client, account, "Two days later")
    clock.advance(days=89)  # `old` is now 91 days old, `edge` 89
    login(rep)  # sessions end after 30 days; the rep signs in again
    recent = _log(client, account, "Today")

    result = _prune(app)

    assert result.exit_code == 0, result.output
    assert "Pruned 1 replay-ledger entry recorded before" in result.output
    assert "(90 days)" in result.output
    assert _ledger_keys() == {edge["client_id"], recent["client_id"]}
    # Recent writes still get their original answer; even the pruned one never duplicates.
    for data in (recent, old):
        replay = client.post("/meetings/new", data=data)
        assert replay.status_code == 303
        assert replay.headers["Location"] == f"/accounts/{account.id}#meetings"
    assert _meetings() == 3


def test_running_prune_twice_changes_nothing_the_second_time(app, client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    _log(client, account, "Old")
    clock.advance(days=120)
    login(rep)
    kept = _log(client, account, "New")

    first = _prune(app, "--older-than-days", "30")
    second = _prune(app, "--older-than-days", "30")

    assert first.exit_code == second.exit_code == 0
    assert "Pruned 1 " in first.output and "Pruned 0 replay-ledger entries" in second.output
    assert _ledger_keys() == {kept["client_id"]}


def test_dry_run_only_counts(app, client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    _log(client, account, "One")
    _log(client, account, "Two")
    clock.advance(days=100)

    result = _prune(app, "--dry-run")

    assert result.exit_code == 0
    assert "Would prune 2 replay-ledger entries" in result.output
    assert len(_ledger_keys()) == 2


def test_prune_deletes_large_ledgers_in_batches(app, make, clock):
    rep = make.user("rep")
    db.session.add_all(ClientWrite(key=str(uuid.uuid4()), user_id=rep.id, kind="notes.new",
                                   status_code=303, location="/", created_at=clock.now)
                       for _ in range(2500))
    db.session.commit()
    clock.advance(days=91)

    result = _prune(app)

    assert "Pruned 2500 replay-ledger entries" in result.output
    assert _ledger_keys() == set()


def test_prune_refuses_to_forget_everything_at_once(app, client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    _log(client, account, "Just now")

    result = _prune(app, "--older-than-days", "0")

    assert result.exit_code != 0
    assert "--older-than-days" in result.output
    assert len(_ledger_keys()) == 1
