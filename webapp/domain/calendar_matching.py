"""Which account a calendar event is about (issue 15, calendar in): plain rules, no database.

In order of how sure they are: an attendee's e-mail is a known contact's; an attendee's
e-mail domain is an account's website domain; the account's name is in the event's title
or location. Colleagues (the rep's own domain) and free-mail domains never count."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Anyone can have these: a domain match on them would be a guess, not a match.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
    "gmx.com", "gmx.de", "web.de", "mail.com", "yandex.com", "zoho.com", "fastmail.com",
})
MIN_NAME = 3  # "HP" in a title is too likely an accident


@dataclass(frozen=True)
class AccountRef:
    id: int
    name: str
    website: str = ""


@dataclass(frozen=True)
class ContactRef:
    account_id: int
    name: str
    email: str


@dataclass(frozen=True)
class Match:
    account_id: int
    matched_by: str  # "attendee e-mail", "e-mail domain", "account name"
    attendees: tuple[str, ...]  # known contacts' names, then other attendees as named


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def website_domain(website: str) -> str:
    """"https://www.acme.com/about" → "acme.com"; "" when there is no host."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    return host.removeprefix("www.")


def _domain_matches(domain: str, site: str) -> bool:
    return bool(site) and (domain == site or domain.endswith("." + site))


def _name_in(name: str, text: str) -> bool:
    name = name.strip().lower()
    if len(name) < MIN_NAME:
        return False
    return re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text.lower()) is not None


def match_event(*, attendees: list[tuple[str, str]], summary: str, location: str,
                own_email: str, accounts: list[AccountRef], contacts: list[ContactRef]
                ) -> Match | None:
    """The account an event is about, or None. `attendees` are (name, e-mail) pairs from the
    event; `accounts` are the ones the rep may see, `contacts` the known people among them
    (only the ones whose e-mail is among the attendees need be given)."""
    own_domain = email_domain(own_email)
    own = own_email.strip().lower()
    people = [(n.strip(), e.strip().lower()) for n, e in attendees if e and e.strip().lower() != own]
    visible = {a.id: a for a in accounts}
    by_email: dict[str, ContactRef] = {}
    for c in contacts:
        if c.email and c.account_id in visible:
            by_email.setdefault(c.email.strip().lower(), c)

    def names(account_id: int) -> tuple[str, ...]:
        known = [by_email[e].name for _, e in people
                 if e in by_email and by_email[e].account_id == account_id]
        others = [n or e for n, e in people
                  if not (e in by_email and by_email[e].account_id == account_id)
                  and email_domain(e) != own_domain]
        return tuple(dict.fromkeys(known + others))

    hits: dict[int, int] = {}
    for _, email in people:
        contact = by_email.get(email)
        if contact is not None:
            hits[contact.account_id] = hits.get(contact.account_id, 0) + 1
    if hits:
        best = max(sorted(hits), key=lambda a: hits[a])
        return Match(best, "attendee e-mail", names(best))

    for _, email in people:
        domain = email_domain(email)
        if not domain or domain in FREE_MAIL or domain == own_domain:
            continue
        for account in sorted(accounts, key=lambda a: a.id):
            if _domain_matches(domain, website_domain(account.website)):
                hits[account.id] = hits.get(account.id, 0) + 1
    if hits:
        best = max(sorted(hits), key=lambda a: hits[a])
        return Match(best, "e-mail domain", names(best))

    text = f"{summary}\n{location}"
    named = [a for a in accounts if _name_in(a.name, text)]
    if named:  # the longest name wins: "Acme Logistics" over "Acme"
        best = max(named, key=lambda a: (len(a.name.strip()), -a.id))
        return Match(best.id, "account name", names(best.id))
    return None
