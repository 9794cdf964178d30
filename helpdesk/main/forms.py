"""The form base class shared by every area."""
from functools import lru_cache

from flask import request
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (DateField, DateTimeField, FileField, HiddenField, MonthField, SelectField, SelectMultipleField,
                     StringField, widgets)
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.i18n import get_translations
from wtforms.validators import InputRequired, Length, ValidationError

from helpdesk.i18n import PARIS, too_long, too_short
from helpdesk.plain_text import without_hidden_characters
from helpdesk.translation import current_locale, gettext as _, lazy_gettext as _l

# The years a date field may name (periods of the journal and statistics, resources, webinars): the help desk holds
# nothing older, a typo like 2999 would be shown as is, and the periods' arithmetic (the day or month after the end,
# Paris midnight in UTC) overflows at the ends of the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2099

class AtMost(Length):
    """A text's length limit, refused with « 20 000 caractères au maximum (votre texte en compte 21 350). »: the
    numbers written the reader's way (WTForms' own %-formatting writes them bare), and the length of what was sent,
    so that the writer knows how much to cut."""

    def __init__(self, maximum: int):
        """The limit, `maximum` characters."""
        super().__init__(max=maximum)

    def __call__(self, form, field):
        """Refuse a text longer than the limit, saying both lengths."""
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(too_long(length, self.max))


class AtLeast(Length):
    """A text's minimum length, refused as AtMost refuses a text too long: « 20 caractères au minimum (votre texte en
    compte 12). »"""

    def __init__(self, minimum: int):
        """The minimum, `minimum` characters."""
        super().__init__(min=minimum)

    def __call__(self, form, field):
        """Refuse a text shorter than the minimum, saying both lengths."""
        length = len(field.data or "")
        if length < self.min:
            raise ValidationError(too_short(length, self.min))


