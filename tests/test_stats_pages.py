"""Statistics pages: who reaches them, charts, annual report, CSV exports."""
import csv
import io
import re
from datetime import datetime, timezone
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from helpdesk.csv_export import csv_lines
from helpdesk.extensions import db
from helpdesk.models import Event
from helpdesk.stats.charts import Chart
from helpdesk.stats.services import (DASHBOARD_CHARTS, REPORT_CHARTS, AnnualReport, Comparison, KeyFigure,
                                     report_rows)
from helpdesk.tickets import services as ticket_services
from helpdesk.stats.queries import PARIS
from tests import factories

LAST_YEAR = datetime.now(timezone.utc).year - 1
STATS_URLS = [
    "/statistiques/",
    "/statistiques/?du=2025-01&au=2025-06&region=bretagne",
    "/statistiques/graphiques/questions-par-mois.svg",
    "/statistiques/graphiques/delais-par-theme.svg",
    "/statistiques/graphiques/par-type.svg?type=AI",
    "/statistiques/export/questions.csv",
    "/statistiques/rapport/",
    f"/statistiques/rapport/{LAST_YEAR}",
    f"/statistiques/rapport/{LAST_YEAR}/graphiques/themes.svg",
    f"/statistiques/rapport/{LAST_YEAR}.csv",
]


def _rows(response) -> list[list[str]]:
    """The CSV body as rows (semicolon-separated, BOM first)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


@pytest.fixture
def answered(world):
    """A question of the world's member, answered publicly, with an internal note."""
    ticket = factories.make_ticket(world.member, subject="=HYPERLINK(\"http://exemple.test\")", theme_id=world.theme.id)
    ticket_services.add_message(ticket, world.jurist, "NOTE-INTERNE-SECRETE sur le dossier", internal=True)
    ticket_services.add_message(ticket, world.jurist, "Réponse publique au membre.")
    return ticket


@pytest.mark.parametrize("url", STATS_URLS)
def test_anonymous_visitors_are_sent_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("url", STATS_URLS)
def test_members_cannot_reach_any_statistics(client, login, world, answered, url):
    login(world.member)
    response = client.get(url)
    assert response.status_code == 403
    assert b"NOTE-INTERNE" not in response.data and b"exemple.test" not in response.data


@pytest.mark.parametrize("role", ["jurist", "admin"])
@pytest.mark.parametrize("url", STATS_URLS)
def test_jurists_and_admins_reach_every_statistics_page(client, login, world, answered, role, url):
    login(world.jurist if role == "jurist" else world.admin)
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200


def test_dashboard_shows_charts_with_descriptions_and_data_tables(client, login, world, answered):
    login(world.jurist)
    page = client.get("/statistiques/").get_data(as_text=True)
    assert "Statistiques d'activité" in page
    assert '<figure class="chart" id="graphique-questions-par-mois"' in page
    assert 'src="/statistiques/graphiques/questions-par-mois.svg"' in page
    assert "<figcaption>" in page and '<th scope="row">Bretagne</th>' in page
    assert "Réforme IAE" in page  # the world's theme, in the by-theme table
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/draft.js" defer>',
                                                  '<script src="/static/js/form-errors.js" defer>',
                                                  '<script src="/static/js/uploads.js" defer>',
                                                  '<script src="/static/js/page-address.js" defer>',
                                                  '<script src="/static/js/compact-query.js" defer>',
                                                  '<script src="/static/js/submit-once.js" defer>'], \
        "charts need no script (only those every page loads)"


def test_dashboard_carries_filters_into_chart_and_export_links(client, login, world, answered):
    login(world.jurist)
    month = answered.created_at.astimezone(PARIS).strftime("%Y-%m")
    page = client.get(f"/statistiques/?du={LAST_YEAR}-01&au={month}&region=bretagne").get_data(as_text=True)
    assert f"questions-par-mois.svg?du={LAST_YEAR}-01&amp;au={month}&amp;region=bretagne" in page
    assert f"questions.csv?du={LAST_YEAR}-01&amp;au={month}&amp;region=bretagne" in page
    assert f"1 question posée de janvier {LAST_YEAR} à " in page


def test_the_default_period_is_shown_in_the_month_fields(client, login, world, answered):
    """The dashboard counted the last twelve months while its « Du mois » and « Au mois » fields stood empty: the
    jurist read figures for a period the form did not show. The fields hold the months counted now; a bound typed
    is kept, the other shows its default, and the chart and export links carry only what was typed."""
    login(world.jurist)
    now = datetime.now(timezone.utc).astimezone(PARIS)
    first = (now.year - 1, now.month + 1) if now.month < 12 else (now.year, 1)
    page = client.get("/statistiques/").get_data(as_text=True)
    assert f'name="du" type="month" value="{first[0]}-{first[1]:02d}"' in page
    assert f'name="au" type="month" value="{now:%Y-%m}"' in page
    assert "questions-par-mois.svg\"" in page or 'questions-par-mois.svg"' in page, "no period added to the links"
    typed = client.get(f"/statistiques/?du={LAST_YEAR}-03").get_data(as_text=True)
    assert f'name="du" type="month" value="{LAST_YEAR}-03"' in typed
    assert f'name="au" type="month" value="{now:%Y-%m}"' in typed
    assert f"questions-par-mois.svg?du={LAST_YEAR}-03\"" in typed


