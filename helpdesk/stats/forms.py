"""The statistics filter form (a GET form: it changes nothing)."""
from datetime import date

from wtforms import SelectField
from wtforms.fields import MonthField
from wtforms.validators import Optional

from helpdesk.main.forms import FilterForm, select_choices, within_years
from helpdesk.models import REGIONS, STRUCTURE_TYPES
from helpdesk.stats.queries import Filters, Month, Period
from helpdesk.translation import gettext as _, lazy_gettext as _l

MAX_MONTHS = 120


def _chosen(field: SelectField) -> str | None:
    """A filter's value, None for none: Optional() lets a value of spaces through without checking it against the
    choices, and it means no choice."""
    return (field.data or "").strip() or None


class StatsFilterForm(FilterForm):
    """Period (whole months) and filters of the dashboard and of the questions export."""

    du = MonthField(_l("Du mois"), validators=[Optional(), within_years], description=_l("AAAA-MM"))
    au = MonthField(_l("Au mois (inclus)"), validators=[Optional(), within_years], description=_l("AAAA-MM"))
    theme = SelectField(_l("Thème"), validators=[Optional()])
    region = SelectField(_l("Région"), choices=select_choices([("", _l("Toutes")), *REGIONS.items()]),
                         validators=[Optional()])
    type = SelectField(_l("Type de structure"), choices=select_choices([("", _l("Tous")), *STRUCTURE_TYPES.items()]),
                       validators=[Optional()])
    juriste = SelectField(_l("Juriste"), validators=[Optional()])

    def __init__(self, formdata, themes, jurists, today: date):
        """Fill the choices; the period defaults to the twelve months ending with the current one."""
        super().__init__(formdata=formdata)
        self.theme.choices = select_choices([("", _("Tous")), *((str(theme.id), theme.name) for theme in themes)])
        self.juriste.choices = select_choices([("", _("Tous")), *((str(user.id), user.name) for user in jurists)])
        self.default_period = Period.last_twelve_months(today)
        # A bound left empty shows the default month it stands for: the figures never cover a period the fields hide.
        for field, month in ((self.du, self.default_period.first), (self.au, self.default_period.last)):
            if not field.raw_data:
                field.data = date(month.year, month.month, 1)

    def validate(self, extra_validators=None) -> bool:
        """Also check that the period runs forward and spans at most ten years."""
        if not super().validate(extra_validators):
            return False
        period = self._period()
        if (period.last.year, period.last.month) < (period.first.year, period.first.month):
            self.au.errors.append(_("Le mois de fin doit suivre le mois de début."))
            return False
        if len(period.months()) > MAX_MONTHS:
            self.au.errors.append(_("La période couvre au plus dix ans (120 mois)."))
            return False
        return True

    def _period(self) -> Period:
        """The period entered, completed with the default bounds."""
        first = Month(self.du.data.year, self.du.data.month) if self.du.data else self.default_period.first
        last = Month(self.au.data.year, self.au.data.month) if self.au.data else self.default_period.last
        return Period(first, last)

    def selection(self) -> tuple[Period, Filters]:
        """The period and filters of a valid form, the defaults (last twelve months, no filter) otherwise."""
        if self.errors:
            return self.default_period, Filters()
        theme, assignee = _chosen(self.theme), _chosen(self.juriste)
        filters = Filters(
            theme_id=int(theme) if theme else None,
            region=_chosen(self.region),
            structure_type=_chosen(self.type),
            assignee_id=int(assignee) if assignee else None,
        )
        return self._period(), filters

    def query_args(self) -> dict:
        """The submitted values of a valid form (none otherwise: the defaults apply), to carry the selection into chart
        and export URLs."""
        return {} if self.errors else super().query_args()
