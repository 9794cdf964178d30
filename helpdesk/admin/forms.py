"""Forms of the administration area."""
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Optional, ValidationError

from helpdesk.admin.imports import ENCODING_NAMES
from helpdesk.admin.services import ACCOUNT_STATES, MEMBERSHIPS, STRUCTURE_NAME_MAX, normalise_siret, siret_problem
from helpdesk.auth.forms import NEW_PASSWORD_LENGTH, PASSWORD_MIN
from helpdesk.auth.services import email_problem, normalise_email
from helpdesk.main.forms import AtMost, FilterForm, Form, select_choices
from helpdesk.models import REGIONS, ROLES, STRUCTURE_TYPES
from helpdesk.translation import gettext as _, lazy_gettext as _l


def _valid_siret(form, field):
    """SIRET: 14 digits (spaces allowed) with a valid checksum."""
    problem = siret_problem(normalise_siret(field.data))
    if problem is not None:
        raise ValidationError(problem)


def _valid_email(form, field):
    """A well-formed address (see email_problem)."""
    problem = email_problem(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


class StructureForm(Form):
    """Create or edit a member structure."""

    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom de la structure.")),
                                          AtMost(STRUCTURE_NAME_MAX)])
    siret = StringField("SIRET", validators=[DataRequired(_l("Indiquez le SIRET.")), _valid_siret],
                        description=_l("14 chiffres, espaces acceptés."))
    # No type or region stands first on a new structure: one chosen by default was saved unnoticed.
    type = SelectField(_l("Type de structure"),
                       choices=select_choices([("", _l("Choisissez un type")), *STRUCTURE_TYPES.items()]),
                       validators=[DataRequired(_l("Choisissez le type de la structure."))])
    region = SelectField(_l("Région (délégation)"),
                         choices=select_choices([("", _l("Choisissez une région")), *REGIONS.items()]),
                         validators=[DataRequired(_l("Choisissez la région de la structure."))])
    active = BooleanField(_l("Adhésion active"), default=True)
    submit = SubmitField(_l("Enregistrer"))


def _valid_changed_email(form, field):
    """On an existing account, a well-formed address only when it changes: one made before the checks stays."""
    if normalise_email(field.data) != form.account.email:
        _valid_email(form, field)


class UserForm(Form):
    """Create a user account."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez l'adresse e-mail.")),
                                                     _valid_email,
                                                     AtMost(254)])
    name = StringField(_l("Nom complet"), validators=[DataRequired(_l("Indiquez le nom.")), AtMost(120)])
    role = SelectField(_l("Rôle"), choices=select_choices(ROLES.items()))
    structure = SelectField(_l("Structure (pour les membres)"), coerce=int, validators=[Optional()])
    invite = BooleanField(_l("Envoyer une invitation par courriel (la personne choisit elle-même son mot de passe)"),
                          default=True)
    password = PasswordField(_l("Mot de passe initial (sans invitation)"), validators=[
        Optional(), *NEW_PASSWORD_LENGTH],
        description=_l("Au moins %(min)d caractères ; à communiquer à la personne, qui pourra le changer.",
                    min=PASSWORD_MIN))
    submit = SubmitField(_l("Créer le compte"))

    def validate(self, extra_validators=None) -> bool:
        """Either an invitation or an initial password; with an invitation, a password typed anyway is ignored."""
        if self.invite.data:
            self.password.data, self.password.raw_data = "", []
        if not super().validate(extra_validators):
            return False
        if not self.invite.data and not self.password.data:
            self.password.errors.append(_("Choisissez un mot de passe initial, ou cochez l'envoi d'une invitation."))
            return False
        return True


class UserEditForm(Form):
    """Correct an account: name, email, role, structure."""

    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez l'adresse e-mail.")),
                                                     _valid_changed_email, AtMost(254)],
                       description=_l("Si vous la changez, l'ancienne et la nouvelle adresse en sont prévenues par "
                                      "courriel, et les sessions du compte sont fermées."))
    name = UserForm.name
    role = UserForm.role
    structure = UserForm.structure
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, account, **kwargs):
        """The form of this account, filled with its values on first display."""
        self.account = account
        super().__init__(obj=account, **kwargs)


class ThemeForm(Form):
    """Create a theme."""

    name = StringField(_l("Nom du thème"), validators=[DataRequired(_l("Indiquez le nom du thème.")),
                                                   AtMost(120)])
    submit = SubmitField(_l("Ajouter"))


class ThemeEditForm(Form):
    """Rename a theme, retire or restore it."""

    name = ThemeForm.name
    active = BooleanField(_l("Thème actif (proposé pour les nouvelles questions et ressources)"))
    submit = SubmitField(_l("Enregistrer"))


class ToggleForm(Form):
    """A button that flips an active flag, for its CSRF token."""


class AccountFilterForm(FilterForm):
    """Narrow the accounts list by a search, a role and a state."""

    q = StringField(_l("Nom, e-mail ou structure"), validators=[Optional(), AtMost(200)])
    role = SelectField(_l("Rôle"), choices=select_choices([("", _l("Tous")), *ROLES.items()]), default="")
    state = SelectField(_l("État"), choices=select_choices([("", _l("Tous")), *ACCOUNT_STATES.items()]), default="")

    def filters(self) -> dict:
        """The valid filters, as accounts_query takes them (invalid ones are ignored and shown as errors)."""
        self.validate()
        return {"search": (self.q.data or "").strip() if not self.q.errors else "",
                "role": self.role.data or None, "state": self.state.data or None}


class StructureFilterForm(FilterForm):
    """Narrow the structures list by a search and a membership state."""

    q = StringField(_l("Nom ou SIRET"), validators=[Optional(), AtMost(200)])
    membership = SelectField(_l("Adhésion"), choices=select_choices([("", _l("Toutes")), *MEMBERSHIPS.items()]),
                             default="")

    def filters(self) -> dict:
        """The valid filters, as structures_query takes them (invalid ones are ignored and shown as errors)."""
        self.validate()
        return {"search": (self.q.data or "").strip() if not self.q.errors else "",
                "membership": self.membership.data or None}


class ImportForm(Form):
    """The CSV file of structures and accounts to import."""

    file = FileField(_l("Fichier CSV"), validators=[FileRequired(_l("Choisissez le fichier CSV à importer."))],
                     render_kw={"accept": ".csv,text/csv"},
                     description=_l("Enregistré depuis Excel ou LibreOffice au format CSV (séparateur point-virgule "
                                    "ou virgule), 2 Mo au plus."))
    encoding = SelectField(_l("Encodage du fichier"), default="",
                           choices=select_choices([("", _l("Détection automatique")), *ENCODING_NAMES.items()]),
                           description=_l("Laissez « Détection automatique » ; si l'aperçu montre des accents mal lus "
                                          "(« RÃ©gie », « RŽgie »), déposez de nouveau le fichier en choisissant "
                                          "son encodage : Windows-1252 (Excel sous Windows), Mac Roman (Excel sur "
                                          "un ancien Mac) ou UTF-8."))
    submit = SubmitField(_l("Vérifier le fichier"))


class ConfirmImportForm(Form):
    """« Importer » after the preview: the signed reference to the checked file kept on the server."""

    token = StringField()
