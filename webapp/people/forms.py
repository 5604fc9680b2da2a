"""Forms for people across companies and old lists: each a write through the outbox."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import MAX_ID, FriendlyDateField, WriteForm, sane_date
from webapp.models import TOUCH_KINDS
from webapp.services.relationships import MAX_COMPANY, MAX_TITLE


class MoveForm(WriteForm):
    contact_id = IntegerField(validators=[InputRequired("Choose the person."),
                                          NumberRange(1, MAX_ID, "Choose the person.")])
    # Shown only: who is moving (the phone's one saved copy fills it from the address).
    contact_name = StringField("Who moved", render_kw={"readonly": True})
    company = StringField("New company (blank: none yet)", validators=[Length(max=MAX_COMPANY)],
                          render_kw={"autocomplete": "off", "enterkeyhint": "done"})
    account_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    title = StringField("New title", validators=[Length(max=MAX_TITLE)])
    left_on = FriendlyDateField("Moved on", validators=[Optional(), sane_date])
    champion = BooleanField("They were our champion")


class TouchForm(WriteForm):
    contact_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    account_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    kind = RadioField("How", choices=[(k, k) for k in TOUCH_KINDS], default="call",
                      validators=[InputRequired("Say how you reached them.")])


class MarkForm(WriteForm):
    account_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    action = RadioField(choices=[("snooze", "snooze"), ("dismiss", "dismiss")],
                        validators=[InputRequired()])
