"""The form base class shared by every area."""
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.i18n import get_translations
from wtforms.validators import InputRequired


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (invalid choice, bad number...) are in the user's language."""

    class Meta:
        def get_translations(self, form):
            """WTForms' own catalogue for the current locale (French by default)."""
            return get_translations((str(get_locale() or "fr"),))


class LanguageForm(Form):
    """The header's language switch."""

    locale = SelectField("Langue", validators=[InputRequired()])
    next = HiddenField()
