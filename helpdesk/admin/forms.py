"""Forms of the administration area."""
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from helpdesk.auth.forms import PASSWORD_MIN
from helpdesk.main.forms import Form
from helpdesk.models import REGIONS, ROLES, STRUCTURE_TYPES
from helpdesk.models.structure import siret_is_valid


def _valid_siret(form, field):
    """SIRET: 14 digits (spaces allowed) with a valid checksum."""
    digits = (field.data or "").replace(" ", "")
    if not digits.isdigit() or len(digits) != 14:
        raise ValidationError("Le SIRET compte 14 chiffres.")
    if not siret_is_valid(digits):
        raise ValidationError("Ce SIRET n'est pas valide (clé de contrôle incorrecte).")


class StructureForm(Form):
    """Create or edit a member structure."""

    name = StringField("Nom", validators=[DataRequired("Indiquez le nom de la structure."),
                                          Length(max=200, message="200 caractères au maximum.")])
    siret = StringField("SIRET", validators=[DataRequired("Indiquez le SIRET."), _valid_siret],
                        description="14 chiffres, espaces acceptés.")
    type = SelectField("Type de structure", choices=list(STRUCTURE_TYPES.items()))
    region = SelectField("Région (délégation)", choices=list(REGIONS.items()))
    active = BooleanField("Adhésion active", default=True)
    submit = SubmitField("Enregistrer")


class UserForm(Form):
    """Create a user account."""

    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez l'adresse e-mail."),
                                                     Email("Cette adresse e-mail n'est pas valide.", check_deliverability=False),
                                                     Length(max=254)])
    name = StringField("Nom complet", validators=[DataRequired("Indiquez le nom."), Length(max=120, message="120 caractères au maximum.")])
    role = SelectField("Rôle", choices=list(ROLES.items()))
    structure = SelectField("Structure (pour les membres)", coerce=int, validators=[Optional()])
    invite = BooleanField("Envoyer une invitation par courriel (la personne choisit elle-même son mot de passe)",
                          default=True)
    password = PasswordField("Mot de passe initial (sans invitation)", validators=[
        Optional(),
        Length(min=PASSWORD_MIN, max=200, message=f"Le mot de passe doit compter au moins {PASSWORD_MIN} caractères.")],
        description=f"Au moins {PASSWORD_MIN} caractères ; à communiquer à la personne, qui pourra le changer.")
    submit = SubmitField("Créer le compte")

    def validate(self, extra_validators=None) -> bool:
        """Either an invitation or an initial password."""
        if not super().validate(extra_validators):
            return False
        if not self.invite.data and not self.password.data:
            self.password.errors.append("Choisissez un mot de passe initial, ou cochez l'envoi d'une invitation.")
            return False
        return True


class ThemeForm(Form):
    """Create a theme."""

    name = StringField("Nom du thème", validators=[DataRequired("Indiquez le nom du thème."),
                                                   Length(max=120, message="120 caractères au maximum.")])
    submit = SubmitField("Ajouter")


class ToggleForm(Form):
    """A button that flips an active flag, for its CSRF token."""