@pytest.mark.parametrize("query, message", [
    ("du=2025-13", "Les filtres saisis ne sont pas valides"),
    ("du=2025-06&au=2025-01", "Le mois de fin doit suivre le mois de début."),
    ("du=2000-01&au=2025-01", "La période couvre au plus dix ans (120 mois)."),
    ("region=atlantide", "Les filtres saisis ne sont pas valides"),
    ("du=9999-12&au=9999-12", "Indiquez une date entre 2000 et 2099."),
    ("du=mars-2025", "Indiquez un mois existant, au format AAAA-MM (par exemple 2026-03)."),
    ("du=0001-01&au=0001-01", "Indiquez une date entre 2000 et 2099."),
    ("du=1999-12", "Indiquez une date entre 2000 et 2099."),
])
def test_bad_filters_get_a_french_message_and_the_default_period(client, login, world, query, message):
    login(world.jurist)
    response = client.get(f"/statistiques/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert re.search(r"\d+ questions? posées? de ", page)


def test_charts_are_svg_images_without_script(client, login, world, answered):
    login(world.admin)
    response = client.get("/statistiques/graphiques/par-theme.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    svg = response.get_data(as_text=True)
    assert "<title>Questions par thème</title>" in svg and "Réforme IAE" in svg
    assert "<script" not in svg


def test_theme_renamed_with_control_characters_keeps_the_charts_readable(client, login, world, answered):
    login(world.admin)
    client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "Réforme\x01 IAE\x1b", "active": "y"})
    db.session.refresh(world.theme)
    assert world.theme.name == "Réforme IAE"
    for name in ("par-theme", "delais-par-theme"):
        svg = ElementTree.fromstring(client.get(f"/statistiques/graphiques/{name}.svg").get_data())  # well-formed
        assert "Réforme IAE" in "".join(svg.itertext())


@pytest.fixture
def several_types(world, answered):
    """Questions from structures of three types (ACI, AI, EI): the by-type chart has lazily translated labels."""
    factories.make_ticket(world.outsider, subject="Question d'une AI", theme_id=world.theme.id)
    enterprise = factories.make_structure(name="Entreprise Test", region="occitanie", type="EI")
    factories.make_ticket(factories.make_user("member", enterprise), subject="Question d'une EI")


# Every chart of the dashboard and of the report: the pages only embed them, so only these requests draw them.
@pytest.mark.parametrize("query", ["", f"?du={LAST_YEAR}-01&type=AI", "?region=occitanie"])
@pytest.mark.parametrize("name", DASHBOARD_CHARTS)
def test_every_dashboard_chart_is_drawn_for_several_structure_types(client, login, world, several_types, name, query):
    login(world.jurist)
    response = client.get(f"/statistiques/graphiques/{name}.svg{query}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "<script" not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", REPORT_CHARTS)
