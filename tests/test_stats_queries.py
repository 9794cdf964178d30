"""Statistics figures against a hand-built dataset whose medians, percentiles and counts are known (SQLite and PostgreSQL)."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from helpdesk.extensions import db
from helpdesk.models import ArticleRead, SearchLog, SuggestionClick
from helpdesk.models._types import frozen_time
from helpdesk.stats import queries, services
from helpdesk.stats.queries import Filters, Month, Period
from tests import factories
from tests.test_kb import add_article

UTC = timezone.utc
NOW = datetime(2025, 4, 5, 12, 0, tzinfo=UTC)
YEAR_2025 = Period.year(2025)
JAN_TO_APR = Period(Month(2025, 1), Month(2025, 4))


def _question(author, created, *, first=None, resolved=None, due=None, theme=None):
    """A question filed at `created`, answered `first` hours and resolved `resolved` hours later."""
    with frozen_time(created):
        ticket = factories.make_ticket(author, theme_id=theme.id if theme else None)
    if first is not None:
        ticket.first_response_at = created + timedelta(hours=first)
    if resolved is not None:
        ticket.resolved_at = created + timedelta(hours=resolved)
        ticket.status = "answered"
    # Deadlines are the dataset's, not the service-level policy's.
    ticket.due_at = created + timedelta(hours=due) if due is not None else None
    ticket.first_response_due_at = None
    db.session.commit()
    return ticket


@pytest.fixture
def data(app):
    """Two years of questions from two regions, with known response times and month edges in Paris time."""
    with frozen_time(datetime(2024, 1, 1, tzinfo=UTC)):
        brittany = factories.make_structure(region="bretagne", type="ACI")
        occitania = factories.make_structure(region="occitanie", type="AI")
        factories.make_structure(region="corse", type="EI")  # a member that never asks
        factories.make_structure(region="corse", active=False)
        breton = factories.make_user("member", brittany)
        occitan = factories.make_user("member", occitania)
        jurist = factories.make_user("jurist")
        contracts, training = factories.make_theme(name="Contrats"), factories.make_theme(name="Formation")
    # 2024: three unanswered questions from Brittany.
    for day in (14, 15, 16):
        _question(breton, datetime(2024, 6, day, 9, tzinfo=UTC))
    # 31 Dec 2024 23:30 UTC is 1 Jan 2025 00:30 in Paris: a January 2025 question.
    _question(breton, datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    # January 2025: first responses after 1, 2, 3, 4, 10 hours; resolutions after twice as long.
    january = [_question(breton, datetime(2025, 1, 10 + index, 10, tzinfo=UTC), first=hours, resolved=2 * hours,
                         theme=contracts)
               for index, hours in enumerate((1, 2, 3, 4, 10))]
    january[0].due_at = january[0].created_at + timedelta(hours=24)  # resolved after 2 h: on time
    january[4].due_at = january[4].created_at + timedelta(hours=10)  # resolved after 20 h: late
    db.session.commit()
    # February 2025: first responses after 5 and 7 hours, one resolved after 9 hours.
    _question(occitan, datetime(2025, 2, 10, 10, tzinfo=UTC), first=5, resolved=9, theme=training)
    _question(occitan, datetime(2025, 2, 11, 10, tzinfo=UTC), first=7, theme=training,
              due=24 * 365)  # deadline not reached yet: neither on time nor late
    # 28 Feb 23:30 UTC is 1 March 00:30 in Paris; 31 March 22:30 UTC is 1 April 00:30 (summer time).
    _question(breton, datetime(2025, 2, 28, 23, 30, tzinfo=UTC))
    _question(occitan, datetime(2025, 3, 31, 22, 30, tzinfo=UTC), due=1)  # unresolved past its deadline: late
    _question(occitan, NOW - timedelta(days=1))
    return SimpleNamespace(brittany=brittany, occitania=occitania, breton=breton, occitan=occitan, jurist=jurist,
                           contracts=contracts, training=training, january=january)


def test_questions_are_counted_in_their_paris_month(data):
    months = queries.monthly_figures(JAN_TO_APR, Filters(), NOW)
    assert [(month.label, month.count) for month in months] == [
        ("janvier 2025", 6), ("février 2025", 2), ("mars 2025", 1), ("avril 2025", 2)]


def test_month_boundaries_follow_paris_clock_changes():
    assert Month(2025, 3).start == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
    assert Month(2025, 3).end == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)


def test_counts_by_region_theme_and_structure_type(data):
    counts = queries.questions_by(YEAR_2025, Filters())
    by_region = {count.label: count.count for count in counts["region"]}
    assert by_region == {"Bretagne": 7, "Occitanie": 4}
    by_theme = {count.label: count.count for count in counts["theme"]}
    assert by_theme == {"Contrats": 5, "Formation": 2, "Sans thème": 4}
    by_type = counts["structure_type"]
    assert [(count.key, count.count) for count in by_type] == [("ACI", 7), ("AI", 4)]


def test_filters_restrict_the_counts(data):
    def total(filters):
        return sum(month.count for month in queries.monthly_figures(YEAR_2025, filters, NOW))

    assert total(Filters(region="occitanie")) == 4
    assert total(Filters(theme_id=data.contracts.id)) == 5
    assert total(Filters(structure_type="EI")) == 0
    assert queries.questions_by(YEAR_2025, Filters(region="occitanie"))["theme"] == [
        queries.Count(str(data.training.id), "Formation", 2), queries.Count("", "Sans thème", 2)]
    data.january[0].assignee_id = data.jurist.id
    db.session.commit()
    assert total(Filters(assignee_id=data.jurist.id)) == 1


def test_median_and_90th_percentile_per_month(data):
    january, february, march, _ = [month.times for month in queries.monthly_figures(JAN_TO_APR, Filters(), NOW)]
    assert january.first_response.count == 5
    assert january.first_response.median == pytest.approx(3.0)
    assert january.first_response.p90 == pytest.approx(7.6)  # rank 4.6 between 4 h and 10 h
    assert january.resolution.median == pytest.approx(6.0)
    assert january.resolution.p90 == pytest.approx(15.2)
    assert february.first_response.median == pytest.approx(6.0)
    assert february.first_response.p90 == pytest.approx(6.8)
    assert february.resolution.count == 1 and february.resolution.median == pytest.approx(9.0)
    assert march.first_response == queries.Percentiles()


def test_percentiles_per_theme_and_overall(data):
    by_theme = {row.label: row for row in queries.response_times_by_theme(YEAR_2025, Filters())}
    assert by_theme["Formation"].first_response.median == pytest.approx(6.0)
    assert by_theme["Contrats"].first_response.p90 == pytest.approx(7.6)
    overall = queries.year_figures(2025).response_times
    assert overall.first_response.median == pytest.approx(4.0)  # 1 2 3 4 5 7 10
    assert overall.first_response.p90 == pytest.approx(8.2)  # rank 6.4 between 7 h and 10 h


def test_backlog_at_each_month_end(data):
    backlog = queries.backlog_by_month(queries.monthly_figures(JAN_TO_APR, Filters(), NOW), Filters())
    assert [count.count for count in backlog] == [4, 5, 6, 8]


def test_open_questions_by_age(data):
    assert [(count.label, count.count) for count in queries.open_by_age(Filters(), NOW)] == [
        ("moins de 2 jours", 1), ("2 à 7 jours", 1), ("7 à 30 jours", 0), ("plus de 30 jours", 6)]


def test_deadline_compliance_counts_late_unresolved_questions(data):
    compliance = queries.deadline_compliance(queries.monthly_figures(YEAR_2025, Filters(), NOW))
    assert (compliance.with_deadline, compliance.on_time, compliance.late) == (4, 1, 2)
    assert compliance.share_on_time == pytest.approx(100 / 3)


def test_year_figures_and_members_served(data):
    figures = queries.year_figures(2025)
    assert (figures.received, figures.answered, figures.structures_served, figures.member_structures) == (11, 7, 2, 3)
    assert figures.share_served == pytest.approx(200 / 3)
    assert queries.year_figures(2024).received == 3


def test_annual_report_compares_with_the_previous_year(data):
    report = services.annual_report(2025, NOW)
    figures = {figure.label: figure for figure in report.key_figures}
    received = figures["Questions reçues"]
    assert (received.value, received.previous) == (11, 3)
    assert received.change == pytest.approx(800 / 3)
    assert received.change_label == "+266,7 %"
    share = figures["Part des structures adhérentes servies"]
    assert share.change_label == "+33,3 pts"
    assert figures["Questions résolues dans le délai"].value == pytest.approx(100 / 3)
    regions = {row.label: (row.value, row.previous, row.change_label) for row in report.regions}
    assert regions == {"Bretagne": (7, 3, "+133,3 %"), "Occitanie": (4, 0, "—")}
    assert report.charts["mois"].series[0][1][:4] == [6, 2, 1, 2]


def test_most_read_resources_count_article_page_views_once_per_session(data, app, client, login):
    add_article("cddi-duree", "Durée du CDDI", "Vingt-quatre mois au plus.")
    add_article("pass-iae", "Le PASS IAE", "Pour qui et combien de temps.")
    for reader in (data.breton, data.occitan, data.breton):  # each login opens a new session
        login(reader)
        for _ in range(3):  # reloads
            assert client.get("/ressources/cddi-duree").status_code == 200
    client.get("/ressources/pass-iae")
    visitor = app.test_client()
    for _ in range(5):
        visitor.get("/ressources/pass-iae")
    period = Period.last_twelve_months(datetime.now(queries.PARIS).date())  # as the dashboard: months in Paris time
    assert [(item.slug, item.count) for item in queries.most_read_articles(period)] == [("cddi-duree", 3), ("pass-iae", 2)]
    assert sorted(read.reader for read in db.session.scalars(db.select(ArticleRead))) == ["anonymous"] + ["member"] * 4


def test_visitors_sending_no_cookie_cannot_inflate_the_most_read_resources(data, app, client, login):
    """Each request without a cookie starts a new session: a script dropping its cookies counts once a day per
    client network (an IPv6 client counts as its /64), while each logged-in reader's session still counts."""
    add_article("pass-iae", "Le PASS IAE", "Pour qui et combien de temps.")
    script = app.test_client(use_cookies=False)
    assert all(script.get("/ressources/pass-iae").status_code == 200 for _ in range(5))
    for address in ("203.0.113.7", "2001:db8:1:2::5", "2001:db8:1:2::6"):
        for _ in range(3):
            script.get("/ressources/pass-iae", environ_base={"REMOTE_ADDR": address})
    login(data.breton)  # from the address the script used first
    assert client.get("/ressources/pass-iae").status_code == 200
    period = Period.last_twelve_months(datetime.now(queries.PARIS).date())  # as the dashboard: months in Paris time
    assert [(item.slug, item.count) for item in queries.most_read_articles(period)] == [("pass-iae", 4)]
    assert sorted(read.reader for read in db.session.scalars(db.select(ArticleRead))) == ["anonymous"] * 3 + ["member"]


