"""Forms of the email area."""
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired

from helpdesk.main.forms import AtMost, Form, select_choices
from helpdesk.models import NOTIFY_MODES
from helpdesk.translation import lazy_gettext as _l


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
    submit = SubmitField(_l("Rattacher"))


class ActionForm(Form):
    """A button (discard, retry), for its CSRF token."""
