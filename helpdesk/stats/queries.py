"""Statistics queries: plain functions taking a period and filters, aggregating in SQL, returning small dataclasses.

Months are calendar months in Europe/Paris time. Their boundaries are computed
in Python (zoneinfo knows the clock changes) and sent to the database as UTC
timestamps, so a question filed at 00:30 on 1 March in Paris counts in March on
both backends. PostgreSQL reads the period's index range once and finds each
question's month with width_bucket() over the array of month starts; SQLite
joins a small derived table of the boundaries (one row per month, UNION ALL of
bound parameters) on `start <= created_at < end`.

Each grouping is one pass over the questions computing every figure of the
group at once (counts, deadline outcomes, both durations' percentiles).
Percentiles are continuous (linear interpolation between ranks, like
PostgreSQL's percentile_cont): PostgreSQL computes them with
percentile_cont(ARRAY[0.5, 0.9]) (one sort per duration); SQLite ranks the
values with row_number()/count() windows and picks the two ranks around the
percentile's position. Only one row per group leaves the database either way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from collections import Counter

from flask_babel import format_date
from sqlalchemy import Float, Integer, Interval, and_, case, cast, func, literal, not_, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.sql import ColumnElement

from helpdesk.collation import french_key, french_order
from helpdesk.extensions import db
from helpdesk.i18n import PARIS
from helpdesk.models import (
    REGIONS, STRUCTURE_TYPES, Article, ArticleRead, Satisfaction, SearchLog, Structure, SuggestionClick, Theme, Ticket,
)
from helpdesk.models._types import UTCDateTime
from helpdesk.translation import lazy_gettext as _l

UNRESOLVED_STATUSES = ("new", "open", "waiting")
NO_THEME = _l("Sans thème")
AGE_BUCKETS = ((_l("moins de 2 jours"), 2), (_l("2 à 7 jours"), 7), (_l("7 à 30 jours"), 30),
               (_l("plus de 30 jours"), None))
DEFLECTION_WINDOW_HOURS = 24


# ---------------------------------------------------------------- period and filters

def month_start(year: int, month: int) -> datetime:
    """Midnight on the first day of a month in Paris, as a UTC datetime."""
    return datetime(year, month, 1, tzinfo=PARIS).astimezone(timezone.utc)


def _next_month(year: int, month: int) -> tuple[int, int]:
    """The month after (year, month)."""
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Month:
    """A calendar month in Paris time, with its UTC boundaries [start, end)."""

    year: int
    month: int

    @property
    def start(self) -> datetime:
        """First instant of the month."""
        return month_start(self.year, self.month)

    @property
    def end(self) -> datetime:
        """First instant of the next month."""
        return month_start(*_next_month(self.year, self.month))

    @property
    def label(self) -> str:
        """'mars 2026' ('March 2026'), in the current language."""
        return format_date(date(self.year, self.month, 1), "LLLL yyyy")

    @property
    def short_label(self) -> str:
        """'mars 26' ('Mar 26'), for chart axes, in the current language."""
        return format_date(date(self.year, self.month, 1), "LLL yy")

    @property
    def key(self) -> str:
        """'2026-03'."""
        return f"{self.year}-{self.month:02d}"


@dataclass(frozen=True)
class Period:
    """Whole calendar months from `first` to `last` included (Paris time)."""

    first: Month
    last: Month

    @classmethod
    def year(cls, year: int) -> Period:
        """January to December of a year."""
        return cls(Month(year, 1), Month(year, 12))

    @classmethod
    def last_twelve_months(cls, today: date) -> Period:
        """The twelve months ending with the current one."""
        first_year, first_month = (today.year, today.month - 11) if today.month == 12 else (today.year - 1, today.month + 1)
        return cls(Month(first_year, first_month), Month(today.year, today.month))

    @property
    def start(self) -> datetime:
        """First instant of the period."""
        return self.first.start

    @property
    def end(self) -> datetime:
        """First instant after the period."""
        return self.last.end

    def months(self) -> list[Month]:
        """Every month of the period, in order."""
        months, current = [], (self.first.year, self.first.month)
        while current <= (self.last.year, self.last.month):
            months.append(Month(*current))
            current = _next_month(*current)
        return months


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on the questions counted."""

    theme_id: int | None = None
    region: str | None = None
    structure_type: str | None = None
    assignee_id: int | None = None

    def as_dict(self) -> dict:
        """The filters that are set (for audit events)."""
        return {key: value for key, value in self.__dict__.items() if value is not None}