def test_failed_searches_are_grouped_ignoring_case_and_spaces(app):
    moment = datetime(2025, 3, 3, 10, tzinfo=UTC)
    for query, results in (("Mutuelle", 0), (" mutuelle ", 0), ("intempéries", 0), ("cddi", 4)):
        db.session.add(SearchLog(query=query, results=results, role="member", created_at=moment))
    db.session.commit()
    found = queries.failed_searches(YEAR_2025)
    assert [(item.query, item.count) for item in found] == [("mutuelle", 2), ("intempéries", 1)]
    assert found[0].last_at == moment


def test_suggestion_is_an_avoided_question_when_no_question_follows_within_24_hours(data):
    article = add_article("cddi-duree", "Durée du CDDI", "Vingt-quatre mois au plus.")
    clicks = [datetime(2025, 3, 10, 9, tzinfo=UTC), datetime(2025, 3, 11, 9, tzinfo=UTC),
              datetime(2025, 3, 12, 9, tzinfo=UTC), NOW - timedelta(hours=2)]
    for moment in clicks:
        db.session.add(SuggestionClick(user_id=data.occitan.id, article_id=article.id, created_at=moment))
    db.session.commit()
    _question(data.occitan, clicks[0] + timedelta(hours=3))  # filed anyway: not avoided
    _question(data.occitan, clicks[2] + timedelta(hours=30))  # filed much later: avoided
    _question(data.breton, clicks[1] + timedelta(hours=1))  # someone else's question does not count
    result = queries.deflection(YEAR_2025, NOW)
    assert (result.clicks, result.avoided) == (3, 2)  # the click of two hours ago is too recent to judge
    assert [(item.slug, item.count) for item in result.top_articles] == [("cddi-duree", 2)]


