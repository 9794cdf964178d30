"""Forms of the flash info area."""
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.flash.services import Audience
from helpdesk.kb.services import BODY_MAX, TITLE_MAX
from helpdesk.main.forms import Form
from helpdesk.models import REGIONS, STRUCTURE_TYPES


class BulletinForm(Form):
    """Write a bulletin: text, themes and audience."""

    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."), Length(max=TITLE_MAX)])
    summary = TextAreaField("Chapeau", validators=[Length(max=2000)], description="Deux ou trois phrases, reprises dans le courriel.")
    body = TextAreaField("Texte (Markdown)", validators=[DataRequired("Le texte est vide."), Length(max=BODY_MAX)])
    themes = SelectMultipleField("Thèmes", validators=[DataRequired("Choisissez au moins un thème.")],
                                 description="Les membres abonnés à l'un de ces thèmes reçoivent le courriel.")
    audience = RadioField("Public", choices=[("all", "Tous les membres"), ("targeted", "Certains membres")],
                          default="all")
    structure_types = SelectMultipleField("Types de structure (public ciblé)", choices=list(STRUCTURE_TYPES.items()))
    regions = SelectMultipleField("Régions (public ciblé)", choices=list(REGIONS.items()),
                                  description="Types et régions se combinent : une ETTI de Bretagne, par exemple.")

    def to_data(self) -> dict:
        """The article values for the knowledge-base service."""
        return {"title": self.title.data, "summary": self.summary.data or "", "body": self.body.data,
                "themes": self.themes.data or []}

    def to_audience(self) -> Audience:
        """The chosen audience."""
        return Audience(all_members=self.audience.data != "targeted",
                        structure_types=self.structure_types.data or [], regions=self.regions.data or [])


class SubscriptionsForm(Form):
    """The themes whose bulletins a member receives by email."""

    themes = SelectMultipleField("Thèmes", coerce=int)


class ActionForm(Form):
    """A button (the CSRF token is the only field)."""
