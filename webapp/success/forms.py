"""The customer success form: goal, outcome, renewal date, health with its reason, reference."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from webapp.domain.success import HEALTH_LABELS, HEALTHS
from webapp.forms import WriteForm, date_field
from webapp.services.success import MAX_GOAL_LENGTH, MAX_REASON_LENGTH


class SuccessForm(WriteForm):
    goal = TextAreaField("Their goal", validators=[
        Length(max=MAX_GOAL_LENGTH, message=f"At most {MAX_GOAL_LENGTH:,} characters.")])
    outcome = TextAreaField("Outcome they want", validators=[
        Length(max=MAX_GOAL_LENGTH, message=f"At most {MAX_GOAL_LENGTH:,} characters.")])
    renewal_on = date_field("Renewal date")
    health = RadioField("Health", choices=[("", "Not said")] + [(h, HEALTH_LABELS[h]) for h in HEALTHS],
                        default="", validate_choice=False)
    health_reason = StringField("Why", validators=[
        Length(max=MAX_REASON_LENGTH, message=f"At most {MAX_REASON_LENGTH} characters.")])
    willing = BooleanField("Willing to be a reference")

    def validate_health(self, field):
        if (field.data or "") not in ("", *HEALTHS):
            raise ValidationError("Choose good, watch or at risk.")

    def validate_health_reason(self, field):
        if self.health.data in ("watch", "at_risk") and not (field.data or "").strip():
            raise ValidationError("Say why, in a few words.")


class AskForm(WriteForm):
    """Asking a reference to host a prospect: only the client id (the addresses say who)."""