def test_first_response_deadlines_and_satisfaction(data):
    from helpdesk.models import Satisfaction

    first, second = data.january[0], data.january[4]
    first.first_response_due_at = first.created_at + timedelta(hours=4)  # answered after 1 h: on time
    second.first_response_due_at = second.created_at + timedelta(hours=8)  # answered after 10 h: late
    db.session.add_all([Satisfaction(ticket_id=first.id, user_id=data.breton.id, rating=5),
                        Satisfaction(ticket_id=second.id, user_id=data.breton.id, rating=2),
                        Satisfaction(ticket_id=data.january[1].id, user_id=data.breton.id, rating=5)])
    db.session.commit()
    compliance = queries.first_response_compliance(queries.monthly_figures(YEAR_2025, Filters(), NOW))
    assert (compliance.with_deadline, compliance.on_time, compliance.late) == (2, 1, 1)
    ratings = queries.satisfaction(YEAR_2025, Filters())
    assert (ratings.count, ratings.by_rating) == (3, (0, 1, 0, 0, 2))
    assert ratings.average == pytest.approx(4.0)
    assert queries.satisfaction(YEAR_2025, Filters(region="occitanie")).count == 0
    figures = {figure.label: figure for figure in services.annual_report(2025, NOW).key_figures}
    assert figures["Premières réponses dans le délai"].value == pytest.approx(50.0)
    assert figures["Satisfaction moyenne (sur 5)"].value == pytest.approx(4.0)


def test_duplicates_merged_into_another_question_are_not_counted_again(data):
    data.january[1].merged_into_id = data.january[0].id
    db.session.commit()
    assert queries.monthly_figures(JAN_TO_APR, Filters(), NOW)[0].count == 5
