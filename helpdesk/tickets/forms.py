"""Forms of the questions area."""
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from helpdesk.attachments.forms import attachments_field
from helpdesk.main.forms import Form
from helpdesk.tickets.services import BODY_MAX, SUBJECT_MAX

URGENCY_CHOICES = [(1, "Normale"), (2, "Élevée : réponse souhaitée rapidement"), (3, "Urgente : échéance imminente")]


class QuestionForm(Form):
    """A member's new question."""

    subject = StringField(
        "Objet",
        validators=[DataRequired("Indiquez l'objet de votre question."),
                    Length(min=5, max=SUBJECT_MAX, message=f"L'objet doit compter entre 5 et {SUBJECT_MAX} caractères.")],
        description="En une phrase : par exemple « Renouvellement d'un CDDI au-delà de 24 mois ».",
    )
    theme = SelectField("Thème", coerce=int, validators=[InputRequired("Choisissez un thème.")])
    body = TextAreaField(
        "Description",
        validators=[DataRequired("Décrivez votre situation."),
                    Length(min=20, max=BODY_MAX, message=f"La description doit compter entre 20 et {BODY_MAX} caractères.")],
        description="Décrivez la situation, les dates et ce que vous avez déjà fait. Évitez les noms des salariés.",
    )
    priority = RadioField("Urgence", coerce=int, choices=URGENCY_CHOICES, default=1,
                          validators=[InputRequired("Choisissez une urgence.")])
    attachments = attachments_field("Documents (contrat, bulletin de paie, courrier…)")
    submit = SubmitField("Envoyer ma question")


class ReplyForm(Form):
    """A member's reply."""

    body = TextAreaField("Votre réponse", validators=[
        DataRequired("Le message est vide."),
        Length(max=BODY_MAX, message=f"{BODY_MAX} caractères au maximum.")])
    attachments = attachments_field()
    submit = SubmitField("Envoyer")


class StaffReplyForm(Form):
    """A jurist's public answer or internal note."""

    body = TextAreaField("Message", validators=[
        DataRequired("Le message est vide."),
        Length(max=BODY_MAX, message=f"{BODY_MAX} caractères au maximum.")])
    kind = RadioField("Type de message", default="public", validators=[InputRequired("Choisissez le type de message.")],
                      choices=[("public", "Réponse au membre"), ("note", "Note interne (invisible pour le membre)")])
    status_after = SelectField("Statut après une réponse", default="answered",
                               choices=[("answered", "Répondue"), ("waiting", "En attente du membre")])
    attachments = attachments_field()
    submit = SubmitField("Publier")


class AssignForm(Form):
    """Choose the jurist in charge (0 = nobody)."""

    assignee = SelectField("Juriste en charge", coerce=int)
    submit = SubmitField("Assigner")


class StatusForm(Form):
    """Move the question along the flow."""

    status = SelectField("Nouveau statut")
    submit = SubmitField("Changer le statut")


class ActionForm(Form):
    """A button-only form (claim, close), for its CSRF token."""