def test_every_report_chart_is_drawn(client, login, world, several_types, name):
    login(world.admin)
    response = client.get(f"/statistiques/rapport/{datetime.now(PARIS).year}/graphiques/{name}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_by_type_chart_names_each_structure_type(client, login, world, several_types):
    login(world.jurist)
    svg = client.get("/statistiques/graphiques/par-type.svg").get_data(as_text=True)
    assert "<title>Questions par type de structure</title>" in svg
    for label in ("Atelier et chantier d'insertion (ACI)", "Association intermédiaire (AI)",
                  "Entreprise d'insertion (EI)"):
        assert label in svg


def test_charts_turn_lazy_labels_into_plain_strings(app):
    from flask_babel import lazy_gettext

    with app.test_request_context():
        chart = Chart("essai", lazy_gettext("Titre"), "hbar", [lazy_gettext("Type A")],
                      [(lazy_gettext("Série"), [3])], "questions", lazy_gettext("Axe"), [lazy_gettext("A")])
        assert all(type(text) is str for text in (chart.title, chart.axis, *chart.labels, chart.series[0][0],
                                                   *chart.axis_labels))
        assert b"<title>Titre</title>" in chart.svg()


def test_dashboard_of_questions_answered_but_none_resolved(client, login, world):
    """A question waiting on its member has a first response but no resolution: describing the resolution times'
    chart failed, and the whole dashboard answered with an error 500."""
    ticket = factories.make_ticket(world.member, theme_id=world.theme.id)
    ticket_services.add_message(ticket, world.jurist, "Pouvez-vous préciser la date du contrat ?", status_after="waiting")
    login(world.jurist)
    response = client.get("/statistiques/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Médiane résolution : aucune donnée" in page and "Médiane 1re réponse : maximum" in page


def test_chart_description_names_no_maximum_among_zeros(app):
    """A year without questions used to be described as « maximum 0 questions (janvier) »."""
    with app.test_request_context():
        chart = Chart("essai", "Questions par mois", "bar", ["janvier", "février"], [("2024", [3, 1]), ("2023", [0, 0])],
                      "questions", "Questions")
        assert chart.description == ("Questions par mois, 2 valeurs. 2024 : maximum 3 questions (janvier) ; "
                                     "2023 : aucune question.")


def test_chart_summaries_and_changes_write_numbers_in_the_readers_language(app):
    """Chart summaries and the annual report's changes used French punctuation (« 1 300 », « +12,5 % ») in English."""
    chart = Chart("essai", "Délai", "bar", ["janvier", "février"], [("2024", [1300.25, 2.5])], "h", "Heures")
    growth, share = KeyFigure("Reçues", 9, 8), KeyFigure("Part", 40.0, 50.5, unit="%")
    with app.test_request_context():
        assert "maximum 1\u202f300,2 h (janvier)" in chart.description
        assert (growth.change_label, share.change_label) == ("+12,5 %", "−10,5 pts")
        with force_locale("en"):
            assert "maximum 1,300.2 h (janvier)" in chart.description
            assert (growth.change_label, share.change_label) == ("+12.5%", "−10.5 pts")


@pytest.mark.parametrize("url", ["/statistiques/graphiques/inconnu.svg", "/statistiques/rapport/1999",
                                 "/statistiques/rapport/2999", f"/statistiques/rapport/{LAST_YEAR}/graphiques/x.svg"])
def test_unknown_charts_and_years_are_not_found(client, login, world, url):
    login(world.jurist)
    assert client.get(url).status_code == 404


def test_annual_report_is_a_printable_french_page(client, login, world, answered):
    login(world.jurist)
    year = answered.created_at.astimezone(PARIS).year
    page = client.get(f"/statistiques/rapport/{year}").get_data(as_text=True)
    assert f"Rapport d'activité {year} du service juridique" in page
    assert "Questions reçues" in page and "Évolution" in page
    assert f"/statistiques/rapport/{year}/graphiques/mois.svg" in page
    assert 'class="stats-links no-print"' in page
    css = client.get("/static/style.css").get_data(as_text=True)
    assert "@media print" in css and ".no-print" in css


def test_report_csv_lists_the_key_figures_and_is_audited(client, login, world, answered):
    login(world.jurist)
    year = answered.created_at.astimezone(PARIS).year
    rows = _rows(client.get(f"/statistiques/rapport/{year}.csv"))
    assert rows[0] == ["Rubrique", "Indicateur", str(year), str(year - 1), "Évolution (%)", "Évolution (points de %)"]
    assert ["Chiffres clés", "Questions reçues", "1", "0", "", ""] in rows
    assert ["Thème", "Réforme IAE", "1", "0", "", ""] in rows
    event = db.session.scalar(select(Event).where(Event.kind == "stats_export"))
    assert event.actor_id == world.jurist.id and event.data["export"] == "rapport"


def test_report_csv_writes_changes_as_signed_numbers_and_escapes_names():
    report = AnnualReport(2026, [KeyFigure("Questions reçues", 31, 18), KeyFigure("Consultations de ressources", 14, 15),
                                 KeyFigure("Part des structures adhérentes servies", 40.0, 45.5, "%")],
                          [Comparison("=HYPERLINK(\"http://exemple.test\")", 6, 4), Comparison("+33 Réforme", 2, 3)],
                          [Comparison("Bretagne", 5, 5)], {})
    rows = list(csv.reader(io.StringIO("".join(csv_lines(report_rows(report))).lstrip("\ufeff")), delimiter=";"))
    assert rows[1:] == [
        ["Chiffres clés", "Questions reçues", "31", "18", "72,2", ""],
        ["Chiffres clés", "Consultations de ressources", "14", "15", "-6,7", ""],
        ["Chiffres clés", "Part des structures adhérentes servies (%)", "40,0", "45,5", "", "-5,5"],
        ["Thème", "'=HYPERLINK(\"http://exemple.test\")", "6", "4", "50,0", ""],
        ["Thème", "'+33 Réforme", "2", "3", "-33,3", ""],
        ["Région", "Bretagne", "5", "5", "0,0", ""],
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SOMME(A1)", "\t=1", "\r=1"])
def test_csv_text_cells_that_a_spreadsheet_would_run_get_an_apostrophe(text):
    rows = list(csv.reader(io.StringIO("".join(csv_lines([[text, f"Réforme {text}", -6.7]])).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows == [["'" + text, f"Réforme {text}", "-6,7"]]


def test_question_export_for_jurists_has_no_personal_data_nor_notes(client, login, world, answered):
    login(world.jurist)
    response = client.get("/statistiques/export/questions.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    rows = _rows(response)
    assert "Courriel de l'auteur" not in rows[0] and "SIRET" not in rows[0] and "Auteur" not in rows[0]
    assert "Clôturée le" in rows[0] and "Close le" not in rows[0]  # « Close » read as English in a column title
    assert rows[0][:2] == ["Référence", "Posée le"]  # the queue's word (« Déposée le » only here)
    assert len(rows) == 2 and rows[1][0] == answered.reference
    assert world.member.email not in body and world.member.name not in body and world.structure.siret not in body
    assert "NOTE-INTERNE" not in body and "Réponse publique" not in body
    assert rows[1][2].startswith("'=HYPERLINK")  # a spreadsheet will not run it


def test_question_export_for_admins_includes_author_and_siret(client, login, world, answered):
    login(world.admin)
    rows = _rows(client.get("/statistiques/export/questions.csv"))
    header, row = rows[0], rows[1]
    assert header[-3:] == ["Auteur", "Courriel de l'auteur", "SIRET"]
    assert row[-3:] == [world.member.name, world.member.email, world.structure.siret]
    assert "NOTE-INTERNE" not in "".join(row)


def test_question_export_applies_filters_and_records_an_audit_event(client, login, world, answered):
    factories.make_ticket(world.outsider, subject="Question d'Occitanie")
    login(world.admin)
    rows = _rows(client.get("/statistiques/export/questions.csv?region=occitanie"))
    assert [row[2] for row in rows[1:]] == ["Question d'Occitanie"]
    event = db.session.scalar(select(Event).where(Event.kind == "stats_export"))
    assert event.actor_id == world.admin.id
    assert event.data["filters"] == {"region": "occitanie"} and event.data["personal_data"] is True


@pytest.mark.parametrize("query", ["du=9999-12&au=9999-12", "du=0001-01&au=0001-01", "region=occitanie&du=2026-13",
                                   "region=occitanie&au=2026-02-30", "du=2026-05&au=2026-01", "region=atlantide"])
def test_an_export_with_a_refused_filter_is_not_made_and_the_dashboard_says_why(client, login, world, answered, query):
    """It used to export the default period without any filter (every region when Occitanie was asked with a
    mistyped month) as if it were the file asked for; charts still draw the default period beside the errors."""
    login(world.jurist)
    factories.assert_export_refused(client, f"/statistiques/export/questions.csv?{query}", f"/statistiques/?{query}")
    assert not db.session.scalars(select(Event).where(Event.kind == "stats_export")).all()
    chart = client.get(f"/statistiques/graphiques/questions-par-mois.svg?{query}")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"


@pytest.mark.parametrize("query", ["theme=+", "juriste=%20", "region=%09", "type=+&theme=%20%20"])
def test_a_filter_of_spaces_means_no_filter(client, login, world, answered, query):
    """A select left blank with spaces (a hand-edited address) filters nothing: it used to be a server error."""
    login(world.jurist)
    page = client.get(f"/statistiques/?{query}")
    assert page.status_code == 200 and re.search(r"1 question posée de ", page.get_data(as_text=True))
    rows = _rows(client.get(f"/statistiques/export/questions.csv?{query}"))
    assert [row[0] for row in rows[1:]] == [answered.reference]
    assert client.get(f"/statistiques/graphiques/questions-par-mois.svg?{query}").status_code == 200


def test_members_get_nothing_from_the_export_service(world):
    from helpdesk.errors import Forbidden
    from helpdesk.stats import services
    from helpdesk.stats.queries import Filters, Period

    with pytest.raises(Forbidden):
        services.export_questions(world.member, Period.year(LAST_YEAR), Filters())
    assert db.session.scalar(select(Event).where(Event.kind == "stats_export")) is None


def test_staff_navigation_links_to_statistics_but_members_do_not_see_it(client, login, world):
    login(world.jurist)
    assert 'href="/statistiques/"' in client.get("/file/").get_data(as_text=True)
    login(world.member)
    assert 'href="/statistiques/"' not in client.get("/questions/").get_data(as_text=True)


def test_refused_filter_values_are_not_shown_back(client, login, world):
    """Malformed months and unknown choices are ignored: the fields come back empty, never with what was typed."""
    login(world.jurist)
    response = client.get("/statistiques/?du=zq-mois&au=zq%3Cb%3E&region=zq-region&type=zq&theme=zq&juriste=zq")
    page = factories.without_return_address(response.get_data(as_text=True))
    assert response.status_code == 200 and "zq" not in page
