"""Forms of the email area."""
from flask import current_app
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from helpdesk.main.forms import AtMost, Form, MultiCheckboxField, select_choices
from helpdesk.models import NOTIFY_MODES
from helpdesk.models.attachment import size_label
from helpdesk.translation import gettext as _, lazy_gettext as _l


def mail_files_field() -> MultiCheckboxField:
    """The boxes to tick of a kept email's accepted files (choices: their numbers in the email, see offer_mail_files)."""
    return MultiCheckboxField(_l("Pièces jointes du courriel à joindre à la question"), coerce=int)


def offer_mail_files(field: MultiCheckboxField, files: list[tuple[str, bytes]], *, new_question: bool) -> None:
    """Offer a kept email's accepted files as boxes to tick, named with their size, under the limit of files a new
    question (files added to the form included) or a message takes."""
    field.choices = select_choices((number, f"{name} ({size_label(len(data))})")
                                   for number, (name, data) in enumerate(files))
    limit = current_app.config["ATTACHMENT_MAX_FILES"]
    if new_question and len(files) > limit:
        field.description = _(
            "Ce courriel a %(count)d pièces jointes acceptées, une question en reçoit %(max)d au plus (fichiers "
            "ajoutés ci-dessous compris) : décochez celles à laisser de côté, elles ne seront pas jointes à la "
            "question.", count=len(files), max=limit)
    elif new_question:
        field.description = _("Décochez celles à laisser de côté ; une question reçoit %(max)d fichiers au plus, "
                              "fichiers ajoutés ci-dessous compris.", max=limit)
    elif len(files) > limit:
        field.description = _(
            "Ce courriel a %(count)d pièces jointes acceptées, un message en reçoit %(max)d au plus : décochez "
            "celles à laisser de côté, elles ne seront pas jointes à la question.", count=len(files), max=limit)
    else:
        field.description = _("Décochez celles à laisser de côté ; un message reçoit %(max)d fichiers au plus.",
                              max=limit)


def ensure_file_count(chosen: int, *, new_question: bool) -> None:
    """Refuse more files than a new question (the email's and those added to the form) or a message takes
    (ValidationError saying how many to untick)."""
    limit = current_app.config["ATTACHMENT_MAX_FILES"]
    if chosen <= limit:
        return
    if new_question:
        raise ValidationError(_("Vous avez choisi %(chosen)d fichiers, pièces jointes du courriel et fichiers ajoutés "
                                "compris : une question en reçoit %(max)d au plus. Décochez-en %(extra)d.",
                                chosen=chosen, max=limit, extra=chosen - limit))
    raise ValidationError(_("Vous avez choisi %(chosen)d pièces jointes : un message en reçoit %(max)d au plus. "
                            "Décochez-en %(extra)d.", chosen=chosen, max=limit, extra=chosen - limit))


class PreferencesForm(Form):
    """How a user wants to be told about their questions."""

    notify_mode = RadioField(_l("Fréquence des courriels"), choices=select_choices(NOTIFY_MODES.items()))
    notify_optional = BooleanField(_l("Recevoir aussi les courriels secondaires (questions clôturées, nouvelles questions "
                                      "de la file commune)"))
    submit = SubmitField(_l("Enregistrer"))


class AttachForm(Form):
    """The question a kept email belongs to."""

    reference = StringField(_l("Référence de la question"), validators=[
        DataRequired(_l("Indiquez la référence de la question, par exemple Q-2026-00042.")),
        AtMost(20)],
        description=_l("Par exemple Q-2026-00042."))
    mail_files = mail_files_field()
    submit = SubmitField(_l("Rattacher"))

    def validate_mail_files(self, field):
        """Refuse more ticked files than a message takes."""
        ensure_file_count(len(field.data or ()), new_question=False)


class ActionForm(Form):
    """A button (discard, retry), for its CSRF token."""