def ticket_conditions(filters: Filters) -> list[ColumnElement]:
    """WHERE conditions on Ticket for the filters (structure filters as a semi-join); a duplicate merged
    into another question is not counted again."""
    conditions = [Ticket.merged_into_id.is_(None)]
    if filters.theme_id is not None:
        conditions.append(Ticket.theme_id == filters.theme_id)
    if filters.assignee_id is not None:
        conditions.append(Ticket.assignee_id == filters.assignee_id)
    structure_conditions = []
    if filters.region is not None:
        structure_conditions.append(Structure.region == filters.region)
    if filters.structure_type is not None:
        structure_conditions.append(Structure.type == filters.structure_type)
    if structure_conditions:
        conditions.append(Ticket.structure_id.in_(select(Structure.id).where(*structure_conditions)))
    return conditions


def in_period(column, period: Period) -> ColumnElement:
    """start <= column < end."""
    return and_(column >= literal(period.start, UTCDateTime()), column < literal(period.end, UTCDateTime()))


def _dialect() -> str:
    """Name of the database backend in use."""
    return db.session.get_bind().dialect.name


def _by_month(column, period: Period) -> tuple:
    """(source, month, conditions) grouping the questions of the period by the Paris month of `column`, the month
    being its position in period.months() counted from 1.

    PostgreSQL: width_bucket(column, month starts) within the period's bounds (a binary search per row, no time
    zone conversion). SQLite: a join with a derived table of (position, start_at, end_at) rows.
    """
    if _dialect() == "postgresql":
        starts = array([literal(month.start, UTCDateTime()) for month in period.months()])
        return Ticket.__table__, func.width_bucket(column, starts), [in_period(column, period)]
    rows = [
        select(literal(position, Integer).label("position"), literal(month.start, UTCDateTime()).label("start_at"),
               literal(month.end, UTCDateTime()).label("end_at"))
        for position, month in enumerate(period.months(), 1)
    ]
    months = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("months")
    return months.join(Ticket, and_(column >= months.c.start_at, column < months.c.end_at)), months.c.position, []


def hours_between(start, end) -> ColumnElement:
    """(end - start) in hours, as a float, on either backend."""
    if _dialect() == "postgresql":
        # date_part returns a double precision; extract returns numeric, about 50 % slower to sort.
        return func.date_part("epoch", end - start, type_=Float) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def plus_hours(moment, hours: int) -> ColumnElement:
    """`moment` + `hours`, comparable with timestamp columns (so an index on them can serve the comparison)."""
    if _dialect() == "postgresql":
        return moment + literal(timedelta(hours=hours), Interval())
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' text; datetime() drops the fraction, which keeps the bound
    # exclusive: a question filed exactly `hours` later compares greater.
    return func.datetime(moment, f"+{hours} hours")


# ---------------------------------------------------------------- one pass per grouping

@dataclass(frozen=True)
class Count:
    """A labelled count (a month, a theme, a region...)."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Percentiles:
    """Median and 90th percentile of a duration in hours over `count` questions (None when count is 0)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class ResponseTimes:
    """Time to first response and to resolution for a group of questions."""

    key: str
    label: str
    first_response: Percentiles = field(default_factory=Percentiles)
    resolution: Percentiles = field(default_factory=Percentiles)


NO_TIMES = (Percentiles(), Percentiles())


@dataclass(frozen=True)
class DeadlineCompliance:
    """Questions filed in the period with a deadline: met, missed, or still running."""

    with_deadline: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def share_on_time(self) -> float | None:
        """On-time share of the questions whose outcome is known, in percent."""
        decided = self.on_time + self.late
        return 100.0 * self.on_time / decided if decided else None


