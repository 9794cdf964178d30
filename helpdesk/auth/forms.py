"""Forms of the accounts area."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from helpdesk.main.forms import Form

PASSWORD_MIN = 12


class LoginForm(Form):
    """Email and password."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(_l("Indiquez votre mot de passe.")), Length(max=200)])
    submit = SubmitField(_l("Se connecter"))


class ForgotPasswordForm(Form):
    """The address to send a reset link to."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254)])
    submit = SubmitField(_l("Recevoir un lien"))


class SetPasswordForm(Form):
    """A new password, twice (invitation or reset link)."""

    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(min=PASSWORD_MIN, max=200, message=_l("Le mot de passe doit compter au moins %(min)d caractères.")),
        ],
        description=_l("Au moins %(min)d caractères.", min=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(_l("Confirmez le mot de passe.")), EqualTo("new", _l("Les deux mots de passe ne sont pas identiques."))],
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class ChangePasswordForm(Form):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(_l("Indiquez votre mot de passe actuel."))])
    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un nouveau mot de passe.")),
            Length(min=PASSWORD_MIN, max=200, message=_l("Le mot de passe doit compter au moins %(min)d caractères.")),
        ],
        description=_l("Au moins %(min)d caractères.", min=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(_l("Confirmez le nouveau mot de passe.")), EqualTo("new", _l("Les deux mots de passe ne sont pas identiques."))],
    )
    submit = SubmitField(_l("Changer le mot de passe"))
