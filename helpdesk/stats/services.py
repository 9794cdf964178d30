"""Statistics pages assembled from the queries: dashboard charts, annual report, CSV exports."""
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import aliased

from helpdesk.collation import french_key
from helpdesk.csv_export import EXPORT_BATCH, csv_lines
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import CHANNELS, PRIORITIES, REGIONS, STATUSES, STRUCTURE_TYPES, Structure, Theme, Ticket, User
from helpdesk.permissions import can_export_personal_data, ensure_can_read_statistics
from helpdesk.stats import queries
from helpdesk.stats.charts import Chart, format_number
from helpdesk.stats.queries import PARIS, Filters, Period
from helpdesk.translation import gettext as _, lazy_gettext as _l

FIRST_MEDIAN, FIRST_P90 = _l("Médiane 1re réponse"), _l("90e centile 1re réponse")
RESOLUTION_MEDIAN, RESOLUTION_P90 = _l("Médiane résolution"), _l("90e centile résolution")


def _short_months(rows) -> list[str]:
    """Axis labels 'janv. 25' for rows keyed by month ('2025-01')."""
    return [queries.Month(int(row.key[:4]), int(row.key[5:])).short_label for row in rows]


def _count_chart(name: str, title: str, kind: str, axis: str, counts: list,
                 series: str = _l("Questions"), monthly: bool = False) -> Chart:
    """A one-series chart of counts (rows with a key, a label and a count)."""
    return Chart(name, title, kind, [count.label for count in counts], [(series, [count.count for count in counts])],
                 "questions", axis, _short_months(counts) if monthly else None)


def _times_chart(name: str, title: str, kind: str, axis: str, rows: list[queries.ResponseTimes],
                monthly: bool = False) -> Chart:
    """Median and 90th percentile of both durations, in hours, one group per label."""
    series = [
        (FIRST_MEDIAN, [row.first_response.median for row in rows]),
        (FIRST_P90, [row.first_response.p90 for row in rows]),
        (RESOLUTION_MEDIAN, [row.resolution.median for row in rows]),
        (RESOLUTION_P90, [row.resolution.p90 for row in rows]),
    ]
    return Chart(name, title, kind, [row.label for row in rows], series, "h", axis,
                 _short_months(rows) if monthly else None)


class DashboardFigures:
    """The dashboard's query results for a period and filters, each computed once, when first needed."""

    def __init__(self, period: Period, filters: Filters, now: datetime):
        """Nothing is queried yet."""
        self.period, self.filters, self.now = period, filters, now

    @cached_property
    def months(self) -> list[queries.MonthFigures]:
        """Questions, response times and deadlines of each month."""
        return queries.monthly_figures(self.period, self.filters, self.now)

    @cached_property
    def counts(self) -> dict[str, list[queries.Count]]:
        """Questions by theme, region and structure type."""
        return queries.questions_by(self.period, self.filters)

    @cached_property
    def satisfaction(self) -> queries.SatisfactionFigures:
        """Members' ratings."""
        return queries.satisfaction(self.period, self.filters)


def _satisfaction_chart(figures: DashboardFigures) -> Chart:
    """How many answers members rated 1 to 5."""
    return Chart("satisfaction", _("Satisfaction des membres (note de 1 à 5)"), "bar", [f"{rating} / 5" for rating in range(1, 6)],
                 [(_("Réponses notées"), list(figures.satisfaction.by_rating))], "questions", _("Note"))