def _aggregate(group, source, conditions, counts: list, values: list) -> dict:
    """{group: ([rows meeting each condition of `counts`, None counting every row], [Percentiles of each of
    `values`, NULLs ignored])} over the rows of `source` matching `conditions`, in one SQL query."""
    if _dialect() == "postgresql":
        columns = [func.count() if condition is None else func.count(case((condition, 1))) for condition in counts]
        for value in values:
            columns += [func.count(value), func.percentile_cont(array([0.5, 0.9])).within_group(value)]
        # Grouped by position in the select list: the month's expression carries bound parameters.
        stmt = select(group, *columns).select_from(source).where(*conditions).group_by(text("1"))
        size = len(counts)
        return {row[0]: (list(row[1:1 + size]),
                         [Percentiles(row[1 + size + 2 * index], *(row[2 + size + 2 * index] or (None, None)))
                          for index in range(len(values))])
                for row in db.session.execute(stmt)}
    ranked_columns = [group.label("grp")]
    ranked_columns += [(literal(1) if condition is None else case((condition, 1))).label(f"c{index}")
                       for index, condition in enumerate(counts)]
    for index, value in enumerate(values):
        # NULLs ranked last: ranks 1..n are the n known values in ascending order.
        ranked_columns += [
            value.label(f"v{index}"),
            func.row_number().over(partition_by=group, order_by=[value.is_(None), value]).label(f"rn{index}"),
            func.count(value).over(partition_by=group).label(f"n{index}"),
        ]
    ranked = select(*ranked_columns).select_from(source).where(*conditions).subquery("ranked")
    columns = [func.count(ranked.c[f"c{index}"]) for index in range(len(counts))]
    for index in range(len(values)):
        value, rank, count = ranked.c[f"v{index}"], ranked.c[f"rn{index}"], ranked.c[f"n{index}"]
        columns += [func.max(count), _interpolated(value, rank, count, 0.5), _interpolated(value, rank, count, 0.9)]
    size = len(counts)
    return {row[0]: (list(row[1:1 + size]),
                     [Percentiles(*row[1 + size + 3 * index: 4 + size + 3 * index]) for index in range(len(values))])
            for row in db.session.execute(select(ranked.c.grp, *columns).group_by(ranked.c.grp))}


def _interpolated(value, rank, count, fraction: float) -> ColumnElement:
    """percentile_cont(fraction) of a group's ranked values, as an aggregate expression."""
    position = 1 + fraction * (count - 1)
    lower_rank = cast(position, Integer)
    lower = func.max(case((rank == lower_rank, value)))
    upper = func.max(case((rank == lower_rank + 1, value)))
    weight = func.max(position - lower_rank)
    return lower + weight * (func.coalesce(upper, lower) - lower)


def _durations() -> list[ColumnElement]:
    """Hours from filing to first response and to resolution."""
    return [hours_between(Ticket.created_at, Ticket.first_response_at),
            hours_between(Ticket.created_at, Ticket.resolved_at)]


def _deadline_outcomes(due, done, now: datetime) -> list[ColumnElement]:
    """Conditions: a `due` deadline is set; `done` by it; late (done after it, or not done and past it)."""
    return [due.is_not(None), and_(done.is_not(None), done <= due),
            or_(done > due, and_(done.is_(None), due < literal(now, UTCDateTime())))]


@dataclass(frozen=True)
class MonthFigures:
    """A month of the period: questions filed, their response times and their deadlines' outcomes."""

    month: Month
    count: int = 0
    first_response: Percentiles = field(default_factory=Percentiles)
    resolution: Percentiles = field(default_factory=Percentiles)
    deadlines: DeadlineCompliance = field(default_factory=DeadlineCompliance)
    first_response_deadlines: DeadlineCompliance = field(default_factory=DeadlineCompliance)

    @property
    def key(self) -> str:
        """'2026-03'."""
        return self.month.key

    @property
    def label(self) -> str:
        """'mars 2026'."""
        return self.month.label

    @property
    def times(self) -> ResponseTimes:
        """The month's response times."""
        return ResponseTimes(self.key, self.label, self.first_response, self.resolution)


