"""Forms of the accounts area."""
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from helpdesk.main.forms import AtLeast, AtMost, Form, select_choices
from helpdesk.translation import lazy_gettext as _l

PASSWORD_MIN = 12
PASSWORD_MAX = 200
# Every password field, even the login's: a longer one would only cost hashing time.
PASSWORD_MAX_LENGTH = AtMost(PASSWORD_MAX)
NEW_PASSWORD_LENGTH = [AtLeast(PASSWORD_MIN), PASSWORD_MAX_LENGTH]


# A new password's boxes: a password manager offers to generate it and saves it, never fills in the old one.
NEW_PASSWORD = {"autocomplete": "new-password"}


class LoginForm(Form):
    """Email and password."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), AtMost(254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Mot de passe"),
                             validators=[DataRequired(_l("Indiquez votre mot de passe.")), PASSWORD_MAX_LENGTH],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Se connecter"))


class ForgotPasswordForm(Form):
    """The address to send a reset link to."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), AtMost(254)],
                       render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Recevoir un lien"))


class SetPasswordForm(Form):
    """A new password, twice (invitation or reset link)."""

    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            *NEW_PASSWORD_LENGTH,
        ],
        description=_l("Au moins %(min)d caractères.", min=PASSWORD_MIN),
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(_l("Confirmez le mot de passe.")), EqualTo("new", _l("Les deux mots de passe ne sont pas identiques."))],
        render_kw=NEW_PASSWORD,
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class AccountNameForm(Form):
    """The name users give themselves on the help desk."""

    # Its length is the service's to check (account_name_problem), as for the names admins give.
    name = StringField(_l("Votre nom"), validators=[DataRequired(_l("Indiquez votre nom."))],
                       description=_l("Tel qu'il apparaît sur vos questions, vos messages et les courriels du "
                                       "helpdesk."), render_kw={"autocomplete": "name"})
    submit = SubmitField(_l("Enregistrer mon nom"))


class ChangePasswordForm(Form):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Mot de passe actuel"),
                            validators=[DataRequired(_l("Indiquez votre mot de passe actuel.")), PASSWORD_MAX_LENGTH],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un nouveau mot de passe.")),
            *NEW_PASSWORD_LENGTH,
        ],
        description=_l("Au moins %(min)d caractères.", min=PASSWORD_MIN),
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(_l("Confirmez le nouveau mot de passe.")), EqualTo("new", _l("Les deux mots de passe ne sont pas identiques."))],
        render_kw=NEW_PASSWORD,
    )
    submit = SubmitField(_l("Changer le mot de passe"))


class ApiTokenForm(Form):
    """Name, scope and lifetime of a new personal access token."""

    name = StringField(_l("Nom du jeton"), validators=[DataRequired(_l("Donnez un nom au jeton.")),
                                                   AtMost(100)],
                       description=_l("Pour vous rappeler où il sert, par exemple : tableur de suivi."))
    scope = RadioField(_l("Portée"),
                       choices=select_choices([("read", _l("Lecture seule")), ("write", _l("Lecture et écriture"))]),
                       default="read", validators=[DataRequired(_l("Choisissez une portée."))])
    # No « never »: a token forgotten in a tool must die on its own (the service refuses more than a year too).
    expires_in_days = SelectField(_l("Validité"), coerce=int, default=90,
                                  choices=select_choices([(30, _l("30 jours")), (90, _l("90 jours")),
                                                          (365, _l("1 an"))]),
                                  validators=[DataRequired(_l("Choisissez une durée de validité."))])
    # A session left open (a shared computer) must not be enough to plant a token that outlives every logout.
    password = PasswordField(_l("Votre mot de passe"),
                             validators=[DataRequired(_l("Indiquez votre mot de passe pour créer un jeton.")),
                                         PASSWORD_MAX_LENGTH],
                             render_kw={"autocomplete": "current-password"},
                             description=_l("Un jeton donne accès à vos questions même après votre déconnexion : "
                                            "votre mot de passe confirme que c'est bien vous."))
    submit = SubmitField(_l("Créer le jeton"))


class CurrentPasswordForm(Form):
    """« Mot de passe actuel », typed within a guarded form (a deletion, a flash info, a jurist's role...) when the
    password was not typed in the last minutes: the form is then sent once, its values kept (`helpdesk.auth.network`).
    The enclosing form carries the CSRF token."""

    class Meta:
        """No token of its own: it is a field of another form."""

        csrf = False

    current_password = PasswordField(_l("Mot de passe actuel"),
                                     validators=[DataRequired(_l("Indiquez votre mot de passe.")),
                                                 PASSWORD_MAX_LENGTH],
                                     render_kw={"autocomplete": "current-password"})


class RevokeTokenForm(Form):
    """Revoke a token (the CSRF token is the only field)."""