DASHBOARD_CHARTS: dict[str, Callable[[DashboardFigures], Chart]] = {
    "questions-par-mois": lambda figures: _count_chart(
        "questions-par-mois", _("Questions posées par mois"), "bar", _("Mois"), figures.months, monthly=True),
    "par-theme": lambda figures: _count_chart(
        "par-theme", _("Questions par thème"), "hbar", _("Thème"), figures.counts["theme"]),
    "par-region": lambda figures: _count_chart(
        "par-region", _("Questions par région"), "hbar", _("Région"), figures.counts["region"]),
    "par-type": lambda figures: _count_chart(
        "par-type", _("Questions par type de structure"), "hbar", _("Type de structure"), figures.counts["structure_type"]),
    "delais-par-mois": lambda figures: _times_chart(
        "delais-par-mois", _("Délais de réponse par mois de dépôt (heures)"), "line", _("Mois"),
        [month.times for month in figures.months], monthly=True),
    "delais-par-theme": lambda figures: _times_chart(
        "delais-par-theme", _("Délais de réponse par thème (heures)"), "hbar", _("Thème"),
        queries.response_times_by_theme(figures.period, figures.filters)),
    "stock": lambda figures: _count_chart(
        "stock", _("Questions non résolues en fin de mois"), "line", _("Fin du mois"),
        queries.backlog_by_month(figures.months, figures.filters), _("Questions en stock"), monthly=True),
    "anciennete": lambda figures: _count_chart(
        "anciennete", _("Questions sans réponse aujourd'hui, par ancienneté"), "bar", _("Ancienneté"),
        queries.open_by_age(figures.filters, figures.now), _("Questions sans réponse")),
    "satisfaction": _satisfaction_chart,
}


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows for a period and filters."""

    period: Period
    total: int
    charts: dict[str, Chart]
    deadlines: queries.DeadlineCompliance
    first_response_deadlines: queries.DeadlineCompliance
    satisfaction: queries.SatisfactionFigures
    most_read: list[queries.ArticleCount]
    failed_searches: list[queries.FailedSearch]
    deflection: queries.Deflection


def dashboard(period: Period, filters: Filters, now: datetime) -> Dashboard:
    """Compute every chart and table of the dashboard."""
    figures = DashboardFigures(period, filters, now)
    charts = {name: build(figures) for name, build in DASHBOARD_CHARTS.items()}
    return Dashboard(period, sum(month.count for month in figures.months), charts,
                     queries.deadline_compliance(figures.months), queries.first_response_compliance(figures.months),
                     figures.satisfaction, queries.most_read_articles(period), queries.failed_searches(period),
                     queries.deflection(period, now))


def dashboard_chart(name: str, period: Period, filters: Filters, now: datetime) -> Chart | None:
    """One chart of the dashboard (only its own queries run), None for an unknown name."""
    build = DASHBOARD_CHARTS.get(name)
    return build(DashboardFigures(period, filters, now)) if build else None


# ---------------------------------------------------------------- annual report

def percent_change(value: float | None, previous: float | None) -> float | None:
    """Change from `previous` to `value` in percent; None when it has no meaning (no previous value)."""
    if value is None or not previous:
        return None
    return 100.0 * (value - previous) / previous


@dataclass(frozen=True)
class KeyFigure:
    """One line of the annual report: this year's value, last year's, and the change."""

    label: str
    value: float | int | None
    previous: float | int | None
    unit: str = ""

    @property
    def change(self) -> float | None:
        """Change in percent (in points for shares)."""
        if self.unit == "%":
            return None if self.value is None or self.previous is None else self.value - self.previous
        return percent_change(self.value, self.previous)

    @property
    def change_label(self) -> str:
        """'+12,5 %', '−3,0 pts' or '—' ('+12.5%', '−3.0 pts' in English)."""
        change = self.change
        if change is None:
            return "—"
        signed = ("+" if change > 0 else ("−" if change < 0 else "")) + format_number(abs(change))
        return _("%(change)s pts", change=signed) if self.unit == "%" else _("%(change)s %%", change=signed)


@dataclass(frozen=True)
class Comparison:
    """A count by group for the year and the previous year."""

    label: str
    value: int
    previous: int

    @property
    def change(self) -> float | None:
        """Change in percent."""
        return percent_change(self.value, self.previous)

    @property
    def change_label(self) -> str:
        """Same rendering as a key figure."""
        return KeyFigure(self.label, self.value, self.previous).change_label


@dataclass(frozen=True)
class AnnualReport:
    """The year's figures next to the previous year's."""

    year: int
    key_figures: list[KeyFigure]
    themes: list[Comparison]
    regions: list[Comparison]
    charts: dict[str, Chart]


class ReportFigures:
    """The query results of a year's report and of the year before, each computed once, when first needed."""

    def __init__(self, year: int, now: datetime):
        """Nothing is queried yet."""
        self.year, self.now = year, now

    @cached_property
    def months(self) -> tuple[list[queries.MonthFigures], list[queries.MonthFigures]]:
        """The months of the year, and of the year before (no response times: the report shows this year's)."""
        return (queries.monthly_figures(Period.year(self.year), Filters(), self.now),
                queries.monthly_figures(Period.year(self.year - 1), Filters(), self.now, times=False))

    @cached_property
    def counts(self) -> tuple[dict[str, list[queries.Count]], dict[str, list[queries.Count]]]:
        """Questions by theme and region in the year and in the year before."""
        return (queries.questions_by(Period.year(self.year), Filters()),
                queries.questions_by(Period.year(self.year - 1), Filters()))


COMPARED = {"themes": ("theme", _l("Questions par thème")), "regions": ("region", _l("Questions par région"))}


def _comparisons(name: str, figures: ReportFigures) -> list[Comparison]:
    """Counts of the year and the year before by theme or region, largest this year first."""
    dimension = COMPARED[name][0]
    current, previous = (counts[dimension] for counts in figures.counts)
    before = {count.key: count.count for count in previous}
    labels = {count.key: count.label for count in (*previous, *current)}
    now = {count.key: count.count for count in current}
    rows = [Comparison(labels[key], now.get(key, 0), before.get(key, 0)) for key in labels]
    return sorted(rows, key=lambda row: (-row.value, -row.previous, french_key(str(row.label))))


