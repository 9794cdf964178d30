"""Forms of the triage area."""
from werkzeug.datastructures import FileStorage
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from helpdesk.mail.forms import ensure_file_count, mail_files_field
from helpdesk.main.forms import AtMost, Form, select_choices
from helpdesk.main.query_args import MAX_INT_ARG
from helpdesk.models import PRIORITIES, REGIONS
from helpdesk.tickets.forms import (BODY_LENGTH, STATUS_AFTER_CHOICES, SUBJECT_LENGTH, URGENCY_CHOICES, QuestionForm,
                                    seen_field)
from helpdesk.tickets.services import BODY_MAX
from helpdesk.translation import lazy_gettext as _l
from helpdesk.triage.canned import BODY_MAX as CANNED_BODY_MAX, TITLE_MAX
from helpdesk.triage.filing import OFFLINE_CHANNELS
from helpdesk.triage.satisfaction import COMMENT_MAX, RATINGS
from helpdesk.triage.sla import MAX_HOURS
from helpdesk.triage.tagging import BULK_ACTIONS


class HoursField(DecimalField):
    """A number of hours that accepts the French decimal comma ("27,5")."""

    def process_formdata(self, valuelist):
        """Read "27,5" as 27.5."""
        super().process_formdata([value.replace(",", ".").strip() for value in valuelist])


class AbsenceForm(Form):
    """A jurist's or admin's absence: the last day away (empty: present)."""

    until = DateField(_l("Absent ou absente jusqu'au (inclus)"), validators=[Optional()],
                      description=_l("Vide : vous êtes présent ou présente."))
    submit = SubmitField(_l("Enregistrer"))


class CannedAnswerForm(Form):
    """Create or edit a canned answer."""

    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")),
                                             AtMost(TITLE_MAX)])
    body = TextAreaField(_l("Texte"), validators=[DataRequired(_l("Le texte est vide.")),
                                              AtMost(CANNED_BODY_MAX)],
                         description=_l("Variables remplacées à l'insertion : {prenom_membre}, {nom_membre}, {structure}, "
                                     "{reference}, {objet}, {juriste}. Un texte qui commence par « Bonjour » (ou "
                                     "« Madame, ») est envoyé sans second bonjour dans le courriel."))
    status_after = SelectField(_l("Statut après la réponse"), default="",
                               choices=select_choices([("", _l("Inchangé"))] + STATUS_AFTER_CHOICES),
                               description=_l("Choisi dans la zone de réponse quand la réponse type y est insérée, "
                                              "par exemple « En attente du membre » pour une demande de précisions."))
    submit = SubmitField(_l("Enregistrer"))


class SlaRuleForm(Form):
    """Set the service level of a priority, for all themes or one theme."""

    priority = SelectField(_l("Urgence"), coerce=int, choices=select_choices(sorted(PRIORITIES.items(), reverse=True)))
    theme = SelectField(_l("Thème"), coerce=int, description=_l("« Tous les thèmes » fixe la règle générale de l'urgence."))
    first_response_hours = HoursField(
        _l("Première réponse (heures ouvrées)"), places=2,
        validators=[InputRequired(_l("Indiquez le délai de première réponse.")),
                    NumberRange(min=0.25, max=MAX_HOURS, message=_l("Entre 0,25 et %(hours)d heures.", hours=MAX_HOURS))])
    resolution_hours = HoursField(
        _l("Résolution (heures ouvrées)"), places=2,
        validators=[InputRequired(_l("Indiquez le délai de résolution.")),
                    NumberRange(min=0.25, max=MAX_HOURS, message=_l("Entre 0,25 et %(hours)d heures.", hours=MAX_HOURS))])
    submit = SubmitField(_l("Enregistrer"))


class RoutingRuleForm(Form):
    """Add a routing rule."""

    theme = SelectField(_l("Thème"), coerce=int)
    region = SelectField(_l("Région"), choices=select_choices([("", _l("Toutes les régions")), *REGIONS.items()]))
    assignee = SelectField(_l("Confier à"), coerce=int)
    submit = SubmitField(_l("Ajouter la règle"))


