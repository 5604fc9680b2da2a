"""Forms for the rep's writes: validated on the server, friendly messages, sane lengths.

Shared pieces (client id, text cleaning, date sanity) live here and are reused by the note and
opportunity forms."""
from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.models import MEETING_KIND_LABELS, MEETING_KINDS
from webapp.routing import MAX_DATABASE_ID
from webapp.services.idempotency import new_client_id, parse_client_id

MAX_NOTES = 50_000  # generous: a pasted e-mail thread fits
MAX_ID = MAX_DATABASE_ID
DURATION_CHOICES = (15, 30, 45, 60, 90, 120)
FIRST_YEAR, LAST_YEAR = 1990, 2100


def clean_text(value):
    """Normalise line ends (NUL characters are already dropped from every request: security.py)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


def validate_client_id(field) -> None:
    """A client id field: absent, the server makes one (plain clients); present, it must be a
    UUID (the phone made it, and replays name it)."""
    if not field.data:
        field.data = new_client_id()
        return
    field.data = parse_client_id(field.data)
    if field.data is None:
        raise ValidationError("This form is damaged: reload the page.")


class WriteForm(FlaskForm):
    """A form that creates or changes something: carries the client id (idempotency key)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ()))
            if issubclass(unbound_field.field_class, (StringField, HiddenField)):
                filters.append(clean_text)
            return unbound_field.bind(form=form, filters=filters, **options)

    client_id = HiddenField()

    def validate_client_id(self, field):
        validate_client_id(field)


def sane_date(form, field):
    """Dates a rep could mean; a typo like year 20266 is caught here, not by the database."""
    value = field.data
    if isinstance(value, (date, datetime)) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")


class FriendlyDateField(DateField):
    """A date with a message a rep understands (2026-02-30 is not a date); the page knows the
    sane range too (min/max), so it can say so before queueing offline."""

    def __init__(self, *args, render_kw=None, **kwargs):
        render_kw = {"min": f"{FIRST_YEAR}-01-01", "max": f"{LAST_YEAR}-12-31", **(render_kw or {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, like 2026-03-31.") from None


class FriendlyDateTimeField(DateTimeLocalField):
    def __init__(self, *args, render_kw=None, **kwargs):
        render_kw = {"min": f"{FIRST_YEAR}-01-01T00:00", "max": f"{LAST_YEAR}-12-31T23:59",
                     **(render_kw or {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date and time, like 2026-03-31 14:30.") from None


def date_field(label: str, **kw) -> DateField:
    return FriendlyDateField(label, validators=[Optional(), sane_date], **kw)


class MeetingForm(WriteForm):
    account_id = IntegerField("Account", validators=[
        InputRequired("Choose the account."), NumberRange(1, MAX_ID, "Choose the account.")])
    notes = TextAreaField("Notes", validators=[
        InputRequired("Write a few words about the meeting."),
        Length(max=MAX_NOTES, message=f"Notes hold at most {MAX_NOTES:,} characters.")])
    started_at = FriendlyDateTimeField(
        "When", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                        "%Y-%m-%d %H:%M:%S"],
        validators=[Optional(), sane_date])
    kind = RadioField("Kind", choices=[(k, MEETING_KIND_LABELS[k]) for k in MEETING_KINDS],
                      default="in_person")
    duration_minutes = IntegerField("Minutes", default=30, validators=[
        Optional(), NumberRange(1, 24 * 60, "Between 1 minute and 24 hours.")])
    location = StringField("Where", validators=[Length(max=200)])
    attendees = StringField("Who else was there", validators=[Length(max=500)])
    engagement = IntegerField("How engaged were they?", validators=[
        Optional(), NumberRange(1, 5, "Engagement is 1 (cold) to 5 (all in).")])
    their_commitment = StringField("They committed to", validators=[Length(max=500)])
    their_due_on = date_field("They will do it by")
    our_commitment = StringField("We committed to", validators=[Length(max=500)])
    our_due_on = date_field("We will do it by")
    is_first_meeting = BooleanField("First meeting with this account")
    opportunity_id = IntegerField("About the opportunity", validators=[
        Optional(), NumberRange(1, MAX_ID, "Choose an opportunity of this account.")])

    def validate_notes(self, field):
        if not field.data.strip():
            raise ValidationError("Write a few words about the meeting.")

    def validate_their_due_on(self, field):
        if field.data and not (self.their_commitment.data or "").strip():
            raise ValidationError("Say what they committed to, or clear the date.")

    def validate_our_due_on(self, field):
        if field.data and not (self.our_commitment.data or "").strip():
            raise ValidationError("Say what we committed to, or clear the date.")


class ResolveCommitmentForm(FlaskForm):
    kept = RadioField("Kept?", choices=[("yes", "Kept"), ("no", "Not kept"), ("open", "Open")],
                      validators=[InputRequired("Choose kept or not kept.")])
    next = HiddenField()