def monthly_figures(period: Period, filters: Filters, now: datetime, times: bool = True) -> list[MonthFigures]:
    """Every month of the period (zero months included): questions filed, the median and 90th percentile of their
    response times (left empty when `times` is false, which saves sorting them), and how their resolution and
    first-response deadlines went (judged at `now`), in one query."""
    source, key, conditions = _by_month(Ticket.created_at, period)
    counts = [None, *_deadline_outcomes(Ticket.due_at, Ticket.resolved_at, now),
              *_deadline_outcomes(Ticket.first_response_due_at, Ticket.first_response_at, now)]
    rows = _aggregate(key, source, [*conditions, *ticket_conditions(filters)], counts, _durations() if times else [])
    result = []
    for position, month in enumerate(period.months(), 1):
        if position not in rows:
            result.append(MonthFigures(month))
            continue
        (count, *deadlines), durations = rows[position]
        result.append(MonthFigures(month, count, *(durations or NO_TIMES), DeadlineCompliance(*deadlines[:3]),
                                   DeadlineCompliance(*deadlines[3:])))
    return result


def deadline_compliance(months: list[MonthFigures]) -> DeadlineCompliance:
    """Resolution deadlines (Ticket.due_at) of the questions filed in these months, met by the resolution date."""
    return DeadlineCompliance(*(sum(getattr(month.deadlines, name) for month in months)
                                for name in ("with_deadline", "on_time", "late")))


def first_response_compliance(months: list[MonthFigures]) -> DeadlineCompliance:
    """First-response deadlines (Ticket.first_response_due_at) of the questions filed in these months."""
    return DeadlineCompliance(*(sum(getattr(month.first_response_deadlines, name) for month in months)
                                for name in ("with_deadline", "on_time", "late")))


DIMENSIONS = {"theme": "thème", "region": "région", "structure_type": "type de structure"}


def questions_by(period: Period, filters: Filters) -> dict[str, list[Count]]:
    """Questions filed in the period by theme, by region and by structure type (keys of DIMENSIONS), largest
    first: one query grouped by the three, added up here (at most themes × regions × types rows)."""
    # count(*) and theme names apart: the filing-date index covers the query (no table read on PostgreSQL).
    stmt = (select(Ticket.theme_id, Structure.region, Structure.type, func.count())
            .select_from(Ticket).join(Structure, Structure.id == Ticket.structure_id)
            .where(in_period(Ticket.created_at, period), *ticket_conditions(filters))
            .group_by(Ticket.theme_id, Structure.region, Structure.type))
    names = dict(db.session.execute(select(Theme.id, Theme.name)).all())
    totals = {dimension: Counter() for dimension in DIMENSIONS}
    for theme_id, region, structure_type, count in db.session.execute(stmt):
        totals["theme"][(str(theme_id or ""), names.get(theme_id) or str(NO_THEME))] += count
        totals["region"][(region, REGIONS.get(region, region))] += count
        totals["structure_type"][(structure_type, STRUCTURE_TYPES.get(structure_type, structure_type))] += count
    return {dimension: [Count(key, label, count) for (key, label), count
                        in sorted(counts.items(), key=lambda item: (-item[1], french_key(str(item[0][1]))))]
            for dimension, counts in totals.items()}


def response_times_by_theme(period: Period, filters: Filters) -> list[ResponseTimes]:
    """Response times of the questions filed in the period, by theme (themes with answered questions)."""
    conditions = [in_period(Ticket.created_at, period), *ticket_conditions(filters)]
    times = _aggregate(Ticket.theme_id, Ticket.__table__, conditions, [], _durations())
    names = dict(db.session.execute(select(Theme.id, Theme.name)).all())
    rows = [ResponseTimes(str(key or ""), names.get(key) or str(NO_THEME), *figures)
            for key, (_, figures) in times.items() if any(percentiles.count for percentiles in figures)]
    return sorted(rows, key=lambda row: french_key(row.label))


# ---------------------------------------------------------------- satisfaction, backlog, age

