"""Audit: reads, downloads, logins, account changes and exports are logged; admins filter and export them."""
import csv
import html
import io
import re
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from helpdesk.admin.services import create_theme, save_structure
from helpdesk.attachments.services import save_upload
from helpdesk.audit.services import KIND_LABELS, JournalFilters, export_journal, journal_query
from helpdesk.auth.services import set_active
from helpdesk.events import record_event
from helpdesk.kb.services import save_article
from helpdesk.triage.routing import add_rule, delete_rule
from helpdesk.triage.sla import delete_policy, save_policy
from helpdesk.extensions import db
from helpdesk.mail.ingest import ingest
from helpdesk.models import Event
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services
from helpdesk.triage.satisfaction import rate
from helpdesk.webinars.services import WebinarValues, register_interest, save_webinar, send_question
from tests import factories
from tests.factories import bearer, make_api_token, pdf_bytes


def kinds(**where) -> list[str]:
    """Kinds of the events matching simple equality filters, oldest first."""
    query = select(Event.kind).order_by(Event.id)
    for name, value in where.items():
        query = query.where(getattr(Event, name) == value)
    return list(db.session.scalars(query))


def test_staff_reads_of_a_question_are_logged_but_not_shown_in_its_history(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    client.get(f"/questions/{ticket.reference}")
    assert "question_viewed" not in kinds(ticket_id=ticket.id)
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    event = db.session.scalar(select(Event).where(Event.kind == "question_viewed"))
    assert (event.actor_id, event.ticket_id, event.internal) == (world.jurist.id, ticket.id, True)
    assert "question_viewed" not in page
    assert [entry.event.kind for entry in services.timeline(ticket, world.jurist) if entry.event] == ["created"]


def test_every_page_showing_a_question_to_staff_is_logged_not_only_its_address(client, world, login):
    """The reply helpers, a refused close or merge show the whole question too: reading it that way, without opening
    its address, must leave the same trace in the journal."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    shown = {
        "compose": client.post(f"/questions/{ticket.reference}/rediger", data={"action": "search", "body": ""}),
        "close refused": client.post(f"/questions/{ticket.reference}/cloturer", data={"body": "texte non envoyé"}),
        "merge refused": client.post(f"/questions/{ticket.reference}/fusionner", data={"target": ticket.reference}),
    }
    for action, response in shown.items():
        assert ticket.body in response.get_data(as_text=True), action
    assert kinds(kind="question_viewed", ticket_id=ticket.id) == ["question_viewed"] * len(shown)


def test_staff_reads_through_the_api_are_logged_like_the_web_ones(app, world):
    ticket = factories.make_ticket(world.member)
    other = factories.make_ticket(world.outsider)
    api = app.test_client()
    member_token, jurist_token = make_api_token(world.member), make_api_token(world.jurist)
    api.get(f"/api/v1/questions/{ticket.reference}", headers=bearer(member_token))
    assert "question_viewed" not in kinds()
    for url in (f"/api/v1/questions/{ticket.reference}", f"/api/v1/questions/{ticket.reference}/messages"):
        assert api.get(url, headers=bearer(jurist_token)).status_code == 200
    assert api.get("/api/v1/queue?view=ouvertes", headers=bearer(jurist_token)).json["total"] == 2
    viewed = db.session.execute(select(Event.actor_id, Event.ticket_id).where(Event.kind == "question_viewed")
                                .order_by(Event.id)).all()
    assert viewed == [(world.jurist.id, ticket.id)] * 3 + [(world.jurist.id, other.id)]


def test_downloads_are_logged_with_their_question(client, world, login):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    login(world.colleague)
    client.get(f"/pieces-jointes/{ticket.attachments[0].id}")
    event = db.session.scalar(select(Event).where(Event.kind == "attachment_downloaded"))
    assert (event.actor_id, event.ticket_id, event.data["filename"]) == (world.colleague.id, ticket.id, "contrat.pdf")


def test_refused_downloads_are_not_logged_as_downloads(client, world, login):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    login(world.outsider)
    assert client.get(f"/pieces-jointes/{ticket.attachments[0].id}").status_code == 404
    assert "attachment_downloaded" not in kinds()


def test_logins_logouts_and_account_changes_are_logged_without_a_question(client, world, login):
    client.post("/connexion", data={"email": world.member.email, "password": "mauvais-mot-de-passe"})
    login(world.member)
    client.post("/deconnexion")
    set_active(world.colleague, False, world.admin)
    assert kinds(ticket_id=None)[-4:] == ["login_failed", "login", "logout", "user_deactivated"]


def test_admin_filters_the_journal_by_kind_user_and_period(client, world, login):
    with frozen_time(datetime(2026, 3, 10, 9, tzinfo=timezone.utc)):
        set_active(world.colleague, False, world.admin)
    with frozen_time(datetime(2026, 4, 2, 9, tzinfo=timezone.utc)):
        set_active(world.outsider, False, world.admin)
    login(world.admin)
    page = client.get("/admin/journal/?kind=user_deactivated&user=fanny&start=2026-03-01&end=2026-03-31")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Journal d'audit" in text
    assert "Désactivation de compte" in text and "10 mars 2026" in text and "2 avril 2026" not in text
    assert "Aucun événement" in client.get("/admin/journal/?user=personne-inconnue").get_data(as_text=True)


def test_journal_dates_fit_their_column_with_the_full_date_in_their_title(client, world, login):
    """« 30 novembre 2026 à 23:18 » stood on four lines in the journal's narrow first column."""
    with frozen_time(datetime(2026, 3, 10, 9, 5, tzinfo=timezone.utc)):
        set_active(world.colleague, False, world.admin)
    login(world.admin)
    text = client.get("/admin/journal/?kind=user_deactivated").get_data(as_text=True)
    assert re.search(r'<td class="date-cell"><time datetime="2026-03-10T09:05:00[^"]*" title="10 mars 2026 à 10:05">'
                     r'10/03/2026<br> 10:05</time></td>', text)


def test_journal_ignores_malformed_filters_without_showing_them_back(client, world, login):
    """Refused values used to come back in the date fields and in the export link."""
    login(world.admin)
    response = client.get("/admin/journal/?kind=inexistant-zq&start=pas-une-date-zq&end=zq%3Cb%3E&user=Alice&page=abc")
    page = factories.without_return_address(response.get_data(as_text=True))
    assert response.status_code == 200 and "Indiquez une date existante, au format AAAA-MM-JJ (par exemple 2026-03-31)." in page
    assert "zq" not in page
    assert 'href="/admin/journal/export.csv?user=Alice"' in page


def test_journal_period_ending_before_it_starts_is_explained_and_its_end_ignored(client, world, login):
    """It used to list nothing, without saying why."""
    with frozen_time(datetime(2026, 3, 10, 9, tzinfo=timezone.utc)):
        set_active(world.colleague, False, world.admin)
    login(world.admin)
    page = client.get("/admin/journal/?start=2026-03-01&end=2026-02-01").get_data(as_text=True)
    assert "La date de fin doit suivre la date de début." in page and "Désactivation de compte" in page


@pytest.mark.parametrize("query", ["start=0001-01-01", "end=9999-12-31", "start=1999-12-31&end=2100-01-01"])
def test_journal_refuses_dates_out_of_range_in_french_and_ignores_them_but_exports_nothing(client, world, login,
                                                                                           query):
    set_active(world.colleague, False, world.admin)
    login(world.admin)
    response = client.get(f"/admin/journal/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indiquez une date entre 2000 et 2099." in page
    assert "Désactivation de compte" in page
    export = client.get(f"/admin/journal/export.csv?{query}")
    assert export.status_code == 302 and export.headers["Location"] == f"/admin/journal/?{query}"


def test_journal_accepts_the_first_and_last_days_of_the_range(client, world, login):
    set_active(world.colleague, False, world.admin)
    login(world.admin)
    page = client.get("/admin/journal/?start=2000-01-01&end=2099-12-31").get_data(as_text=True)
    assert "Indiquez une date" not in page and "Désactivation de compte" in page


def _journal_details(client, kind: str) -> tuple[str, str]:
    """The details cell of the newest `kind` event on the journal's page, and in the CSV export."""
    page = client.get(f"/admin/journal/?kind={kind}").get_data(as_text=True)
    cell = re.findall(r"<td data-label=\"Détails\">([^<]*(?:<a [^>]*>[^<]*</a>[^<]*)*)</td>\s*</tr>", page)[0]
    rows = list(csv.reader(io.StringIO(client.get(f"/admin/journal/export.csv?kind={kind}").get_data(as_text=True)
                                       .lstrip("\ufeff")), delimiter=";"))
    return html.unescape(cell), rows[1][6]


def test_the_journal_names_an_account_by_its_address_linked_to_it_and_the_export_too(client, world, login):
    """The journal said « compte n° : 10 »: the admin had to find account 10 by hand."""
    set_active(world.colleague, False, world.admin)
    login(world.admin)
    cell, exported = _journal_details(client, "user_deactivated")
    assert cell == f'compte : <a href="/admin/utilisateurs/{world.colleague.id}/modifier">collegue@exemple.test</a>'
    assert exported == "compte : collegue@exemple.test"


def test_the_journal_names_a_theme_and_a_structure_and_the_export_too(client, world, login):
    """The journal said « thème n° : 12 »: the admin could not tell which theme had been created."""
    create_theme("Mécénat et dons", world.admin)
    save_structure(world.structure, name="Chantier Renommé", siret=world.structure.siret, type=world.structure.type,
                   region=world.structure.region, active=True, actor=world.admin)
    login(world.admin)
    assert _journal_details(client, "theme_created") == ("thème : Mécénat et dons", "thème : Mécénat et dons")
    assert _journal_details(client, "structure_updated") == (
        f'structure : <a href="/admin/structures/{world.structure.id}">Chantier Renommé</a>',
        "structure : Chantier Renommé")


def test_the_journal_gives_the_number_of_a_theme_that_no_longer_exists(client, world, login):
    theme = create_theme("Mécénat et dons", world.admin)
    db.session.delete(theme)
    db.session.commit()
    login(world.admin)
    assert _journal_details(client, "theme_created")[0] == f"thème n° : {theme.id}"


def test_the_journal_names_a_resource_a_webinar_and_a_routing_rule_linked_to_their_pages_and_the_export_too(
        client, world, login):
    """The journal said « ressource n° : 4 », « webinaire n° : 2 », « règle n° : 1 »: the admin had to guess."""
    save_article(None, {"slug": "cdi-inclusion", "title": "Le CDI inclusion", "body": "Texte"}, world.jurist)
    webinar = save_webinar(None, WebinarValues(title="Contrats aidés", starts_at=utcnow() + timedelta(days=7),
                                               speakers=("Léa",), theme_ids=(world.theme.id,)), world.jurist)
    add_rule(world.admin, world.theme.id, "bretagne", world.jurist.id)
    login(world.admin)
    assert _journal_details(client, "article_saved") == (
        'ressource : <a href="/ressources/cdi-inclusion">Le CDI inclusion</a>', "ressource : Le CDI inclusion")
    assert _journal_details(client, "webinar_saved") == (
        f'webinaire : <a href="/webinaires/{webinar.id}">Contrats aidés</a>', "webinaire : Contrats aidés")
    assert _journal_details(client, "routing_rule_added") == (
        'règle de routage : <a href="/admin/routage">Réforme IAE, Bretagne → Denis Juriste</a>',
        "règle de routage : Réforme IAE, Bretagne → Denis Juriste")


def test_the_journal_names_each_resource_of_a_list_and_numbers_the_deleted_ones(client, world, login):
    """An amended law text lists the resources citing it: each is named, a deleted one keeps its number."""
    kept = save_article(None, {"slug": "gardee", "title": "Ressource gardée", "body": "Texte"}, world.jurist)
    gone = save_article(None, {"slug": "partie", "title": "Ressource partie", "body": "Texte"}, world.jurist)
    record_event("legal_reference_amended", world.jurist, reference="L. 5132-1", articles=[kept.id, gone.id])
    db.session.delete(gone)
    db.session.commit()
    login(world.admin)
    cell, exported = _journal_details(client, "legal_reference_amended")
    assert exported == f"ressource : Ressource gardée · ressource n° : {gone.id} · référence : L. 5132-1"
    assert '<a href="/ressources/gardee">Ressource gardée</a>' in cell and "Ressource partie" not in cell


def test_the_journal_gives_the_number_of_a_deleted_routing_rule_and_webinar_without_a_link(client, world, login):
    rule = add_rule(world.admin, None, "occitanie", None)
    delete_rule(world.admin, rule)
    login(world.admin)
    assert _journal_details(client, "routing_rule_deleted") == (f"règle de routage n° : {rule.id}",
                                                                f"règle de routage n° : {rule.id}")
    record_event("webinar_saved", world.jurist, webinar_id=999)
    db.session.commit()
    assert _journal_details(client, "webinar_saved") == ("webinaire n° : 999", "webinaire n° : 999")


def test_a_deadline_rule_is_not_mistaken_for_a_routing_rule_of_the_same_number(client, world, login):
    """Deadline and routing rules both log a `rule_id`: only routing rules' events name a routing rule."""
    add_rule(world.admin, world.theme.id, None, None)
    record_event("sla_rule_deleted", world.admin, rule_id=1, priority="normal")
    db.session.commit()
    login(world.admin)
    assert "règle de routage" not in _journal_details(client, "sla_rule_deleted")[0]


def test_the_journal_names_a_deadline_rule_linked_to_the_deadlines_page_and_the_export_too(client, world, login):
    """The journal said « règle n° : 3 » for a deadline rule: it now says its urgency, theme and delays."""
    save_policy(world.admin, 3, world.theme.id, 2, 8.5)
    login(world.admin)
    cell, exported = _journal_details(client, "sla_rule_saved")
    text = "Urgente, Réforme IAE : première réponse en 2 h, résolution en 8,5 h"
    assert f'délai de traitement : <a href="/admin/delais">{text}</a>' in cell and "règle n°" not in cell
    assert f"délai de traitement : {text}" in exported and "règle de routage" not in exported


def test_the_journal_gives_the_number_of_a_deleted_deadline_rule_without_a_link(client, world, login):
    """A deleted deadline rule keeps its number, and is never named after a routing rule of the same number."""
    rule = save_policy(world.admin, 0, None, 24, 48)
    add_rule(world.admin, world.theme.id, None, None)
    delete_policy(world.admin, rule)
    login(world.admin)
    cell, exported = _journal_details(client, "sla_rule_deleted")
    for text in (cell, exported):
        assert text == f"priorité : Basse · délai de traitement n° : {rule.id}", "no link, no routing rule"


def test_the_journal_reads_the_names_of_a_page_in_one_query_per_kind_whatever_its_length(client, world, login):
    """Naming resources, webinars and rules must not read them one by one (the page would slow down as it fills)."""
    def statements() -> int:
        """How many SQL statements the journal's page runs."""
        with factories.sql_statements() as run:
            assert client.get("/admin/journal/").status_code == 200
        return len(run)

    def add(number: int, offset: int) -> None:
        """`number` resources, webinars, routing and deadline rules, each journalled."""
        for index in range(offset, offset + number):
            save_article(None, {"slug": f"r-{index}", "title": f"Ressource {index}", "body": "Texte"}, world.jurist)
            save_webinar(None, WebinarValues(title=f"Webinaire {index}", starts_at=utcnow() + timedelta(days=7),
                                             speakers=("Léa",), theme_ids=(world.theme.id,)), world.jurist)
            theme = factories.make_theme(name=f"Thème {index}", slug=f"theme-{index}")
            add_rule(world.admin, theme.id, None, world.jurist.id)
            save_policy(world.admin, index % 4, theme.id, 4, 16)

    login(world.admin)
    add(2, 0)
    few = statements()
    add(6, 2)
    assert statements() == few


def test_the_journal_keeps_an_anonymised_account_anonymous_on_the_page_and_in_the_export(client, world, login):
    """Naming accounts by address must not bring back an anonymised one's: it stays a number, without a link."""
    from helpdesk.privacy.services import anonymise_user
    set_active(world.colleague, False, world.admin)
    anonymise_user(world.colleague, world.admin)
    login(world.admin)
    for cell in _journal_details(client, "user_deactivated"):
        assert cell == f"compte anonymisé n° : {world.colleague.id}"
    page = client.get("/admin/journal/").get_data(as_text=True)
    assert "collegue@exemple.test" not in page and f"/admin/utilisateurs/{world.colleague.id}/modifier" not in page


def test_csv_export_follows_the_filters_defuses_formulas_and_is_itself_logged(client, world, login):
    ticket = factories.make_ticket(world.member)
    save_upload(b"texte", "=SOMME(A1).txt", uploader=world.member, ticket=ticket)
    db.session.commit()
    login(world.member)
    client.get(f"/pieces-jointes/{ticket.attachments[0].id}")
    login(world.admin)
    response = client.get("/admin/journal/export.csv?kind=attachment_downloaded")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["date", "type", "libellé"]
    assert [row[1] for row in rows[1:]] == ["attachment_downloaded"]
    assert rows[1][5] == ticket.reference
    assert "fichier : =SOMME(A1).txt" in rows[1][6]  # the value follows its label, not at the cell start
    assert kinds()[-1] == "audit_exported"


def test_csv_cells_starting_like_a_formula_are_quoted(app, world):
    set_active(world.colleague, False, world.admin)
    world.admin.name = "=CMD()"
    db.session.commit()
    content = "".join(export_journal(JournalFilters(kind="user_deactivated"), world.admin))
    assert ";'=CMD();" in content


def _deactivations(world, count: int) -> None:
    """`count` deactivation events by the admin (the colleague deactivated and reactivated in turn)."""
    for number in range(count):
        set_active(world.colleague, number % 2 == 1, world.admin)


def test_a_journal_export_larger_than_the_limit_is_refused_asking_to_narrow_the_filters(app, client, world, login,
                                                                                        monkeypatch):
    """The export read the whole journal at once (seconds on demo data, unbounded on a real one): it now has a
    maximum, and the admin is told how to get under it."""
    monkeypatch.setitem(app.config, "AUDIT_EXPORT_MAX_ROWS", 2)
    with frozen_time(datetime(2026, 3, 10, 9, tzinfo=timezone.utc)):
        _deactivations(world, 4)
    with frozen_time(datetime(2026, 4, 2, 9, tzinfo=timezone.utc)):
        _deactivations(world, 2)
    login(world.admin)
    response = client.get("/admin/journal/export.csv?user=fanny&start=2026-01-01")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/journal/?user=fanny&start=2026-01-01", "filters kept"
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert ("cet export compterait plus de 2 événements. Précisez les filtres (une période plus courte, un type "
            "d'événement ou un utilisateur) puis exportez à nouveau.") in page
    assert "2 événements au plus par export" in page
    assert "audit_exported" not in kinds(), "a refused export is not one"
    narrowed = client.get("/admin/journal/export.csv?user=fanny&start=2026-04-01&end=2026-04-30")
    assert narrowed.status_code == 200 and narrowed.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(narrowed.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["user_activated", "user_deactivated"]
    exported = db.session.scalars(select(Event).where(Event.kind == "audit_exported")).all()[-1]
    assert exported.data["events"] == 2 and exported.data["start"] == "2026-04-01"
    assert "événements : 2" in client.get("/admin/journal/?kind=audit_exported").get_data(as_text=True)


@pytest.mark.parametrize("query", ["start=2026-02-30", "user=fanny&end=2026-13-01", "kind=inconnu",
                                   "start=2026-04-02&end=2026-04-01", "start=0001-01-01"])
def test_a_journal_export_with_a_refused_filter_is_not_made_and_the_journal_says_why(client, world, login, query):
    """The refused filter used to be dropped: the whole journal (or all of a user's events) came out as if it were
    the export asked for."""
    with frozen_time(datetime(2026, 4, 2, 9, tzinfo=timezone.utc)):
        _deactivations(world, 2)
    login(world.admin)
    factories.assert_export_refused(client, f"/admin/journal/export.csv?{query}", f"/admin/journal/?{query}")
    assert "audit_exported" not in kinds()


def test_a_journal_export_of_exactly_the_limit_is_streamed_whole_without_its_own_event(app, client, world, login,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_EXPORT_MAX_ROWS", 3)
    with frozen_time(datetime(2026, 3, 10, 9, tzinfo=timezone.utc)):
        _deactivations(world, 3)
    login(world.admin)
    response = client.get("/admin/journal/export.csv?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + 3 and "audit_exported" not in [row[1] for row in rows]
    assert kinds()[-1] == "audit_exported"


def test_the_journal_export_service_refuses_too_many_events_and_records_nothing(app, world, monkeypatch):
    from helpdesk.errors import InvalidInput
    monkeypatch.setitem(app.config, "AUDIT_EXPORT_MAX_ROWS", 1)
    _deactivations(world, 2)
    with pytest.raises(InvalidInput):
        export_journal(JournalFilters(user="admin@exemple.test"), world.admin)
    assert "audit_exported" not in kinds()
    assert len(list(csv.reader(io.StringIO("".join(export_journal(
        JournalFilters(user="admin@exemple.test", kind="user_activated"), world.admin)))))) == 2


def test_only_admins_export_the_journal(app, world):
    import pytest

    from helpdesk.errors import Forbidden
    with pytest.raises(Forbidden):
        export_journal(JournalFilters(), world.jurist)


def test_journal_escapes_user_supplied_values(client, world, login):
    ticket = factories.make_ticket(world.member)
    save_upload(b"texte", "<script>alert(1)</script>.txt", uploader=world.member, ticket=ticket)
    db.session.commit()
    login(world.member)
    client.get(f"/pieces-jointes/{ticket.attachments[0].id}")
    login(world.admin)
    page = client.get("/admin/journal/").get_data(as_text=True)
    assert "<script>alert" not in page


def test_journal_user_filter_takes_wildcards_literally(app, world):
    """« % » or « _ » typed in the user filter matched every account: the journal came back unfiltered."""
    set_active(world.colleague, False, world.admin)
    assert db.session.scalars(journal_query(JournalFilters(user="%"))).all() == []
    assert db.session.scalars(journal_query(JournalFilters(user="admin_exemple"))).all() == []
    assert db.session.scalars(journal_query(JournalFilters(user="ADMIN@exemple"))).all() != []


def test_journal_query_orders_newest_first(app, world):
    set_active(world.colleague, False, world.admin)
    set_active(world.colleague, True, world.admin)
    events = db.session.scalars(journal_query(JournalFilters(user="admin@exemple.test"))).all()
    assert [event.kind for event in events][:2] == ["user_activated", "user_deactivated"]


def test_journal_details_read_as_words_not_codes(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.post(f"/questions/{ticket.reference}/prendre", data={})
    services.change_status(ticket, world.jurist, "waiting")
    db.session.commit()
    login(world.admin)
    page = client.get("/admin/journal/?kind=status_changed").get_data(as_text=True)
    assert "avant : En cours · statut : En attente du membre" in page
    assert "previous" not in page and "waiting" not in page


def test_every_recorded_event_kind_has_a_journal_label():
    recorded = set()
    for source in Path(__file__).parents[1].joinpath("helpdesk").rglob("*.py"):
        for first_argument in re.findall(r"record_event\(([^,]+),", source.read_text()):
            recorded.update(re.findall(r'"([a-z_]+)"', first_argument))
    assert len(recorded) > 40
    assert sorted(recorded - set(KIND_LABELS)) == []


def test_journal_reads_details_of_every_shape_a_statistics_export_records(client, world, login):
    login(world.jurist)
    assert client.get("/statistiques/export/questions.csv").status_code == 200
    login(world.admin)
    page = client.get("/admin/journal/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Export de statistiques" in text and "données personnelles : non" in text and "filtres : " in text
    export = client.get("/admin/journal/export.csv")
    assert export.status_code == 200 and "données personnelles : non" in export.get_data(as_text=True)


def test_staff_display_of_a_kept_mail_is_journalled_with_its_number(client, world, login):
    """A received email kept for review shows a member's text and address: opening it left no trace."""
    record = ingest(b"From: inconnu@exemple.test\r\nTo: questions@federation.example.test\r\nSubject: Licenciement\r\n"
                    b"Message-ID: <gardee@exemple.test>\r\n\r\nMon employeur me doit trois mois.\r\n")
    login(world.jurist)
    assert "Mon employeur me doit trois mois." in client.get(f"/courriels/{record.id}").get_data(as_text=True)
    client.post(f"/courriels/{record.id}/rattacher", data={"reference": "Q-INCONNUE"})
    events = db.session.scalars(select(Event).where(Event.kind == "inbound_mail_viewed")).all()
    assert [(event.actor_id, event.data["inbound_id"]) for event in events] == [(world.jurist.id, record.id)] * 2
    login(world.admin)
    journal = client.get("/admin/journal/?kind=inbound_mail_viewed").get_data(as_text=True)
    assert "Consultation d'un courriel non rattaché" in journal and f"courriel reçu n° : {record.id}" in journal


def test_satisfaction_comments_shown_to_staff_are_journalled_per_question(client, world, login):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Oui, c'est possible.")
    rate(ticket, world.member, 2, "Réponse trop courte.")
    factories.make_ticket(world.member, subject="Sans avis")
    login(world.jurist)
    assert "Réponse trop courte." in client.get("/satisfaction").get_data(as_text=True)
    viewed = db.session.execute(select(Event.actor_id, Event.ticket_id)
                                .where(Event.kind == "satisfaction_comment_viewed")).all()
    assert viewed == [(world.jurist.id, ticket.id)]
    assert "satisfaction_comment_viewed" not in [entry.event.kind for entry in services.timeline(ticket, world.jurist)
                                                 if entry.event]


def test_webinar_questions_sent_ahead_shown_to_staff_are_journalled(client, world, login):
    webinar = save_webinar(None, WebinarValues(title="Contrats aidés", starts_at=utcnow() + timedelta(days=7),
                                               speakers=("Léa",), theme_ids=(world.theme.id,)), world.jurist)
    login(world.jurist)
    client.get(f"/webinaires/{webinar.id}")
    assert "webinar_questions_viewed" not in kinds(), "an empty list reveals nothing"
    register_interest(webinar, world.member)
    send_question(webinar, world.member, "Peut-on cumuler deux contrats ?")
    login(world.member)
    client.get(f"/webinaires/{webinar.id}")
    assert "webinar_questions_viewed" not in kinds()
    login(world.jurist)
    assert "Peut-on cumuler deux contrats ?" in client.get(f"/webinaires/{webinar.id}").get_data(as_text=True)
    event = db.session.scalar(select(Event).where(Event.kind == "webinar_questions_viewed"))
    assert (event.actor_id, event.data) == (world.jurist.id, {"webinar_id": webinar.id, "count": 1})


def test_queue_text_search_is_journalled_once_per_search_not_per_page_or_reload(client, world, login):
    factories.make_ticket(world.member, body="Rupture conventionnelle de Mme Durand")
    login(world.member)
    client.get("/file/?q=Durand")
    login(world.jurist)
    for url in ("/file/?vue=ouvertes", "/file/?q=Durand", "/file/?q=Durand", "/file/?q=durand&tri=recentes&page=2",
                "/file/?q=Martin", "/file/?q=Durand"):
        assert client.get(url).status_code == 200, url
    searched = db.session.execute(select(Event.actor_id, Event.data).where(Event.kind == "queue_searched")
                                  .order_by(Event.id)).all()
    assert searched == [(world.jurist.id, {"words": words}) for words in ("Durand", "Martin", "Durand")]


def test_queue_text_search_through_the_api_is_journalled(app, world):
    factories.make_ticket(world.member, body="Rupture conventionnelle de Mme Durand")
    token = make_api_token(world.jurist)
    assert app.test_client().get("/api/v1/queue?view=ouvertes&q=Durand", headers=bearer(token)).status_code == 200
    event = db.session.scalar(select(Event).where(Event.kind == "queue_searched"))
    assert (event.actor_id, event.data) == (world.jurist.id, {"words": "Durand"})


def test_the_journal_names_the_changed_fields_of_an_account_in_french(client, world, login):
    """« modifié : email, name, structure » showed the code's English names to the admin."""
    login(world.admin)
    client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
        "email": "alice.nouvelle@exemple.test", "name": "Alice Renommée", "role": "member",
        "structure": str(world.other_structure.id)})
    page = html.unescape(client.get("/admin/journal/?kind=user_updated").get_data(as_text=True))
    assert "modifié : adresse e-mail, nom, structure" in page
    export = client.get("/admin/journal/export.csv?kind=user_updated").get_data(as_text=True)
    assert "modifié : adresse e-mail, nom, structure" in export
