from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False),
                                             Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = StringField(render_kw={"type": "hidden"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."),
                                        Length(max=200)],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        "New password", validators=[DataRequired("Choose a new password."), Length(max=200)],
        render_kw={"autocomplete": "new-password"})
    repeat_password = PasswordField(
        "New password again", validators=[DataRequired("Type the new password again."),
                                          Length(max=200)],
        render_kw={"autocomplete": "new-password"})