@dataclass(frozen=True)
class SatisfactionFigures:
    """Members' ratings (1 to 5) of the answers to the questions filed in the period."""

    count: int = 0
    average: float | None = None
    by_rating: tuple[int, ...] = (0, 0, 0, 0, 0)


def satisfaction(period: Period, filters: Filters) -> SatisfactionFigures:
    """Members' ratings of the answers to the questions filed in the period."""
    stmt = (select(Satisfaction.rating, func.count()).join(Ticket, Ticket.id == Satisfaction.ticket_id)
            .where(in_period(Ticket.created_at, period), *ticket_conditions(filters)).group_by(Satisfaction.rating))
    counts = dict(db.session.execute(stmt).all())
    total = sum(counts.values())
    average = sum(rating * count for rating, count in counts.items()) / total if total else None
    return SatisfactionFigures(total, average, tuple(counts.get(rating, 0) for rating in range(1, 6)))


def backlog_by_month(months: list[MonthFigures], filters: Filters) -> list[Count]:
    """Questions filed but not yet resolved at the end of each of these months (monthly_figures of a period).

    The backlog at the start of the period is counted once; each month then adds
    its filed questions and removes its resolved ones (a resolution never
    precedes the filing), so no question is read once per month. A question
    reopened later has lost its first resolution date: it counts as unresolved
    from its filing.
    """
    period = Period(months[0].month, months[-1].month)
    start = literal(period.start, UTCDateTime())
    backlog = db.session.scalar(select(func.count()).where(
        Ticket.created_at < start, or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= start),
        *ticket_conditions(filters)))
    source, key, conditions = _by_month(Ticket.resolved_at, period)
    resolved = {position: counts[0] for position, (counts, _) in
                _aggregate(key, source, [*conditions, *ticket_conditions(filters)], [None], []).items()}
    result = []
    for position, month in enumerate(months, 1):
        backlog += month.count - resolved.get(position, 0)
        result.append(Count(month.key, month.label, backlog))
    return result


def open_by_age(filters: Filters, now: datetime) -> list[Count]:
    """Questions not yet answered today, by how long ago they were filed."""
    bucket = case(*[(Ticket.created_at > literal(now - timedelta(days=days), UTCDateTime()), index)
                    for index, (_, days) in enumerate(AGE_BUCKETS) if days is not None],
                  else_=len(AGE_BUCKETS) - 1)
    stmt = (select(bucket.label("bucket"), func.count()).where(Ticket.status.in_(UNRESOLVED_STATUSES),
                                                              *ticket_conditions(filters))
            .group_by("bucket"))
    counts = dict(db.session.execute(stmt).all())
    return [Count(str(index), str(label), counts.get(index, 0)) for index, (label, _) in enumerate(AGE_BUCKETS)]


# ---------------------------------------------------------------- knowledge base

@dataclass(frozen=True)
class ArticleCount:
    """A resource and a count (reads, avoided questions)."""

    slug: str
    title: str
    count: int


