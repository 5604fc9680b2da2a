"""The meeting form and resolving a commitment: validated on the server, friendly messages,
sane lengths (shared pieces: webapp/forms.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.forms import MAX_ID, FriendlyDateTimeField, WriteForm, date_field, sane_date
from webapp.models import (MEETING_INITIATOR_LABELS, MEETING_INITIATORS, MEETING_KIND_LABELS,
                           MEETING_KINDS)

MAX_NOTES = 50_000  # generous: a pasted e-mail thread fits
DURATION_CHOICES = (15, 30, 45, 60, 90, 120)


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
    # Who asked for it (inbound or outbound): equality of effort counts it. Optional.
    initiated_by = RadioField(
        "Who asked for it", choices=[(k, MEETING_INITIATOR_LABELS[k]) for k in MEETING_INITIATORS],
        validators=[Optional()], validate_choice=False)
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

    def validate_initiated_by(self, field):
        if field.data and field.data not in MEETING_INITIATORS:
            raise ValidationError("Choose who asked for the meeting.")

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