def _without_hidden_characters(value):
    """Drop control and hidden characters from submitted text (see without_hidden_characters)."""
    return without_hidden_characters(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages (invalid choice, bad number...) are in the user's language, whose
    text never carries control or hidden characters (NUL...), whose refused fields say one thing each, and whose
    `obj` only fills the first display: a submitted form holds what was posted, a field missing from the post is
    empty (never the object's value, which may have another shape)."""

    def __init__(self, *args, obj=None, **kwargs):
        """Build the form from what the request posts (when it submits the form and no values are given), ignoring
        `obj` then."""
        submitted = self.is_submitted()
        if not args and "formdata" not in kwargs:
            kwargs["formdata"] = self._posted_values() if submitted else None
        super().__init__(*args, obj=None if submitted else obj, **kwargs)

    def _posted_values(self):
        """The posted fields, and files under the names of file fields only. Flask-WTF would also read a JSON body,
        or a file posted under a text field's name, as values no text field expects (a number, an uploaded file),
        a server error; ignored, the field says it is missing."""
        file_fields = {name for name, unbound in self._unbound_fields if issubclass(unbound.field_class, FileField)}
        files = MultiDict([(name, upload) for name, upload in request.files.items(multi=True) if name in file_fields])
        return CombinedMultiDict((files, request.form)) if files else request.form

    def validate(self, extra_validators=None) -> bool:
        """Validate; a refused field keeps one message, the first problem found (a value that cannot be read or is
        not among the choices, else the first failing check): WTForms runs the checks that follow anyway, so a field
        read « N'est pas une valeur décimale valide. Entre 0,25 et 2000 heures. »"""
        valid = super().validate(extra_validators)
        for field in self:
            if len(field.errors) > 1:
                field.errors = field.errors[:1]
        return valid

    class Meta:
        def bind_field(self, form, unbound_field, options):
            """Add the hidden character filter to every field, to every choice field invalid-choice messages
            naming it, and to every date, month or date-time field a refusal telling the format it reads."""
            options["filters"] = (*unbound_field.kwargs.get("filters", ()), _without_hidden_characters)
            if issubclass(unbound_field.field_class, SelectFieldBase):
                for key, message in _invalid_choice_messages(unbound_field, options["name"]).items():
                    if unbound_field.kwargs.get(key) is None:
                        options[key] = message
            if (issubclass(unbound_field.field_class, DateTimeField)
                    and unbound_field.kwargs.get("invalid_value_message") is None):
                options["invalid_value_message"] = _invalid_date_message(unbound_field.field_class)
            return unbound_field.bind(form=form, **options)

        def render_field(self, field, render_kw):
            """Render a field; a text box or area without the maxlength its length validator would give it: a browser
            cuts a longer pasted text there without a word, while the refused form keeps it whole and says the
            limit."""
            if isinstance(field, StringField):
                render_kw = {"maxlength": False, **render_kw}
            return super().render_field(field, render_kw)

        def get_translations(self, form):
            """WTForms' own catalogue for the current locale (French by default)."""
            return _wtforms_catalogue(str(current_locale() or "fr"))


class FilterForm(Form):
    """A GET form filtering a list (no CSRF token: it changes nothing): a value that is not valid is ignored, its error
    says so, and it is never shown back in the field (nothing a visitor was made to open comes back as a filter)."""

    class Meta:
        csrf = False

    def validate(self, extra_validators=None) -> bool:
        """Validate, then empty the fields whose value was refused."""
        valid = super().validate(extra_validators)
        for field in self:
            if field.errors:
                field.raw_data, field.data = [], None
        return valid

    def query_args(self) -> dict:
        """The valid submitted values, to carry the selection into other addresses (exports, charts)."""
        return {name: field.raw_data[0] for name, field in self._fields.items()
                if field.raw_data and field.raw_data[0] and not field.errors}


# The fields shown as a group of buttons in a fieldset (no element of their own: their first button stands for them).
CHOICE_GROUPS = ("RadioField", "MultiCheckboxField")


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as a list of check boxes (templates put them in a fieldset whose legend is the label): a
    multiple select needs Ctrl or Cmd to choose several and hides the chosen values once scrolled past."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _invalid_choice_messages(unbound_field, name: str) -> dict[str, str]:
    """The messages of a select, radio or multiple-select field refusing a value not among its choices, naming the
    field (WTForms' own say only « Not a valid choice », whichever field it is)."""
    label = unbound_field.kwargs.get("label") or (unbound_field.args[0] if unbound_field.args else None)
    label = str(label or name.replace("_", " ").capitalize())
    if issubclass(unbound_field.field_class, SelectMultipleField):
        message = _("Choisissez des valeurs parmi celles proposées pour « %(field)s ».", field=label)
        # WTForms formats the invalid-choice message with « % » (the refused values): a « % » of the label is doubled.
        return {"invalid_value_message": message, "invalid_choice_message": message.replace("%", "%%")}
    message = _("Choisissez l'une des valeurs proposées pour « %(field)s ».", field=label)
    return {"invalid_value_message": message, "invalid_choice_message": message}


def _invalid_date_message(field_class) -> LazyString:
    """The refusal of a value a date, month or date-time field cannot read (WTForms' own, « N'est pas une date
    valide. », does not say what it expects; browsers without a date picker let anything be typed)."""
    if issubclass(field_class, MonthField):
        return _l("Indiquez un mois existant, au format AAAA-MM (par exemple 2026-03).")
    if issubclass(field_class, DateField):
        return _l("Indiquez une date existante, au format AAAA-MM-JJ (par exemple 2026-03-31).")
    return _l("Indiquez une date existante et une heure, au format AAAA-MM-JJ HH:MM (par exemple 2026-03-31 14:30).")


def select_choices(pairs) -> list[SelectChoice]:
    """The choices of a select, radio or multiple-select field from (value, label) pairs (WTForms 3.3 deprecates
    plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def within_years(form, field) -> None:
    """A date, date-time or month field's validator: its year lies between FIRST_YEAR and LAST_YEAR."""
    if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_("Indiquez une date entre %(first)d et %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def existing_paris_time(form, field) -> None:
    """A local date-time field's validator: the wall time exists once in Paris (not skipped or repeated by a
    daylight-saving change), so reading it as Paris time is not a guess."""
    if not field.data:
        return
    earlier, later = field.data.replace(tzinfo=PARIS), field.data.replace(tzinfo=PARIS, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return
    if earlier.utcoffset() < later.utcoffset():  # the wall time is skipped when the clocks go forward
        raise ValidationError(_("Cette heure n'existe pas à Paris ce jour-là (passage à l'heure d'été). "
                                "Choisissez une autre heure."))
    raise ValidationError(_("Cette heure existe deux fois à Paris ce jour-là (passage à l'heure d'hiver). "
                            "Choisissez une autre heure."))


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    """WTForms' catalogue of a locale, looked up on disk once per process (every form asks for it)."""
    return get_translations((locale,))


class LanguageForm(Form):
    """The header's language switch."""

    locale = SelectField("Langue", validators=[InputRequired()])
    next = HiddenField()