def _comparison_chart(name: str, figures: ReportFigures) -> Chart:
    """Both years side by side, one pair of bars per theme or region."""
    year, rows = figures.year, _comparisons(name, figures)
    return Chart(name, _("%(title)s, %(year)d et %(previous)d", title=COMPARED[name][1], year=year, previous=year - 1), "hbar", [row.label for row in rows],
                 [(str(year), [row.value for row in rows]), (str(year - 1), [row.previous for row in rows])],
                 "questions", _("Thème") if name == "themes" else _("Région"))


def _months_chart(figures: ReportFigures) -> Chart:
    """Questions received each month of the year and of the year before."""
    year, (months, months_before) = figures.year, figures.months
    return Chart("mois", _("Questions reçues par mois, %(year)d et %(previous)d", year=year, previous=year - 1), "bar",
                 [format_date(date(year, month, 1), "LLLL") for month in range(1, 13)],
                 [(str(year), [month.count for month in months]),
                  (str(year - 1), [month.count for month in months_before])], "questions", _("Mois"))


def _year_times_chart(figures: ReportFigures) -> Chart:
    """Response times by month of filing during the year."""
    return _times_chart("delais", _("Délais de réponse par mois de dépôt en %(year)d (heures)", year=figures.year), "line", _("Mois"),
                        [month.times for month in figures.months[0]], monthly=True)


REPORT_CHARTS: dict[str, Callable[[ReportFigures], Chart]] = {
    "mois": _months_chart,
    "themes": lambda figures: _comparison_chart("themes", figures),
    "regions": lambda figures: _comparison_chart("regions", figures),
    "delais": _year_times_chart,
}


def _key_figures(current: queries.YearFigures, previous: queries.YearFigures, figures: ReportFigures) -> list[KeyFigure]:
    """The lines of the key-figures table."""
    times, times_before = current.response_times, previous.response_times
    key_figures = [
        KeyFigure(_("Questions reçues"), current.received, previous.received),
        KeyFigure(_("Questions ayant reçu une première réponse dans l'année"), current.answered, previous.answered),
        KeyFigure(_("Structures adhérentes ayant posé au moins une question"), current.structures_served,
                  previous.structures_served),
        KeyFigure(_("Part des structures adhérentes servies"), current.share_served, previous.share_served, "%"),
        KeyFigure(_("Délai médian de première réponse"), times.first_response.median,
                  times_before.first_response.median, "h"),
        KeyFigure(_("Délai de première réponse, 90e centile"), times.first_response.p90,
                  times_before.first_response.p90, "h"),
        KeyFigure(_("Délai médian de résolution"), times.resolution.median, times_before.resolution.median, "h"),
        KeyFigure(_("Délai de résolution, 90e centile"), times.resolution.p90, times_before.resolution.p90, "h"),
    ]
    first_response = [queries.first_response_compliance(months) for months in figures.months]
    if first_response[0].with_deadline or first_response[1].with_deadline:
        key_figures.append(KeyFigure(_("Premières réponses dans le délai"), first_response[0].share_on_time,
                                     first_response[1].share_on_time, "%"))
    resolution = [queries.deadline_compliance(months) for months in figures.months]
    if resolution[0].with_deadline or resolution[1].with_deadline:
        key_figures.append(KeyFigure(_("Questions résolues dans le délai"), resolution[0].share_on_time,
                                     resolution[1].share_on_time, "%"))
    ratings = [queries.satisfaction(Period.year(year), Filters()) for year in (current.year, previous.year)]
    if ratings[0].count or ratings[1].count:
        key_figures += [KeyFigure(_("Réponses notées par les membres"), ratings[0].count, ratings[1].count),
                        KeyFigure(_("Satisfaction moyenne (sur 5)"), ratings[0].average, ratings[1].average)]
    key_figures += [
        KeyFigure(_("Ressources publiées"), current.articles_published, previous.articles_published),
        KeyFigure(_("Consultations de ressources"), current.article_reads, previous.article_reads),
    ]
    return key_figures


def annual_report(year: int, now: datetime) -> AnnualReport:
    """Key figures, themes, regions and monthly activity of `year` compared with the year before."""
    figures = ReportFigures(year, now)
    key_figures = _key_figures(queries.year_figures(year), queries.year_figures(year - 1), figures)
    charts = {name: build(figures) for name, build in REPORT_CHARTS.items()}
    return AnnualReport(year, key_figures, _comparisons("themes", figures), _comparisons("regions", figures), charts)