class SatisfactionForm(Form):
    """A member rates the answer."""

    rating = RadioField(_l("Votre note"), coerce=int, choices=select_choices(RATINGS.items()),
                        validators=[InputRequired(_l("Choisissez une note de 1 à 5."))])
    comment = TextAreaField(_l("Commentaire (facultatif)"), validators=[
        Optional(), AtMost(COMMENT_MAX)])
    submit = SubmitField(_l("Envoyer mon avis"))


class TagForm(Form):
    """Add tags to a question."""

    tags = StringField(_l("Ajouter des étiquettes"), validators=[DataRequired(_l("Indiquez au moins une étiquette."))],
                       description=_l("Séparées par des virgules, par exemple : 480 heures, urgent direction."))
    submit = SubmitField(_l("Ajouter"))


class MergeForm(Form):
    """Merge this question into another one."""

    target = StringField(_l("Fusionner dans la question"), validators=[DataRequired(_l("Indiquez la référence."))],
                         description=_l("Référence de la question qui reste, par exemple Q-2026-00042, ou son numéro "
                                     "(00042)."))
    confirm_other_structure = BooleanField(
        _l("Je confirme la fusion même si les questions viennent de structures différentes"))
    submit = SubmitField(_l("Fusionner"))


class OnBehalfForm(Form):
    """A jurist files a question received by phone or email."""

    structure = SelectField(_l("Structure"), coerce=int, validators=[InputRequired(_l("Choisissez la structure."))])
    member = SelectField(_l("Membre"), coerce=int, validators=[
        NumberRange(min=1, message=_l("Choisissez un membre actif de cette structure."))])
    channel = RadioField(_l("Demande reçue par"), choices=select_choices(OFFLINE_CHANNELS.items()), default="phone",
                         validators=[InputRequired(_l("Indiquez le canal."))])
    subject = StringField(_l("Objet"),
                          validators=[DataRequired(_l("Indiquez l'objet de la question.")), *SUBJECT_LENGTH])
    theme = QuestionForm.theme
    body = TextAreaField(_l("Description"), validators=[DataRequired(_l("Décrivez la question reçue.")), *BODY_LENGTH])
    priority = RadioField(_l("Urgence"), coerce=int, choices=URGENCY_CHOICES, default=1,
                          validators=[InputRequired(_l("Choisissez une urgence."))])
    mail_files = mail_files_field()  # filed from a kept email: which of its files go with the question
    attachments = QuestionForm.attachments
    submit = SubmitField(_l("Enregistrer la question"))

    def validate_mail_files(self, field):
        """Refuse more files than a question takes, the email's ticked ones and those added counted together."""
        added = sum(1 for upload in self.attachments.data or () if isinstance(upload, FileStorage) and upload.filename)
        ensure_file_count(len(field.data or ()) + added, new_question=True)


class BulkForm(Form):
    """Apply an action to the questions ticked in the queue."""

    action = SelectField(_l("Action"), choices=select_choices([("", _l("Choisissez une action")), *BULK_ACTIONS.items()]))
    assignee = SelectField(_l("Juriste"), coerce=int, validators=[Optional()])
    status = SelectField(_l("Statut"), validators=[Optional()])
    tags = StringField(_l("Étiquettes"), validators=[Optional(), AtMost(400)])
    # Not `theme` nor `priority`: the queue's filters above already use those ids. Empty: unchanged; theme 0: none.
    reclass_theme = SelectField(_l("Nouveau thème"), validators=[Optional()])
    reclass_priority = SelectField(_l("Nouvelle urgence"), validators=[Optional()], choices=select_choices(
        [("", _l("Inchangée")), *((str(value), label) for value, label in sorted(PRIORITIES.items(), reverse=True))]))
    back = HiddenField()
    submit = SubmitField(_l("Appliquer aux questions cochées"))


class ComposeForm(Form):
    """The reply box's helper buttons: insert a canned answer, search and link resources (no JavaScript)."""

    seen = seen_field()  # carried through the round trip
    body = TextAreaField(_l("Message"), validators=[Optional(), AtMost(BODY_MAX)])
    kind = HiddenField()
    status_after = HiddenField()
    canned = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_INT_ARG)])
    resource_query = StringField(validators=[Optional(), AtMost(200)])
    link = StringField(validators=[Optional(), AtMost(200)])
    # Where the cursor was in the message when a helper button was pressed (set by static/js/cursor.js).
    cursor = IntegerField(validators=[Optional(), NumberRange(min=0, max=BODY_MAX)])