def most_read_articles(period: Period, limit: int = 10) -> list[ArticleCount]:
    """Resources displayed most often during the period."""
    # Counted on the (created_at, article_id) index alone, then joined to the resources.
    reads = (select(ArticleRead.article_id, func.count().label("reads")).where(in_period(ArticleRead.created_at, period))
             .group_by(ArticleRead.article_id).subquery("reads"))
    stmt = (select(Article.slug, Article.title, reads.c.reads).join(reads, reads.c.article_id == Article.id)
            .order_by(reads.c.reads.desc(), french_order(Article.title)).limit(limit))
    return [ArticleCount(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class FailedSearch:
    """A search that found nothing, how often, and when last."""

    query: str
    count: int
    last_at: datetime


def failed_searches(period: Period, limit: int = 15) -> list[FailedSearch]:
    """Searches without results during the period, grouped case-insensitively, most frequent first."""
    normalized = func.lower(func.trim(SearchLog.query))
    stmt = (select(normalized.label("q"), func.count().label("n"), func.max(SearchLog.created_at))
            .where(SearchLog.results == 0, in_period(SearchLog.created_at, period), func.trim(SearchLog.query) != "")
            .group_by(normalized).order_by(func.count().desc(), normalized).limit(limit))
    return [FailedSearch(*row) for row in db.session.execute(stmt)]


@dataclass(frozen=True)
class Deflection:
    """Suggested resources opened by members, and those not followed by a question within 24 hours."""

    clicks: int
    avoided: int
    top_articles: list[ArticleCount]

    @property
    def share_avoided(self) -> float | None:
        """Share of the clicks not followed by a question, in percent."""
        return 100.0 * self.avoided / self.clicks if self.clicks else None


def deflection(period: Period, now: datetime, limit: int = 10) -> Deflection:
    """Suggestion clicks of the period (at least 24 h old) and those after which the member filed nothing."""
    followed = (select(Ticket.id).where(
        Ticket.author_id == SuggestionClick.user_id, Ticket.created_at >= SuggestionClick.created_at,
        Ticket.created_at < plus_hours(SuggestionClick.created_at, DEFLECTION_WINDOW_HOURS)).exists())
    window_over = SuggestionClick.created_at < literal(now - timedelta(hours=DEFLECTION_WINDOW_HOURS), UTCDateTime())
    conditions = [in_period(SuggestionClick.created_at, period), window_over]
    # One pass grouped by resource (one row per suggested resource): totals and top list come from its rows.
    stmt = (select(Article.slug, Article.title, func.count(), func.count(case((not_(followed), 1))))
            .select_from(SuggestionClick).join(Article, Article.id == SuggestionClick.article_id)
            .where(*conditions).group_by(Article.id, Article.slug, Article.title))
    rows = db.session.execute(stmt).all()
    top = sorted((row for row in rows if row[3]), key=lambda row: (-row[3], french_key(row.title)))[:limit]
    return Deflection(sum(row[2] for row in rows), sum(row[3] for row in rows),
                      [ArticleCount(slug, title, avoided) for slug, title, _, avoided in top])


# ---------------------------------------------------------------- annual figures

@dataclass(frozen=True)
class YearFigures:
    """The key figures of one year of activity."""

    year: int
    received: int
    answered: int
    structures_served: int
    member_structures: int
    response_times: ResponseTimes
    articles_published: int
    article_reads: int

    @property
    def share_served(self) -> float | None:
        """Share of member structures that asked at least one question, in percent."""
        return 100.0 * self.structures_served / self.member_structures if self.member_structures else None


def year_figures(year: int, filters: Filters = Filters()) -> YearFigures:
    """Questions received (filed in the year) and answered (first response in the year), structures served,
    response times, resources published and read."""
    period = Period.year(year)
    filed = [in_period(Ticket.created_at, period), *ticket_conditions(filters)]
    (received,), times = _aggregate(literal(1), Ticket.__table__, filed, [None], _durations()).get(1, ([0], NO_TIMES))
    served_ids = select(Ticket.structure_id).where(*filed)
    # Membership has no history: members of the year are the structures active now and created by the
    # year's end, plus any structure that asked a question that year (it was a member then).
    members, served = db.session.execute(
        select(func.count(), func.count(case((Structure.id.in_(served_ids), 1)))).select_from(Structure).where(or_(
            and_(Structure.active.is_(True), Structure.created_at < literal(period.end, UTCDateTime())),
            Structure.id.in_(served_ids)))).one()
    answered, published, reads = db.session.execute(select(
        select(func.count()).where(in_period(Ticket.first_response_at, period), *ticket_conditions(filters))
        .scalar_subquery(),
        select(func.count()).where(in_period(Article.published_at, period), Article.status != "draft")
        .scalar_subquery(),
        select(func.count()).select_from(ArticleRead).where(in_period(ArticleRead.created_at, period))
        .scalar_subquery())).one()
    return YearFigures(year, received, answered, served, members, ResponseTimes("all", "Ensemble", *times),
                       published, reads)


def first_activity_year() -> int | None:
    """Year (Paris time) of the first question ever filed, None when there is none."""
    first = db.session.scalar(select(func.min(Ticket.created_at)))
    return None if first is None else first.astimezone(PARIS).year
