"""Forms of the accounts area."""
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from helpdesk.main.forms import Form

PASSWORD_MIN = 12


class LoginForm(Form):
    """Email and password."""

    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail."), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired("Indiquez votre mot de passe."), Length(max=200)])
    submit = SubmitField("Se connecter")


class ForgotPasswordForm(Form):
    """The address to send a reset link to."""

    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail."), Length(max=254)])
    submit = SubmitField("Recevoir un lien")


class SetPasswordForm(Form):
    """A new password, twice (invitation or reset link)."""

    new = PasswordField(
        "Nouveau mot de passe",
        validators=[
            DataRequired("Choisissez un mot de passe."),
            Length(min=PASSWORD_MIN, max=200, message=f"Le mot de passe doit compter au moins {PASSWORD_MIN} caractères."),
        ],
        description=f"Au moins {PASSWORD_MIN} caractères.",
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[DataRequired("Confirmez le mot de passe."), EqualTo("new", "Les deux mots de passe ne sont pas identiques.")],
    )
    submit = SubmitField("Enregistrer le mot de passe")


class ChangePasswordForm(Form):
    """The current password, then the new one twice."""

    current = PasswordField("Mot de passe actuel", validators=[DataRequired("Indiquez votre mot de passe actuel.")])
    new = PasswordField(
        "Nouveau mot de passe",
        validators=[
            DataRequired("Choisissez un nouveau mot de passe."),
            Length(min=PASSWORD_MIN, max=200, message=f"Le mot de passe doit compter au moins {PASSWORD_MIN} caractères."),
        ],
        description=f"Au moins {PASSWORD_MIN} caractères.",
    )
    confirm = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[DataRequired("Confirmez le nouveau mot de passe."), EqualTo("new", "Les deux mots de passe ne sont pas identiques.")],
    )
    submit = SubmitField("Changer le mot de passe")
