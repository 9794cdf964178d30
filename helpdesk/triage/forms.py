"""Forms of the triage area."""
from wtforms import (BooleanField, DecimalField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from helpdesk.main.forms import Form
from helpdesk.models import PRIORITIES, REGIONS
from helpdesk.tickets.forms import URGENCY_CHOICES
from helpdesk.tickets.services import BODY_MAX, SUBJECT_MAX
from helpdesk.triage.canned import BODY_MAX as CANNED_BODY_MAX, TITLE_MAX
from helpdesk.triage.filing import OFFLINE_CHANNELS
from helpdesk.triage.satisfaction import COMMENT_MAX, RATINGS
from helpdesk.triage.sla import MAX_HOURS


class HoursField(DecimalField):
    """A number of hours that accepts the French decimal comma ("27,5")."""

    def process_formdata(self, valuelist):
        """Read "27,5" as 27.5."""
        super().process_formdata([value.replace(",", ".").strip() for value in valuelist])


class CannedAnswerForm(Form):
    """Create or edit a canned answer."""

    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."),
                                             Length(max=TITLE_MAX, message=f"{TITLE_MAX} caractères au maximum.")])
    body = TextAreaField("Texte", validators=[DataRequired("Le texte est vide."),
                                              Length(max=CANNED_BODY_MAX, message=f"{CANNED_BODY_MAX} caractères au maximum.")],
                         description="Variables remplacées à l'insertion : {prenom_membre}, {nom_membre}, {structure}, "
                                     "{reference}, {objet}, {juriste}.")
    submit = SubmitField("Enregistrer")


class SlaRuleForm(Form):
    """Set the service level of a priority, for all themes or one theme."""

    priority = SelectField("Urgence", coerce=int, choices=sorted(PRIORITIES.items(), reverse=True))
    theme = SelectField("Thème", coerce=int, description="« Tous les thèmes » fixe la règle générale de l'urgence.")
    first_response_hours = HoursField(
        "Première réponse (heures ouvrées)", places=2,
        validators=[InputRequired("Indiquez le délai de première réponse."),
                    NumberRange(min=0.25, max=MAX_HOURS, message=f"Entre 0,25 et {MAX_HOURS} heures.")])
    resolution_hours = HoursField(
        "Résolution (heures ouvrées)", places=2,
        validators=[InputRequired("Indiquez le délai de résolution."),
                    NumberRange(min=0.25, max=MAX_HOURS, message=f"Entre 0,25 et {MAX_HOURS} heures.")])
    submit = SubmitField("Enregistrer")


class RoutingRuleForm(Form):
    """Add a routing rule."""

    theme = SelectField("Thème", coerce=int)
    region = SelectField("Région", choices=[("", "Toutes les régions")] + list(REGIONS.items()))
    assignee = SelectField("Confier à", coerce=int)
    submit = SubmitField("Ajouter la règle")


class SatisfactionForm(Form):
    """A member rates the answer."""

    rating = RadioField("Votre note", coerce=int, choices=list(RATINGS.items()),
                        validators=[InputRequired("Choisissez une note de 1 à 5.")])
    comment = TextAreaField("Commentaire (facultatif)", validators=[
        Optional(), Length(max=COMMENT_MAX, message=f"{COMMENT_MAX} caractères au maximum.")])
    submit = SubmitField("Envoyer mon avis")


class TagForm(Form):
    """Add tags to a question."""

    tags = StringField("Ajouter des étiquettes", validators=[DataRequired("Indiquez au moins une étiquette.")],
                       description="Séparées par des virgules, par exemple : 480 heures, urgent direction.")
    submit = SubmitField("Ajouter")


class MergeForm(Form):
    """Merge this question into another one."""

    target = StringField("Fusionner dans la question", validators=[DataRequired("Indiquez la référence.")],
                         description="Référence de la question qui reste, par exemple Q-2026-00042.")
    confirm_other_structure = BooleanField(
        "Je confirme la fusion même si les questions viennent de structures différentes")
    submit = SubmitField("Fusionner")


class OnBehalfForm(Form):
    """A jurist files a question received by phone or email."""

    structure = SelectField("Structure", coerce=int, validators=[InputRequired("Choisissez la structure.")])
    member = SelectField("Membre", coerce=int, validators=[Optional()])
    channel = RadioField("Demande reçue par", choices=list(OFFLINE_CHANNELS.items()), default="phone",
                         validators=[InputRequired("Indiquez le canal.")])
    subject = StringField("Objet", validators=[Optional(), Length(max=SUBJECT_MAX)])
    theme = SelectField("Thème", coerce=int, validators=[Optional()])
    body = TextAreaField("Description", validators=[Optional(), Length(max=BODY_MAX)])
    priority = RadioField("Urgence", coerce=int, choices=URGENCY_CHOICES, default=1,
                          validators=[InputRequired("Choisissez une urgence.")])
    submit = SubmitField("Enregistrer la question")


class BulkForm(Form):
    """Apply an action to the questions ticked in the queue."""

    action = SelectField("Action", choices=[("", "Choisir une action")] + [
        ("assigner", "Assigner à"), ("etiqueter", "Ajouter les étiquettes"),
        ("statut", "Changer le statut en"), ("clore", "Clore")])
    assignee = SelectField("Juriste", coerce=int, validators=[Optional()])
    status = SelectField("Statut", validators=[Optional()])
    tags = StringField("Étiquettes", validators=[Optional(), Length(max=400)])
    back = HiddenField()
    submit = SubmitField("Appliquer aux questions cochées")


class ComposeForm(Form):
    """The reply box's helper buttons: insert a canned answer, search and link resources (no JavaScript)."""

    body = TextAreaField("Message", validators=[Optional(), Length(max=BODY_MAX)])
    kind = HiddenField()
    status_after = HiddenField()
    canned = IntegerField(validators=[Optional()])
    resource_query = StringField(validators=[Optional(), Length(max=200)])
    link = StringField(validators=[Optional(), Length(max=200)])
