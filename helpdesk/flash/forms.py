"""Forms of the flash info area."""
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired

from helpdesk.flash.services import Audience
from helpdesk.kb.services import BODY_MAX, TITLE_MAX
from helpdesk.main.forms import AtMost, Form, MultiCheckboxField, select_choices
from helpdesk.models import REGIONS, STRUCTURE_TYPES
from helpdesk.translation import lazy_gettext as _l


class BulletinForm(Form):
    """Write a bulletin: text, themes and audience."""

    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")), AtMost(TITLE_MAX)])
    summary = TextAreaField(_l("Chapeau"), validators=[AtMost(2000)], description=_l("Deux ou trois phrases, reprises dans le courriel."))
    body = TextAreaField(_l("Texte (Markdown)"), validators=[DataRequired(_l("Le texte est vide.")), AtMost(BODY_MAX)])
    themes = MultiCheckboxField(_l("Thèmes"), validators=[DataRequired(_l("Choisissez au moins un thème."))],
                                description=_l("Les membres abonnés à l'un de ces thèmes reçoivent le courriel."))
    audience = RadioField(_l("Public"), choices=select_choices([("all", _l("Tous les membres")),
                                                                ("targeted", _l("Certains membres"))]),
                          default="all")
    structure_types = MultiCheckboxField(_l("Types de structure (public ciblé)"),
                                         choices=select_choices(STRUCTURE_TYPES.items()))
    regions = MultiCheckboxField(_l("Régions (public ciblé)"), choices=select_choices(REGIONS.items()),
                                 description=_l("Types et régions se combinent : une ETTI de Bretagne, par exemple."))

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

    themes = SelectMultipleField(_l("Thèmes"), coerce=int)


class ActionForm(Form):
    """A button (the CSRF token is the only field)."""
