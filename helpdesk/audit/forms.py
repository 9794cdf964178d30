"""The journal's filter form (GET, so no CSRF token)."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from helpdesk.audit.services import KIND_LABELS, JournalFilters
from helpdesk.collation import french_key
from helpdesk.main.forms import AtMost, FilterForm, select_choices, within_years
from helpdesk.translation import gettext as _, lazy_gettext as _l


class JournalFilterForm(FilterForm):
    """Filter the journal by kind, user and period."""

    kind = SelectField(_l("Type d'événement"), choices=select_choices(
        [("", _l("Tous"))] + sorted(KIND_LABELS.items(), key=lambda item: french_key(str(item[1])))),
                       default="")
    user = StringField(_l("Utilisateur (nom ou e-mail)"), validators=[Optional(), AtMost(120)])
    start = DateField(_l("Du"), validators=[Optional(), within_years])
    end = DateField(_l("Au"), validators=[Optional(), within_years])

    def validate_end(self, field) -> None:
        """A period ends on or after its first day (otherwise nothing could match, without saying why)."""
        if field.data and self.start.data and not self.start.errors and field.data < self.start.data:
            raise ValidationError(_("La date de fin doit suivre la date de début."))

    def filters(self) -> JournalFilters:
        """The valid filters (invalid ones are ignored and shown as errors)."""
        self.validate()
        return JournalFilters(kind=self.kind.data or None if not self.kind.errors else None,
                              user=(self.user.data or "").strip() or None if not self.user.errors else None,
                              start=self.start.data if not self.start.errors else None,
                              end=self.end.data if not self.end.errors else None)
