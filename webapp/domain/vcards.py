"""vCards in and out (issue 15): a contact as a .vcf to save in the phone, and the contacts in
a .vcf file (one or many, as phones and mail programs export them). Hand-written: the few
properties a contact has here, with the escaping, folding and UTF-8 of RFC 6350 (and the
quoted-printable of the vCard 2.1 files older Android phones still export)."""
from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

MAX_CARDS = 500
LIMITS = {"name": 160, "title": 160, "phone": 40, "email": 254, "organization": 200}


class VCardError(ValueError):
    """The file cannot be read as contacts; the message says why, for the rep."""


@dataclass(frozen=True)
class CardContact:
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""
    organization: str = ""


# --- out -------------------------------------------------------------------------------------

def escape(value: str) -> str:
    """A text value escaped per RFC 6350 §3.4 (backslash, comma, semicolon, newline)."""
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 6350 §3.2), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74  # a continuation line starts with a space
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _split_name(name: str) -> tuple[str, str]:
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return words[-1], " ".join(words[:-1])


def contact_vcard(contact: CardContact) -> str:
    """One contact as a vCard (3.0: the version every phone's contacts app imports)."""
    family, given = _split_name(contact.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(contact.name.strip())}",
             f"N:{escape(family)};{escape(given)};;;"]
    if contact.organization:
        lines.append(f"ORG:{escape(contact.organization)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{escape(contact.phone)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{escape(contact.email)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


# --- in --------------------------------------------------------------------------------------

def _unfold(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines: list[str] = []
    for raw in text.split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].upper():
            lines[-1] = lines[-1][:-1] + raw  # a quoted-printable soft line break
        elif raw.strip():
            lines.append(raw)
    return lines


def _split_unescaped(value: str, separator: str) -> list[str]:
    return re.split(r"(?<!\\)" + re.escape(separator), value)


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _property(line: str) -> tuple[str, dict[str, str], str] | None:
    head, colon, value = line.partition(":")
    if not colon:
        return None
    name, *params = head.split(";")
    name = name.rpartition(".")[2].upper()  # "item1.EMAIL" → "EMAIL"
    parsed: dict[str, str] = {}
    for param in params:
        key, equals, val = param.partition("=")
        if equals:
            parsed[key.upper()] = val.strip('"')
        else:  # vCard 2.1: "QUOTED-PRINTABLE", "CELL"
            parsed.setdefault("TYPE", "")
            if key.upper() == "QUOTED-PRINTABLE":
                parsed["ENCODING"] = "QUOTED-PRINTABLE"
            else:
                parsed["TYPE"] += "," + key
    if parsed.get("ENCODING", "").upper() == "QUOTED-PRINTABLE":
        charset = parsed.get("CHARSET", "utf-8")
        try:
            value = quopri.decodestring(value.encode("ascii", "replace")).decode(charset, "replace")
        except LookupError:
            value = quopri.decodestring(value.encode("ascii", "replace")).decode("utf-8", "replace")
    return name, parsed, value


def _card(lines: list[str]) -> CardContact | None:
    found: dict[str, str] = {}
    for line in lines:
        prop = _property(line)
        if prop is None:
            continue
        name, params, value = prop
        if name == "N" and "N" not in found:
            family, given, *rest = [unescape(p).strip()
                                    for p in _split_unescaped(value, ";")] + ["", ""]
            found["N"] = " ".join(p for p in (given, rest[0] if rest else "", family) if p)
        elif name == "ORG" and "ORG" not in found:
            found["ORG"] = unescape(_split_unescaped(value, ";")[0]).strip()
        elif name in ("FN", "TITLE", "EMAIL") and name not in found:
            found[name] = unescape(value).strip()
        elif name == "TEL":
            # A mobile number first: that is the one a rep calls.
            mobile = "CELL" in params.get("TYPE", "").upper()
            if "TEL" not in found or (mobile and not found.get("TEL_CELL")):
                found["TEL"] = unescape(value).strip().removeprefix("tel:")
                found["TEL_CELL"] = "y" if mobile else ""
    name = " ".join((found.get("FN") or found.get("N") or "").split())
    if not name:
        name = found.get("EMAIL", "") or found.get("ORG", "")
    if not name:
        return None
    values = {"name": name, "title": found.get("TITLE", ""), "phone": found.get("TEL", ""),
              "email": found.get("EMAIL", "").lower(), "organization": found.get("ORG", "")}
    return CardContact(**{k: v[:LIMITS[k]] for k, v in values.items()})


def read_vcards(data: bytes | str) -> list[CardContact]:
    """The contacts in a .vcf file, or VCardError saying what is wrong with it."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("latin-1")  # old exports; names stay readable mostly
    cards, current = [], None
    for line in _unfold(data):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            current = []
        elif upper == "END:VCARD":
            if current is not None:
                card = _card(current)
                if card is not None:
                    cards.append(card)
            current = None
        elif current is not None:
            current.append(line)
        if len(cards) > MAX_CARDS:
            raise VCardError(f"This file has more than {MAX_CARDS} contacts: "
                             "export the ones you need in a smaller file.")
    if not cards:
        raise VCardError("No contacts found: this is not a vCard (.vcf) file, "
                         "or its cards have no names.")
    return cards
