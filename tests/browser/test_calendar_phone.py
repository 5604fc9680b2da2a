"""The phone as the rep's hub, at 360 px (issue 15): a calendar served by a local HTTP server
(a recurring event included) becomes meeting drafts on Today, one confirmed in one tap to a
saved meeting and one dismissed; a contact's vCard saved from one account and read into
another keeps its accented name, the duplicate offered, not added on its own."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import BROWSER_NOW
from tests.support.calendar_feed import feed_app, sample_calendar
from tests.support.server import serving
from webapp.models import Contact, Meeting, MeetingDraft

FEED_PATH = "/calendar/ical/dana/private-0c9f1e/basic.ics"


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_calendar_becomes_drafts_and_one_tap_confirms_a_meeting(live_server, page):
    live_server.app.config["CALENDAR_ALLOW_HTTP"] = True  # the local server speaks plain http
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field", email="dana@ourco.com", timezone="America/Chicago")
        globex = make.account(rep, name="Globex")
        make.contact(globex, name="Kim Ødegård", email="kim@globex.io")
        make.account(rep, name="Acme Corp", website="acme.com")
        initech = make.account(rep, name="Initech")
        globex_id, initech_id = globex.id, initech.id
    calendar = sample_calendar(BROWSER_NOW, contact_email="kim@globex.io", domain="acme.com",
                               account_name="Initech", own_email="dana@ourco.com")
    with serving(feed_app({FEED_PATH: calendar.encode()})) as feeds:
        live_server.sign_in(page, "dana@ourco.com")
        page.goto(live_server.url + "/more")
        page.get_by_role("link", name="Calendar").click()
        page.get_by_label("Private address (iCal)").fill(feeds + FEED_PATH)
        page.get_by_role("button", name="Connect calendar").click()
        expect(page.get_by_text("5 new meeting drafts")).to_be_visible()
        expect(page.get_by_text("Connected: 127.0.0.1…")).to_be_visible()
        assert "private-0c9f1e" not in page.content()
        _no_sideways_scroll(page)

    page.goto(live_server.url + "/")
    drafts = page.locator("#calendar-drafts")
    expect(drafts.get_by_role("heading", name="From your calendar")).to_be_visible()
    expect(drafts.get_by_role("link", name="Confirm meeting")).to_have_count(3)
    _no_sideways_scroll(page)

    # Not a meeting to log: gone in place, for good.
    drafts.get_by_role("button", name="Dismiss Site visit").click()
    expect(drafts.get_by_text("Site visit")).to_have_count(0)

    # One tap: the meeting form, filled in from the (recurring) event; the rep adds notes.
    drafts.get_by_role("link", name="Confirm meeting Weekly sync").click()
    page.wait_for_url("**/meetings/new?draft=*")
    expect(page.get_by_text("Globex")).to_be_visible()
    page.get_by_label("Notes", exact=True).fill("Agreed the pilot scope.")
    page.get_by_text("More: when, how long").click()
    expect(page.get_by_label("Who else was there")).to_have_value("Kim Ødegård")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{globex_id}*")
    expect(page.get_by_text("Meeting saved.")).to_be_visible()

    with live_server.ctx() as session:
        [meeting] = session.scalars(select(Meeting))
        weekly = session.scalar(select(MeetingDraft).where(
            MeetingDraft.meeting_uuid == meeting.uuid))
        assert (meeting.account_id, meeting.started_at, meeting.duration_minutes) == (
            globex_id, weekly.starts_at, 45)
        assert session.scalar(select(MeetingDraft.status).where(
            MeetingDraft.account_id == initech_id)) == "dismissed"

    page.goto(live_server.url + "/")
    expect(page.locator("#calendar-drafts").get_by_role("link", name="Confirm meeting")).to_have_count(1)
    expect(page.locator("#calendar-drafts").get_by_text("Intro call")).to_be_visible()


def test_a_vcard_saved_from_one_account_reads_into_another_with_its_accents(
        live_server, page, tmp_path):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field", email="dana@example.com")
        cafe = make.account(rep, name="Café Zoë")
        make.contact(cafe, name="Zoë Łukasiewicz-Núñez", title="Directora, Compras",
                     phone="+34 600 111 222", email="zoe@cafe.es")
        other = make.account(rep, name="Über Logistik")
        cafe_id, other_id = cafe.id, other.id
    live_server.sign_in(page, "dana@example.com")
    page.goto(f"{live_server.url}/accounts/{cafe_id}")
    expect(page.get_by_role("button", name="Share account")).to_be_visible()
    _no_sideways_scroll(page)
    heights = page.eval_on_selector_all(
        "#phone a.button, #phone button:not([hidden])",
        "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights  # thumb-sized taps
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("() => { delete Navigator.prototype.share; }")  # a browser without Web Share
    page.get_by_role("button", name="Share Zoë Łukasiewicz-Núñez").click()
    expect(page.get_by_text("Copied: paste it in a message.")).to_be_visible()
    assert "zoe@cafe.es" in page.evaluate("navigator.clipboard.readText()")
    with page.expect_download() as download:
        page.get_by_role("link", name="Save Zoë Łukasiewicz-Núñez to your phone (vCard)").click()
    saved = tmp_path / "zoe.vcf"
    download.value.save_as(saved)
    assert "Zoë Łukasiewicz-Núñez" in saved.read_text(encoding="utf-8")

    page.goto(f"{live_server.url}/accounts/{other_id}")
    page.get_by_role("link", name="Import contacts from your phone or a .vcf file").click()
    page.get_by_label("A .vcf file").set_input_files(str(saved))
    page.get_by_role("button", name="Read contacts").click()
    expect(page.get_by_text("Already here? Zoë Łukasiewicz-Núñez at Café Zoë")).to_be_visible()
    pick = page.get_by_role("checkbox")
    expect(pick).not_to_be_checked()  # offered, not added on its own
    _no_sideways_scroll(page)
    pick.check()  # the rep says: she works with them too
    page.get_by_role("button", name="Add ticked contacts").click()
    page.wait_for_url(f"**/accounts/{other_id}*")
    expect(page.get_by_text("1 contact added.")).to_be_visible()

    with live_server.ctx() as session:
        contact = session.scalar(select(Contact).where(Contact.account_id == other_id))
        assert (contact.name, contact.title, contact.phone, contact.email) == (
            "Zoë Łukasiewicz-Núñez", "Directora, Compras", "+34 600 111 222", "zoe@cafe.es")

    # The Contact Picker exists on Android Chrome only: here the phone's answer is stood in
    # for (the browser has no such API to drive); what the page does with it is real.
    page.add_init_script("""navigator.contacts = {select: async () => [
        {name: ['Ünal Çelik'], tel: ['+90 555 010 2030'], email: ['unal@uber.de']}]};""")
    page.goto(f"{live_server.url}/vcards/import?account_id={other_id}")
    page.get_by_role("button", name="Pick from my phone").click()
    expect(page.get_by_text("Ünal Çelik")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_be_checked()  # nobody we know: ticked
    page.goto(f"{live_server.url}/contacts/new?account_id={other_id}")
    page.get_by_role("button", name="Pick from my phone").click()
    expect(page.get_by_label("Name")).to_have_value("Ünal Çelik")
    expect(page.get_by_label("E-mail")).to_have_value("unal@uber.de")
