"""Forms of the webinars area."""
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from helpdesk.main.forms import AtMost, Form, MultiCheckboxField, existing_paris_time, within_years
from helpdesk.models.webinar import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN
from helpdesk.templating import PARIS
from helpdesk.translation import lazy_gettext as _l
from helpdesk.webinars.services import QUESTION_MAX, WebinarValues

URL_CHECK = Regexp(r"^https?://", message=_l("Une adresse commençant par http:// ou https:// est attendue."))


class WebinarForm(Form):
    """Programme a webinar or complete it after the session (slides, recording)."""

    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")), AtMost(300)])
    starts_at = DateTimeLocalField(_l("Date et heure (heure de Paris)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   validators=[InputRequired(_l("Indiquez la date et l'heure.")), within_years,
                                               existing_paris_time])
    # DataRequired, not InputRequired: a post without the field keeps the current duration (or the default).
    duration_minutes = IntegerField(
        _l("Durée (minutes)"), default=DURATION_DEFAULT,
        validators=[DataRequired(_l("Indiquez la durée en minutes.")),
                    NumberRange(DURATION_MIN, DURATION_MAX, _l("La durée va de %(min)s à %(max)s minutes."))])
    description = TextAreaField(_l("Description"), validators=[AtMost(20_000)])
    speakers = TextAreaField(_l("Intervenants"), validators=[AtMost(3000)], description=_l("Un nom par ligne."))
    themes = MultiCheckboxField(_l("Thèmes"), coerce=int)
    slides_url = StringField(_l("Diaporama (adresse web)"), validators=[Optional(), AtMost(500), URL_CHECK])
    recording_url = StringField(_l("Enregistrement (adresse web)"), validators=[Optional(), AtMost(500), URL_CHECK])
    join_url = StringField(_l("Lien de connexion"), validators=[Optional(), AtMost(500), URL_CHECK],
                           description=_l("Visible des seuls membres inscrits et des juristes, jusqu'à la fin du "
                                          "webinaire."))

    def to_values(self) -> WebinarValues:
        """The entered values, the local time read as Paris time."""
        return WebinarValues(
            title=self.title.data, starts_at=self.starts_at.data.replace(tzinfo=PARIS),
            description=self.description.data or "", speakers=tuple((self.speakers.data or "").splitlines()),
            slides_url=self.slides_url.data or "", recording_url=self.recording_url.data or "",
            theme_ids=tuple(self.themes.data or ()), duration_minutes=self.duration_minutes.data,
            join_url=self.join_url.data or "")


class QuestionAnswerForm(Form):
    """One question of the webinar's Q&A and its answer."""

    question = StringField(_l("Question posée"), validators=[DataRequired(_l("Indiquez la question.")), AtMost(300)])
    answer = TextAreaField(_l("Réponse (Markdown)"), validators=[DataRequired(_l("Indiquez la réponse.")), AtMost(20_000)])


class RegistrationForm(Form):
    """Register, cancel or withdraw a question sent ahead (the CSRF token is the only field)."""


class AdvanceQuestionForm(Form):
    """A question a registered member sends ahead of the webinar."""

    text = TextAreaField(_l("Votre question"), validators=[
        DataRequired(_l("Écrivez votre question.")),
        AtMost(QUESTION_MAX)],
                         description=_l("Seuls les juristes de la fédération la liront, pour préparer la séance."))
