"""The quick note: one field."""
from __future__ import annotations

from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.forms import MAX_ID, WriteForm
from webapp.services.notes import MAX_NOTE_LENGTH


class NoteForm(WriteForm):
    body = TextAreaField("Note", validators=[
        InputRequired("Write the note."),
        Length(max=MAX_NOTE_LENGTH, message=f"A note holds at most {MAX_NOTE_LENGTH:,} characters.")])
    account_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])

    def validate_body(self, field):
        if not field.data.strip():
            raise ValidationError("Write the note.")


class FileNoteForm(WriteForm):
    account_id = IntegerField("Account", validators=[
        InputRequired("Choose the account."), NumberRange(1, MAX_ID, "Choose the account.")])
