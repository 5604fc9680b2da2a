"""Form pieces every feature's forms share: the client id a write carries, text cleaning, sane
dates, amounts as reps type them. Feature forms import from here, never from each other."""
from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    StringField,
)
from wtforms.validators import Optional, StopValidation, ValidationError

from webapp.domain.client_ids import new_client_id, parse_client_id
from webapp.routing import MAX_DATABASE_ID

MAX_ID = MAX_DATABASE_ID
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


class NewRecordForm(WriteForm):
    """A form that makes a record: `uuid` is the record's own client id, made by the form (or
    the phone, offline) so that later writes can name the record before it reaches the server."""

    uuid = HiddenField()
    create_anyway = BooleanField("Create anyway")

    def validate_uuid(self, field):
        validate_client_id(field)


def finite_amount(form, field):
    if (field.data is None and field.process_errors) or (
            field.data is not None and not field.data.is_finite()):
        field.errors[:] = []
        raise StopValidation("Enter an amount, like 25000.")


class AmountField(DecimalField):
    """An amount as reps type it: "25,000", "$25000" and "25 000" all mean 25000."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [v.replace(",", "").replace("$", "").replace(" ", "").strip()
                         for v in valuelist]
        super().process_formdata(valuelist)
