"""Check-in, check-out and "what happened" to a check-in left open: taps, few fields."""
from __future__ import annotations

import math

from wtforms import FloatField, HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.forms import FriendlyDateTimeField, WriteForm, sane_date


class CheckInForm(WriteForm):
    # A database id, or the client id of an account made on the phone (field capture).
    account_id = HiddenField(validators=[InputRequired("Choose the account."), Length(max=36)])
    # The moment of the tap, in UTC from the phone (empty without JavaScript: now).
    at = HiddenField(validators=[Length(max=40)])
    latitude = FloatField(validators=[Optional(), NumberRange(-90, 90, "Not a latitude.")])
    longitude = FloatField(validators=[Optional(), NumberRange(-180, 180, "Not a longitude.")])

    def validate_latitude(self, field):
        if field.data is not None and not math.isfinite(field.data):
            raise ValidationError("Not a latitude.")

    def validate_longitude(self, field):
        if field.data is not None and not math.isfinite(field.data):
            raise ValidationError("Not a longitude.")
        if (field.data is None) != (self.latitude.data is None):
            raise ValidationError("A position needs both latitude and longitude.")


class CheckOutForm(WriteForm):
    checkin = HiddenField(validators=[InputRequired("Which check-in?"), Length(max=36)])
    at = HiddenField(validators=[Length(max=40)])


class ResolveForm(WriteForm):
    checkin = HiddenField(validators=[InputRequired("Which check-in?"), Length(max=36)])
    outcome = RadioField("What happened?", choices=[("left", "I left"),
                                                    ("discard", "Discard it")],
                         validators=[InputRequired("Say what happened.")])
    left_at = FriendlyDateTimeField(
        "Left at", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[Optional(), sane_date])
    next = StringField(validators=[Length(max=500)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Not a field validator: Optional() ends the field's chain when it is empty.
        if valid and self.outcome.data == "left" and self.left_at.data is None:
            self.left_at.errors = ["When did you leave?"]
            return False
        return valid