def report_chart(name: str, year: int, now: datetime) -> Chart | None:
    """One chart of the annual report (only its own queries run), None for an unknown name."""
    build = REPORT_CHARTS.get(name)
    return build(ReportFigures(year, now)) if build else None


# ---------------------------------------------------------------- CSV exports

def _change_cells(change: float | None, in_points: bool) -> list:
    """A change as a signed number, in the percent column or, for a share, in the points column."""
    # A number, not the page's '+12,5 %': a spreadsheet can compute with it, and text starting with '+' would
    # need the anti-formula apostrophe.
    return [None, change] if in_points else [change, None]


def report_rows(report: AnnualReport) -> Iterator[list]:
    """The annual report's figures as CSV rows."""
    yield [_("Rubrique"), _("Indicateur"), str(report.year), str(report.year - 1), _("Évolution (%)"),
           _("Évolution (points de %)")]
    for figure in report.key_figures:
        label = f"{figure.label} ({figure.unit})" if figure.unit else figure.label
        yield [_("Chiffres clés"), label, figure.value, figure.previous,
               *_change_cells(figure.change, figure.unit == "%")]
    for section, rows in ((_("Thème"), report.themes), (_("Région"), report.regions)):
        for row in rows:
            yield [section, row.label, row.value, row.previous, *_change_cells(row.change, False)]


def export_report(user: User, report: AnnualReport) -> Iterator[str]:
    """Record the export of the annual figures and return its CSV lines."""
    ensure_can_read_statistics(user)
    record_event("stats_export", user, export="rapport", year=report.year)
    db.session.commit()
    return csv_lines(report_rows(report))


QUESTION_COLUMNS = [_l("Référence"), _l("Posée le"), _l("Objet"), _l("Thème"), _l("Statut"), _l("Urgence"), _l("Canal"), _l("Structure"),
                    _l("Type de structure"), _l("Région"), _l("Juriste"), _l("Première réponse le"), _l("Résolue le"), _l("Clôturée le"),
                    _l("Échéance"), _l("Délai de première réponse (h)"), _l("Délai de résolution (h)")]
PERSONAL_COLUMNS = [_l("Auteur"), _l("Courriel de l'auteur"), "SIRET"]


def _question_rows(personal: bool, period: Period, filters: Filters) -> Iterator[list]:
    """The questions of the period, streamed from the database in batches, without messages or notes."""
    author, assignee = aliased(User), aliased(User)
    columns = [Ticket.reference, Ticket.created_at, Ticket.subject, Theme.name, Ticket.status, Ticket.priority,
               Ticket.channel, Structure.name, Structure.type, Structure.region, assignee.name,
               Ticket.first_response_at, Ticket.resolved_at, Ticket.closed_at, Ticket.due_at,
               queries.hours_between(Ticket.created_at, Ticket.first_response_at),
               queries.hours_between(Ticket.created_at, Ticket.resolved_at)]
    if personal:
        columns += [author.name, author.email, Structure.siret]
    stmt = (select(*columns).select_from(Ticket).join(Structure, Structure.id == Ticket.structure_id)
            .join(author, author.id == Ticket.author_id).outerjoin(assignee, assignee.id == Ticket.assignee_id)
            .outerjoin(Theme, Theme.id == Ticket.theme_id)
            .where(queries.in_period(Ticket.created_at, period), *queries.ticket_conditions(filters))
            .order_by(Ticket.created_at, Ticket.id).execution_options(yield_per=EXPORT_BATCH))
    yield QUESTION_COLUMNS + (PERSONAL_COLUMNS if personal else [])
    # Labels translated once per export, not once per cell.
    statuses, priorities, channels, structure_types, regions = (
        {code: str(label) for code, label in labels.items()}
        for labels in (STATUSES, PRIORITIES, CHANNELS, STRUCTURE_TYPES, REGIONS))
    # Plain rows from the connection: the ORM's per-row processing is not needed for a list of columns.
    for row in db.session.connection().execute(stmt):
        values = list(row)
        values[4], values[5], values[6] = statuses[values[4]], priorities[values[5]], channels[values[6]]
        values[8], values[9] = structure_types.get(values[8], values[8]), regions.get(values[9], values[9])
        yield values


def export_questions(user: User, period: Period, filters: Filters) -> Iterator[str]:
    """Record the export (who, period, filters, whether personal data is included) and return its CSV lines;
    author names, emails and SIRET numbers are for admins only."""
    ensure_can_read_statistics(user)
    personal = can_export_personal_data(user)
    record_event("stats_export", user, export="questions", first=period.first.label, last=period.last.label,
                 filters=filters.as_dict(), personal_data=personal)
    db.session.commit()
    return csv_lines(_question_rows(personal, period, filters))
