"""Statistics pages: dashboard, annual report, their SVG charts and CSV exports (jurists and admins)."""
from datetime import date

from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import select

from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.models import Theme, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import staff_required
from helpdesk.stats import bp, queries, services
from helpdesk.stats.charts import Chart, format_number
from helpdesk.stats.forms import StatsFilterForm
from helpdesk.translation import gettext as _
from helpdesk.views import invalid_filters_refusal

FIRST_REPORT_YEAR = 2000
# A chart is an image: nothing in it may run, load or style anything beyond its own markup.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


bp.add_app_template_filter(format_number, "nombre")


@bp.app_template_filter("periode")
def periode(period: queries.Period) -> str:
    """'de janvier 2025 à décembre 2025' ('from January 2025 to December 2025'), in the page's language."""
    def month(value: queries.Month) -> str:
        """'janvier 2025'."""
        return format_date(date(value.year, value.month, 1), "LLLL yyyy")
    return _("de %(first)s à %(last)s", first=month(period.first), last=month(period.last))


def _filter_form() -> StatsFilterForm:
    """The filter form read from the query string, validated."""
    themes = db.session.scalars(select(Theme).order_by(french_order(Theme.name))).all()
    jurists = db.session.scalars(
        select(User).where(User.role.in_(("jurist", "admin"))).order_by(french_order(User.name))).all()
    form = StatsFilterForm(request.args, themes, jurists, utcnow().astimezone(queries.PARIS).date())
    form.validate()
    return form


def _svg(chart: Chart | None) -> Response:
    """Serve a chart as an SVG image (404 for an unknown chart); like every page of a logged-in user, it is never
    stored by the browser (see security_headers)."""
    if chart is None:
        abort(404)
    response = Response(chart.svg(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


def _csv(lines, filename: str) -> Response:
    """Stream CSV lines as a download."""
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _this_year() -> int:
    """The current year in Paris."""
    return utcnow().astimezone(queries.PARIS).year


def _report_year(year: int) -> int:
    """The year if a report can exist for it (404 otherwise)."""
    if not FIRST_REPORT_YEAR <= year <= _this_year():
        abort(404)
    return year


@bp.route("/")
@staff_required
def dashboard():
    """The activity dashboard over a period, with filters."""
    form = _filter_form()
    period, filters = form.selection()
    data = services.dashboard(period, filters, utcnow())
    this_year = _this_year()
    first_year = queries.first_activity_year() or this_year
    return render_template("stats/dashboard.html", form=form, data=data, args=form.query_args(),
                           report_years=range(this_year, first_year - 1, -1))


@bp.route("/graphiques/<name>.svg")
@staff_required
def dashboard_chart(name):
    """One dashboard chart as SVG, for the period and filters in the query string."""
    period, filters = _filter_form().selection()
    return _svg(services.dashboard_chart(name, period, filters, utcnow()))


@bp.route("/export/questions.csv")
@staff_required
def export_questions():
    """CSV of the questions of the period and filters (personal data for admins only); refused while a filter is not
    valid."""
    form = _filter_form()
    refusal = invalid_filters_refusal(form, "stats.dashboard")
    if refusal is not None:
        return refusal
    period, filters = form.selection()
    lines = services.export_questions(current_user, period, filters)
    return _csv(lines, f"questions-{period.first.year}-{period.first.month:02d}-{period.last.year}-"
                       f"{period.last.month:02d}.csv")


@bp.route("/rapport/")
@staff_required
def report_index():
    """The report of the last complete year."""
    return redirect(url_for("stats.report", year=_this_year() - 1))


@bp.route("/rapport/<int:year>")
@staff_required
def report(year):
    """The printable annual activity report, compared with the previous year."""
    data = services.annual_report(_report_year(year), utcnow())
    return render_template("stats/report.html", report=data, generated_at=utcnow(),
                           has_previous=year - 1 >= FIRST_REPORT_YEAR, has_next=year + 1 <= _this_year())


@bp.route("/rapport/<int:year>/graphiques/<name>.svg")
@staff_required
def report_chart(year, name):
    """One chart of the annual report as SVG."""
    return _svg(services.report_chart(name, _report_year(year), utcnow()))


@bp.route("/rapport/<int:year>.csv")
@staff_required
def report_csv(year):
    """The annual report's figures as CSV."""
    data = services.annual_report(_report_year(year), utcnow())
    return _csv(services.export_report(current_user, data), f"rapport-activite-{year}.csv")
