"""The reminder settings form: which kinds, how close a slipping deal is, quiet hours."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange

from webapp.domain import reminders as rules


class ReminderSettingsForm(FlaskForm):
    commitments = BooleanField(rules.KIND_LABELS[rules.COMMITMENTS])
    slipping = BooleanField(rules.KIND_LABELS[rules.SLIPPING])
    territory = BooleanField(rules.KIND_LABELS[rules.TERRITORY])
    queued = BooleanField(rules.KIND_LABELS[rules.QUEUED])
    slip_days = IntegerField("Slipping: closes within (days)",
                             validators=[InputRequired("Say how many days."),
                                         NumberRange(1, 90, "Between 1 and 90 days.")])
    quiet_start = TimeField("Quiet from", validators=[InputRequired("Say when quiet starts.")])
    quiet_end = TimeField("Quiet until", validators=[InputRequired("Say when quiet ends.")])

    def kinds(self) -> set[str]:
        return {kind for kind in rules.KINDS if getattr(self, kind).data}
