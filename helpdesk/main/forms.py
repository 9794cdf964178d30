"""The form base class shared by every area."""
from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (invalid choice, bad number...) are in French."""

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            """WTForms' own French catalogue: Flask-WTF would only translate through Flask-Babel."""
            return DefaultMeta.get_translations(self, form)
