"""Web Push on a phone-sized Chromium: a push message delivered to the service worker (through
the DevTools protocol, standing in for the push service) shows a notification, and what a tap
does opens the page it names. Headless Chromium cannot subscribe to a real push service (no
network) nor tap a notification: the tap is the worker's own handler code, called in the
worker (GW.push.openPage), the same function its notificationclick handler runs."""
from __future__ import annotations

import json

from sqlalchemy import select

from tests.browser.test_offline_writes import (  # noqa: F401 (a fixture)
    open_online,
    territory,
    without_background_sync,
)
from webapp.models import PushSubscription


def _registration_id(cdp, page, scope: str) -> str:
    found = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.update(
        {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}))
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("async () => !!(await navigator.serviceWorker.ready).active")
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60_000)
    for _ in range(100):  # events arrive on the connection's thread, read on ours
        if scope in found:
            return found[scope]
        page.wait_for_timeout(50)
    raise AssertionError(f"no service worker registration for {scope}: {found}")


def test_a_push_message_shows_a_notification_that_opens_its_page(live_server, phone, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        account = live_server.make.account(owner=rep, name="Harbor Mills")
        email, account_id, rep_id = rep.email, account.id, rep.id
    phone.grant_permissions(["notifications"], origin=live_server.url)
    live_server.sign_in(page, email)
    page.goto(live_server.url + "/reminders/settings")
    assert page.get_by_role("button", name="Turn on notifications").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    cdp = phone.new_cdp_session(page)
    registration = _registration_id(cdp, page, live_server.url + "/")
    message = {"title": "Due today: Harbor Mills", "body": "You promised: send the pricing",
               "url": f"/accounts/{account_id}", "tag": "commitments:commitment:1"}
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": live_server.url, "registrationId": registration, "data": json.dumps(message)})

    page.wait_for_function("""() => {
        navigator.serviceWorker.ready.then(r => r.getNotifications())
          .then(list => { window.shownNotifications = list.map(n => (
            {title: n.title, body: n.body, url: n.data.url, tag: n.tag})); });
        return (window.shownNotifications || []).length > 0;
    }""")
    [shown] = page.evaluate("window.shownNotifications")
    assert shown == {"title": "Due today: Harbor Mills", "body": "You promised: send the pricing",
                     "url": f"{live_server.url}/accounts/{account_id}",
                     "tag": "commitments:commitment:1"}

    [worker] = [w for w in phone.service_workers if w.url.startswith(live_server.url)]
    worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        await self.GW.push.openPage(notification.data.url);
    }""")
    page.wait_for_url(f"{live_server.url}/accounts/{account_id}")
    assert page.get_by_role("heading", name="Harbor Mills").is_visible()

    # A message naming another site opens Groundwork's Today instead.
    worker.evaluate("self.GW.push.openPage('https://elsewhere.example/phish')")
    page.wait_for_url(live_server.url + "/")

    # The browser replaced its subscription (pushsubscriptionchange): the worker tells the
    # server the new one by itself (the event's own handler runs this same function).
    worker.evaluate("""() => self.GW.push.renew({newSubscription: {toJSON: () => ({
        endpoint: 'https://push.example/renewed', keys: {p256dh: 'BOr1', auth: 'c2VjcmV0'}})}})""")
    with live_server.ctx() as session:
        assert [(s.endpoint, s.user_id) for s in session.scalars(select(PushSubscription))] == [
            ("https://push.example/renewed", rep_id)]


def test_a_saved_offline_change_the_server_refuses_is_told_by_a_notification(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    page.get_by_label("Notes").fill("Met the dock supervisor.")
    page.get_by_text("More: when, how long").click()
    # A due date with nothing committed: only the server knows to refuse it (later).
    page.locator("#their_due_on").fill("2026-12-01")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")

    phone.set_offline(False)
    page.wait_for_selector("#sync-status a.attention")
    page.wait_for_function("""() => {
        navigator.serviceWorker.ready.then(r => r.getNotifications())
          .then(list => { window.shownNotifications = list.map(n => (
            {title: n.title, body: n.body, url: n.data.url})); });
        return (window.shownNotifications || []).length > 0;
    }""")
    [shown] = page.evaluate("window.shownNotifications")
    assert shown["title"] == "A saved change needs you"
    assert shown["body"] == "Acme Robotics: Met the dock supervisor."
    assert shown["url"] == live_server.url + "/sync/pending"
