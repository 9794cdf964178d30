"""The form base class shared by every area."""
from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


def _without_nul(value):
    """Drop NUL characters from submitted text: they have no meaning and PostgreSQL refuses them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (invalid choice, bad number...) are in French and whose
    text never carries NUL characters."""

    class Meta:
        locales = ("fr_FR", "fr")

        def bind_field(self, form, unbound_field, options):
            """Add the NUL filter to every field."""
            options["filters"] = (*unbound_field.kwargs.get("filters", ()), _without_nul)
            return unbound_field.bind(form=form, **options)

        def get_translations(self, form):
            """WTForms' own French catalogue: Flask-WTF would only translate through Flask-Babel."""
            return DefaultMeta.get_translations(self, form)
