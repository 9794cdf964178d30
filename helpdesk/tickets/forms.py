"""Forms of the questions area."""
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from helpdesk.attachments.forms import attachments_field
from helpdesk.main.forms import AtLeast, AtMost, Form, select_choices
from helpdesk.models import PRIORITIES
from helpdesk.tickets.services import BODY_MAX, SUBJECT_MAX
from helpdesk.translation import gettext as _, lazy_gettext as _l

URGENCY_CHOICES = select_choices([(1, _l("Normale")), (2, _l("Élevée : réponse souhaitée rapidement")),
                                  (3, _l("Urgente : échéance imminente"))])


# The lengths a question's subject and description must have, wherever a question is written.
SUBJECT_LENGTH = [AtLeast(5), AtMost(SUBJECT_MAX)]
BODY_LENGTH = [AtLeast(20), AtMost(BODY_MAX)]


class QuestionForm(Form):
    """A member's new question."""

    subject = StringField(
        _l("Objet"),
        validators=[DataRequired(_l("Indiquez l'objet de votre question.")), *SUBJECT_LENGTH],
        description=_l("En une phrase : par exemple « Renouvellement d'un CDDI au-delà de 24 mois »."),
    )
    # Its choices start with « Choisissez un thème » (0), so that no theme is chosen for the member.
    theme = SelectField(_l("Thème"), coerce=int, validators=[
        InputRequired(_l("Choisissez un thème.")), NumberRange(min=1, message=_l("Choisissez un thème."))])
    body = TextAreaField(
        _l("Description"),
        validators=[DataRequired(_l("Décrivez votre situation.")), *BODY_LENGTH],
        description=_l("Décrivez la situation, les dates et ce que vous avez déjà fait. Évitez les noms des salariés."),
    )
    priority = RadioField(_l("Urgence"), coerce=int, choices=URGENCY_CHOICES, default=1,
                          validators=[InputRequired(_l("Choisissez une urgence."))])
    attachments = attachments_field(_l("Documents (contrat, bulletin de paie, courrier…)"))
    submit = SubmitField(_l("Envoyer ma question"))


def _message_id(value) -> int | None:
    """A message id as the reply form carries it back, or None (no value, an older page, a value tampered with)."""
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None
    return value


def seen_field() -> HiddenField:
    """The reply box's marker: the last message of the thread its page showed (a reply is held back if someone wrote
    meanwhile); every form that carries a reply being written keeps it."""
    return HiddenField(filters=[_message_id])


class ReplyForm(Form):
    """A member's reply."""

    seen = seen_field()

    body = TextAreaField(_l("Votre message"), validators=[
        DataRequired(_l("Écrivez votre message : quelques mots suffisent, même pour joindre un document.")),
        AtMost(BODY_MAX)],
        # A file alone is refused: said before the member picks one, which a refused form would make them pick again.
        description=_l("Pour ajouter des documents, joignez-les avec quelques mots d'explication."))
    attachments = attachments_field()
    submit = SubmitField(_l("Envoyer"))


# The statuses a jurist's reply may leave (tickets.services.STATUSES_AFTER_REPLY), labelled.
STATUS_AFTER_CHOICES = [("answered", _l("Répondue")), ("waiting", _l("En attente du membre"))]


class StaffReplyForm(Form):
    """A jurist's public answer or internal note."""

    seen = seen_field()

    body = TextAreaField(_l("Message"), validators=[
        DataRequired(_l("Le message est vide.")),
        AtMost(BODY_MAX)])
    kind = RadioField(_l("Type de message"), default="public", validators=[InputRequired(_l("Choisissez le type de message."))],
                      choices=select_choices([("public", _l("Réponse au membre")),
                                              ("note", _l("Note interne (invisible pour le membre)"))]))
    status_after = SelectField(_l("Statut après une réponse"), default="answered",
                               choices=select_choices(STATUS_AFTER_CHOICES))
    attachments = attachments_field()
    submit = SubmitField(_l("Publier"))


class AssignForm(Form):
    """Choose the jurist in charge (0 = nobody)."""

    assignee = SelectField(_l("Juriste en charge"), coerce=int)
    submit = SubmitField(_l("Assigner"))


class StatusForm(Form):
    """Move the question along the flow."""

    status = SelectField(_l("Nouveau statut"))
    submit = SubmitField(_l("Changer le statut"))


class ClassifyForm(Form):
    """A jurist's correction of the theme and urgency of a question (theme 0 = no theme)."""

    theme = SelectField(_l("Thème"), coerce=int)
    priority = SelectField(_l("Urgence"), coerce=int,
                           choices=select_choices(sorted(PRIORITIES.items(), reverse=True)))
    submit = SubmitField(_l("Reclasser"))


class ActionForm(Form):
    """A button-only form (claim, close), for its CSRF token."""
