"""The admin's audit log reads as sentences with people's names, in the admin's time zone, not
"user 2" and raw JSON; and its queries do not grow with the page."""
from __future__ import annotations

import re

from webapp.extensions import db
from webapp.services.audit import record


def _items(html: str) -> list[str]:
    body = html.split('<ul class="list audit">', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
            for li in re.findall(r"<li>(.*?)</li>", body, re.S)]


def test_the_audit_log_names_people_and_spells_out_details(client, make, login, count_queries):
    admin = make.user("admin", name="Ada Admin")
    manager = make.user("manager", name="Mona Manager")
    rep = make.user("rep", name="Sam Lee", email="sam@example.com")
    account = make.account(rep, name="Harbor Logistics")
    record(db.session, admin, "user.changed", "user", rep.id, role=["rep", "manager"],
           manager_id=[None, manager.id])
    record(db.session, rep, "account.owner_changed", "account", account.id,
           owner_id=[rep.id, manager.id], via="import")
    db.session.commit()
    login(admin)

    with count_queries() as few:
        html = client.get("/admin/audit").get_data(as_text=True)
    items = _items(html)
    assert items[0].startswith("Ada Admin signed in")
    assert "Sam Lee moved account Harbor Logistics" in items[1]
    assert "owner: Sam Lee → Mona Manager" in items[1] and "by: import" in items[1]
    assert "Ada Admin changed user Sam Lee" in items[2]
    assert "manager: nobody → Mona Manager" in items[2] and "role: rep → manager" in items[2]
    # The clock says 15:00 UTC on Mon Nov 23: 9:00 AM in the admin's Chicago.
    assert "Mon Nov 23, 9:00 AM" in items[2]
    assert "{" not in html.split('<ul class="list audit">', 1)[1]  # no raw JSON
    assert "user 2" not in html and "(UTC)" not in html

    for n in range(30):
        other = make.user("rep", name=f"Rep {n}")
        record(db.session, admin, "user.changed", "user", other.id, manager_id=[None, manager.id])
    db.session.commit()
    with count_queries() as many:
        assert len(_items(client.get("/admin/audit").get_data(as_text=True))) == 33
    assert many.count == few.count


def test_only_admins_read_the_audit_log(client, make, login):
    login(make.user("manager"))
    assert client.get("/admin/audit").status_code == 404
