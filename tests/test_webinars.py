"""Webinars: programme, registration of interest (confirmed by mail, reminded, in the calendar), connection link,
questions sent ahead, Q&A published as searchable FAQ resources."""
import html
import re
import time
from datetime import datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.kb import indexing, searching
from helpdesk.i18n import PARIS
from helpdesk.models import (Article, OutboxEmail, SearchChange, User, Webinar, WebinarQuestion,
                             WebinarRegistration)
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.webinars import services
from helpdesk.webinars.calendar import escape_text, fold
from helpdesk.webinars.services import WebinarValues
from tests import factories


def make_webinar(world, days: int = 7, **overrides):
    """A webinar `days` from now (negative: past), on the world's theme."""
    values = WebinarValues(title="Réforme IAE : le PASS IAE", starts_at=utcnow() + timedelta(days=days),
                           speakers=("Léa Juriste", "Hugo Juriste"), theme_ids=(world.theme.id,))
    for name, value in overrides.items():
        setattr(values, name, value)
    return services.save_webinar(None, values, world.jurist)


def registrations() -> int:
    """How many registrations exist."""
    return db.session.scalar(select(func.count()).select_from(WebinarRegistration))


def test_member_registers_once_and_cancels(world):
    webinar = make_webinar(world)
    assert services.register_interest(webinar, world.member)
    assert not services.register_interest(webinar, world.member)  # a second click changes nothing
    assert services.register_interest(webinar, world.colleague)
    assert services.registration_count(webinar) == 2
    services.cancel_registration(webinar, world.member)
    assert services.registration_count(webinar) == 1 and not services.is_registered(webinar, world.member)


def test_past_webinar_and_staff_cannot_register(world):
    past = make_webinar(world, days=-3)
    assert past.status == "past"
    with pytest.raises(InvalidInput, match="déjà eu lieu"):
        services.register_interest(past, world.member)
    with pytest.raises(Forbidden):
        services.register_interest(make_webinar(world), world.jurist)
    assert registrations() == 0


@pytest.mark.parametrize("field, value", [("title", "  "), ("slides_url", "ftp://diapos"), ("speakers", ("x" * 121,)),
                                          ("theme_ids", (999999,)), ("join_url", "javascript:alert(1)"),
                                          ("join_url", "https://" + "v" * 500), ("duration_minutes", 0),
                                          ("duration_minutes", 481)])
def test_bad_webinar_values_are_refused(world, field, value):
    with pytest.raises(InvalidInput):
        make_webinar(world, **{field: value})


@pytest.mark.parametrize("field, value, message", [
    ("title", "T" * 310, "Le champ « Titre » accepte 300 caractères au maximum (votre texte en compte 310)."),
    ("description", "D" * 20_005,
     "Le champ « Description » accepte 20\u202f000 caractères au maximum (votre texte en compte 20\u202f005)."),
    ("speakers", ("Léa Juriste", "Camille " + "Intervenante" * 11),
     "Le nom d'intervenant « Camille IntervenanteIntervenanteInterve… » accepte 120 caractères au maximum (il en "
     "compte 140)."),
    ("speakers", tuple(f"Intervenant {number}" for number in range(23)),
     "Indiquez 20 intervenants au plus (la liste en compte 23)."),
    ("join_url", "https://" + "v" * 500,
     "Le champ « Lien de connexion » accepte 500 caractères au maximum (votre texte en compte 508)."),
    ("slides_url", "ftp://diapos", "« Diaporama » attend une adresse web qui commence par https:// ou http://."),
])
def test_a_webinar_value_too_long_is_refused_with_its_length(world, field, value, message):
    """The service's limits said « de 120 caractères chacun » without saying which speaker or how long it was."""
    with pytest.raises(InvalidInput) as refused:
        make_webinar(world, **{field: value})
    assert refused.value.message == message


def test_a_speaker_name_too_long_is_named_on_the_form(client, world, login):
    """The form accepts 3,000 characters of speakers; the one name past 120 is the one the page names."""
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={
        "title": "CDI inclusion", "starts_at": "2027-03-02T10:00", "duration_minutes": "60",
        "speakers": "Léa Juriste\n" + "Hugo " * 30, "themes": [str(world.theme.id)]})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "</strong> le nom d'intervenant « Hugo Hugo Hugo Hugo Hugo Hugo Hugo Hugo… » accepte 120 caractères" in page
    assert "(il en compte 149)" in page and db.session.scalar(select(func.count()).select_from(Webinar)) == 0


def test_advance_and_faq_questions_too_long_are_refused_with_their_length(world):
    """« La question doit compter de 1 à 1000 caractères. » and « La question compte 300 caractères au plus, la
    réponse 20000. » gave neither the typed length nor which of the two was too long."""
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    with pytest.raises(InvalidInput) as refused:
        services.send_question(webinar, world.member, "Q" * 1001)
    assert refused.value.message == ("Le champ « Votre question » accepte 1\u202f000 caractères au maximum (votre texte "
                                     "en compte 1\u202f001).")
    with pytest.raises(InvalidInput) as refused:
        services.add_question_answer(webinar, "Qui signe ?", "R" * 20_001, world.jurist)
    assert refused.value.message == ("Le champ « Réponse (Markdown) » accepte 20\u202f000 caractères au maximum (votre "
                                     "texte en compte 20\u202f001).")


def test_members_cannot_write_webinars(world):
    with pytest.raises(Forbidden):
        services.save_webinar(None, WebinarValues(title="x", starts_at=utcnow()), world.member)


def test_question_and_answer_becomes_a_searchable_members_faq(world):
    webinar = make_webinar(world, days=-1)
    before = db.session.scalar(select(func.max(SearchChange.id))) or 0
    article = services.add_question_answer(webinar, "Le PASS IAE est-il prolongeable ?",
                                           "Oui, sous conditions, par le prescripteur.", world.jurist)
    assert (article.type, article.visibility, article.status) == ("faq", "members", "published")
    assert webinar.faq_articles == [article] and [theme.slug for theme in article.themes] == ["reforme-iae"]
    assert db.session.scalar(select(func.max(SearchChange.id))) > before, "the index change log records it"
    indexing.sync()
    member_hits = searching.search_resources(world.member, "prolongeable").hits
    assert [hit.slug for hit in member_hits] == [article.slug]
    assert searching.search_resources(AnonymousUserMixin(), "prolongeable").hits == []
    second = services.add_question_answer(webinar, "Le PASS IAE est-il prolongeable ?", "Autre formulation.", world.jurist)
    assert second.slug == f"{article.slug}-2"
    assert [item.slug for item in services.questions_and_answers(webinar, world.member)] == [article.slug, second.slug]
    with pytest.raises(InvalidInput, match="figurent déjà"):  # the same question and answer sent twice
        services.add_question_answer(webinar, "Le PASS IAE est-il prolongeable ?", "Autre formulation.", world.jurist)
    assert len(webinar.faq_articles) == 2


def test_members_cannot_add_questions_and_empty_answers_are_refused(world):
    webinar = make_webinar(world, days=-1)
    with pytest.raises(Forbidden):
        services.add_question_answer(webinar, "Question ?", "Réponse.", world.member)
    with pytest.raises(InvalidInput):
        services.add_question_answer(webinar, "Question ?", "  ", world.jurist)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_pages_list_register_and_show_count_to_jurists(client, world, login):
    upcoming = make_webinar(world, title="Webinaire à venir")
    make_webinar(world, days=-30, title="Webinaire passé")
    login(world.member)
    listing = client.get("/webinaires/").get_data(as_text=True)
    assert listing.index("Webinaire à venir") < listing.index("Passés") < listing.index("Webinaire passé")
    response = client.post(f"/webinaires/{upcoming.id}/inscription", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "votre inscription est enregistrée." in page and "Annuler mon inscription" in page
    # Cancelling is the lesser action beside « Ajouter à mon agenda »: it no longer looks like the main one.
    assert '<button type="submit" class="secondary">Annuler mon inscription</button>' in page
    assert "membre inscrit" not in page
    login(world.jurist)
    assert "1 membre inscrit." in client.get(f"/webinaires/{upcoming.id}").get_data(as_text=True)
    login(world.member)
    client.post(f"/webinaires/{upcoming.id}/desinscription")
    assert registrations() == 0


def test_the_list_marks_the_upcoming_webinars_the_member_registered_to(client, world, login):
    """A member had to open each webinar to know whether they had signed up: the list now says so, for them only."""
    chosen = make_webinar(world, title="Webinaire choisi")
    make_webinar(world, days=14, title="Webinaire non choisi")
    login(world.member)
    client.post(f"/webinaires/{chosen.id}/inscription")
    mark = '<span class="badge">Vous êtes inscrit(e)</span>'
    listing = html.unescape(client.get("/webinaires/").get_data(as_text=True))
    assert listing.count(mark) == 1
    assert listing.index("Webinaire choisi") < listing.index(mark) < listing.index("Webinaire non choisi")
    login(world.colleague)
    assert mark not in html.unescape(client.get("/webinaires/").get_data(as_text=True))
    login(world.member)
    client.post(f"/webinaires/{chosen.id}/desinscription")
    assert mark not in html.unescape(client.get("/webinaires/").get_data(as_text=True))


def test_jurist_sees_who_registered_and_members_do_not(client, world, login):
    """The management box only counted the registrations: the team could not see who was coming."""
    upcoming = make_webinar(world, title="Webinaire à venir")
    for member in (world.outsider, world.member):
        services.register_interest(upcoming, member)
    login(world.jurist)
    page = client.get(f"/webinaires/{upcoming.id}").get_data(as_text=True)
    assert "2 membres inscrits." in page and "Voir les inscrits" in page
    assert (f"{world.outsider.name} — {world.outsider.email} · {world.outsider.structure.name}" in page
            and f"{world.member.name} — {world.member.email} · {world.member.structure.name}" in page)
    assert page.index(world.outsider.email) < page.index(world.member.email), "by structure: Association… first"
    login(world.member)
    page = client.get(f"/webinaires/{upcoming.id}").get_data(as_text=True)
    assert "Voir les inscrits" not in page and world.outsider.email not in page
    with pytest.raises(Forbidden):
        services.registrants(upcoming, world.member)


def test_editing_a_webinar_keeps_a_theme_retired_since(client, world, login):
    """Saving the webinar's edit form used to drop its retired theme (only active ones were offered)."""
    values = WebinarValues(title="Réforme IAE", starts_at=utcnow() + timedelta(days=7), theme_ids=(world.theme.id,))
    webinar = services.save_webinar(None, values, world.jurist)
    world.theme.active = False
    db.session.commit()
    login(world.jurist)
    page = client.get(f"/webinaires/{webinar.id}/modifier").get_data(as_text=True)
    assert (f'<input checked id="themes-0" name="themes" type="checkbox" value="{world.theme.id}"> '
            'Réforme IAE (thème retiré)</label>') in page
    starts_at = (utcnow() + timedelta(days=7)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/webinaires/{webinar.id}/modifier", data={
        "title": "Réforme IAE : le point", "starts_at": starts_at, "duration_minutes": "60",
        "themes": [str(world.theme.id)]})
    assert response.status_code == 302
    db.session.refresh(webinar)
    assert webinar.title == "Réforme IAE : le point" and [theme.id for theme in webinar.themes] == [world.theme.id]


def test_the_webinar_forms_name_where_their_way_back_leads(client, world, login):
    """The webinar form's way back said only « ← Retour »: it names the webinar's page, or the webinars' list for a
    new one."""
    webinar = make_webinar(world)
    login(world.jurist)
    page = client.get(f"/webinaires/{webinar.id}/modifier").get_data(as_text=True)
    assert f'<a href="/webinaires/{webinar.id}">← Retour au webinaire</a>' in page
    page = client.get("/webinaires/nouveau").get_data(as_text=True)
    assert '<a href="/webinaires/">← Webinaires</a>' in page and "← Retour<" not in page


def test_a_posted_edit_form_missing_its_speakers_field_is_saved_not_a_server_error(client, world, login):
    """A hand-made post without « Intervenants » used to answer 500 (the stored list taken as the field's text)."""
    webinar = make_webinar(world)
    login(world.jurist)
    starts_at = (utcnow() + timedelta(days=7)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/webinaires/{webinar.id}/modifier", data={
        "title": "Réforme IAE : sans intervenants", "starts_at": starts_at, "duration_minutes": "60"})
    assert response.status_code == 302
    db.session.refresh(webinar)
    assert webinar.title == "Réforme IAE : sans intervenants" and not webinar.speakers


def test_a_webinars_themes_are_check_boxes_and_two_of_them_are_kept(client, world, login):
    """The themes were a multiple select (Ctrl or Cmd to choose several): they are check boxes under a « Thèmes »
    legend, the webinar's own checked on its edit page."""
    other = factories.make_theme(name="Activité partielle", slug="activite-partielle")
    login(world.jurist)
    page = client.get("/webinaires/nouveau").get_data(as_text=True)
    assert re.search(r'<fieldset class="checkboxes">\s*<legend>Thèmes</legend>', page)
    assert re.search(r"<select[^>]* multiple", page) is None and "Ctrl ou Cmd" not in page
    response = client.post("/webinaires/nouveau", data={
        "title": "CDI inclusion", "starts_at": "2027-03-02T10:00", "duration_minutes": "60",
        "themes": [str(world.theme.id), str(other.id)]})
    webinar = db.session.scalar(select(Webinar))
    assert response.status_code == 302 and {theme.id for theme in webinar.themes} == {world.theme.id, other.id}
    page = client.get(f"/webinaires/{webinar.id}/modifier").get_data(as_text=True)
    assert page.count('name="themes" type="checkbox"') == 2 and page.count("checked") == 2


def test_jurist_programmes_a_webinar_and_enters_its_qa_through_the_pages(client, world, login):
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={
        "title": "CDI inclusion", "starts_at": "2020-03-01T10:00", "duration_minutes": "60",
        "speakers": "Léa Juriste\nHugo Juriste",
        "themes": [str(world.theme.id)], "slides_url": "https://exemple.test/diapos.pdf"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "webinaire enregistré." in page and "Hugo Juriste" in page and "Diaporama" in page
    webinar_id = int(response.request.path.rsplit("/", 1)[1])
    page = client.post(f"/webinaires/{webinar_id}/questions", data={
        "question": "Qui peut signer un CDI inclusion ?", "answer": "Les **ACI** et les **EI**."},
        follow_redirects=True).get_data(as_text=True)
    assert "question « Qui peut signer un CDI inclusion ? » publiée dans la FAQ." in page
    login(world.member)
    slug = db.session.scalar(select(Article.slug))
    assert "<strong>ACI</strong>" in client.get(f"/ressources/{slug}").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"question": "", "answer": "Oui, sous conditions."}, "Indiquez la question."),
    ({"question": "Le contrat passerelle est-il renouvelable ?", "answer": ""}, "Indiquez la réponse."),
])
def test_refused_qa_entry_keeps_what_the_jurist_typed(client, world, login, data, message):
    """The page came back empty after a refusal: the answer typed during the session was lost."""
    values = WebinarValues(title="Contrat passerelle", starts_at=utcnow() - timedelta(days=2))
    webinar = services.save_webinar(None, values, world.jurist)
    login(world.jurist)
    response = client.post(f"/webinaires/{webinar.id}/questions", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert next(value for value in data.values() if value) in page
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize("starts_at, message", [
    ("1990-01-01T10:00", "Indiquez une date entre 2000 et 2099."),
    ("2027-03-28T02:30", "Cette heure n'existe pas à Paris ce jour-là (passage à l'heure d'été)"),
    ("2027-10-31T02:30", "Cette heure existe deux fois à Paris ce jour-là (passage à l'heure d'hiver)"),
    ("2027-02-30T10:00", "Indiquez une date existante et une heure, au format AAAA-MM-JJ HH:MM (par exemple"),
    ("mardi 10h", "Indiquez une date existante et une heure, au format AAAA-MM-JJ HH:MM (par exemple"),
])
def test_webinar_date_out_of_range_or_not_a_paris_time_is_refused(client, world, login, starts_at, message):
    """A 1990 date, a time the clocks skip or one they repeat: a French message on the form, nothing saved."""
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={"title": "CDI inclusion", "starts_at": starts_at})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(Webinar)) == 0


def test_webinar_date_typed_with_a_space_instead_of_the_t_is_read(client, world, login):
    """A browser without a date-time picker lets « 2027-03-02 10:00 » be typed, the format the refusal names."""
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={"title": "CDI inclusion", "starts_at": "2027-03-02 10:00",
                                                        "duration_minutes": "60"})
    assert response.status_code == 302
    webinar = db.session.scalar(select(Webinar))
    assert webinar.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2027-03-02 10:00"


def test_webinar_time_on_the_day_the_clocks_change_is_kept_as_entered(client, world, login):
    """An existing time on a daylight-saving day is read as Paris time, not moved."""
    login(world.jurist)
    client.post("/webinaires/nouveau", data={"title": "CDI inclusion", "starts_at": "2027-03-28T10:00",
                                             "duration_minutes": "60"})
    webinar = db.session.scalar(select(Webinar))
    assert webinar.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M %z") == "2027-03-28 10:00 +0200"


@pytest.mark.parametrize("method, url", [("GET", "/webinaires/nouveau"), ("POST", "/webinaires/nouveau"),
                                         ("GET", "/webinaires/{id}/modifier"), ("POST", "/webinaires/{id}/questions")])
def test_webinar_management_is_for_jurists(client, world, login, method, url):
    webinar = make_webinar(world)
    login(world.member)
    response = client.open(url.format(id=webinar.id), method=method,
                           data={"title": "x", "question": "q ?", "answer": "r", "starts_at": "2030-01-01T10:00"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_jurists_cannot_register_through_the_page_and_anonymous_go_to_login(client, world, login):
    webinar = make_webinar(world)
    assert client.get("/webinaires/").headers["Location"].startswith("/connexion")
    login(world.jurist)
    assert client.post(f"/webinaires/{webinar.id}/inscription").status_code == 403
    assert client.get("/webinaires/999999").status_code == 404
    assert registrations() == 0


JOIN_URL = "https://visio.exemple.test/federation/pass-iae"


def page_of(client, webinar) -> str:
    """The webinar's page as the logged-in user sees it."""
    return client.get(f"/webinaires/{webinar.id}").get_data(as_text=True)


def outbox(kind: str) -> list[OutboxEmail]:
    """Queued mails of this kind, oldest first."""
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id)))


def test_connection_link_is_for_registered_members_and_staff_until_the_webinar_ends(client, world, login):
    webinar = make_webinar(world, join_url=JOIN_URL)
    services.register_interest(webinar, world.member)
    assert services.connection_link(webinar, AnonymousUserMixin()) is None
    assert [services.connection_link(webinar, user) for user in (world.member, world.colleague, world.outsider,
                                                                 world.jurist)] == [JOIN_URL, None, None, JOIN_URL]
    login(world.colleague)
    assert JOIN_URL not in page_of(client, webinar)
    login(world.member)
    assert JOIN_URL in page_of(client, webinar)
    webinar.starts_at = utcnow() - timedelta(minutes=30)  # under way (60 minutes): still shown
    db.session.commit()
    assert webinar.status_label == "En cours" and JOIN_URL in page_of(client, webinar)
    webinar.starts_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    assert [services.connection_link(webinar, user) for user in (world.member, world.jurist)] == [None, None]
    assert JOIN_URL not in page_of(client, webinar)
    login(world.jurist)
    assert JOIN_URL not in page_of(client, webinar)


def test_a_webinar_under_way_is_listed_with_the_upcoming_ones(world):
    ongoing = make_webinar(world, days=0, title="En direct")
    ongoing.starts_at, ongoing.duration_minutes = utcnow() - timedelta(minutes=100), 120
    db.session.commit()
    make_webinar(world, days=-1, title="Hier")
    upcoming, past = services.upcoming_and_past()
    assert [webinar.title for webinar in upcoming] == ["En direct"] and [webinar.title for webinar in past] == ["Hier"]


def test_jurist_enters_the_link_and_duration_and_bad_ones_are_refused_in_french(client, world, login):
    login(world.jurist)
    data = {"title": "CDI inclusion", "starts_at": "2030-03-01T10:00", "duration_minutes": "90", "join_url": JOIN_URL}
    page = client.post("/webinaires/nouveau", data=data, follow_redirects=True).get_data(as_text=True)
    webinar = db.session.scalar(select(Webinar))
    assert "webinaire enregistré." in page and JOIN_URL in page and "90 min" in page
    assert (webinar.join_url, webinar.ends_at - webinar.starts_at) == (JOIN_URL, timedelta(minutes=90))
    for field, value, message in (("join_url", "ftp://visio", "commençant par http:// ou https://"),
                                  ("duration_minutes", "5", "La durée va de 15 à 480 minutes."),
                                  ("duration_minutes", "", "Indiquez la durée en minutes.")):
        response = client.post(f"/webinaires/{webinar.id}/modifier", data=data | {field: value})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.refresh(webinar)
    assert (webinar.join_url, webinar.duration_minutes) == (JOIN_URL, 90)


def test_registering_queues_a_confirmation_with_the_paris_time_and_the_link(client, world, login):
    webinar = make_webinar(world, join_url=JOIN_URL, starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=PARIS))
    login(world.member)
    client.post(f"/webinaires/{webinar.id}/inscription")
    [mail] = outbox("webinar_registered")
    assert mail.to_address == world.member.email and mail.subject == f"Inscription confirmée : {webinar.title}"
    assert "15 janvier 2030 à 14:00 (heure de Paris)" in mail.text_body and JOIN_URL in mail.text_body
    assert f"/webinaires/{webinar.id}/agenda.ics" in mail.text_body and JOIN_URL in mail.html_body
    page = client.post(f"/webinaires/{webinar.id}/inscription", follow_redirects=True).get_data(as_text=True)
    # Already registered (a second click, another tab): told so as information, and no second mail.
    assert '<p class="flash flash-info">Vous êtes déjà inscrit(e) à ce webinaire.</p>' in page
    assert len(outbox("webinar_registered")) == 1


def test_confirmation_without_link_says_it_will_come_in_the_members_language(world):
    world.member.locale = "en"
    db.session.commit()
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    [mail] = outbox("webinar_registered")
    assert mail.subject == f"Registration confirmed: {webinar.title}"
    assert "Paris time" in mail.text_body
    assert "The connection link will be shown on the webinar's page" in mail.text_body


def test_reminder_goes_once_to_active_registered_members_of_webinars_within_a_day(runner, world):
    soon, later = make_webinar(world, days=0, join_url=JOIN_URL), make_webinar(world, days=3)
    soon.starts_at = utcnow() + timedelta(hours=20)
    db.session.commit()
    for webinar in (soon, later):
        services.register_interest(webinar, world.member)
    services.register_interest(soon, world.colleague)
    world.colleague.active = False
    db.session.commit()
    result = runner.invoke(args=["webinars", "remind"])
    assert result.exit_code == 0 and "Rappels de webinaire envoyés : 1." in result.output
    [mail] = outbox("webinar_reminder")
    assert mail.to_address == world.member.email and JOIN_URL in mail.text_body
    assert "Rappels de webinaire envoyés : 0." in runner.invoke(args=["webinars", "remind"]).output


def test_calendar_file_for_registered_members_in_utc_with_escaped_text(client, world, login):
    webinar = make_webinar(world, title="CDDI, CDI; et \\ contrats", join_url=JOIN_URL, duration_minutes=90,
                           starts_at=datetime(2030, 7, 1, 14, 0, tzinfo=PARIS),
                           description="Ligne 1\nLigne 2 : " + "é" * 80)
    login(world.member)
    assert client.get(f"/webinaires/{webinar.id}/agenda.ics").status_code == 403
    assert "Ajouter à mon agenda" not in page_of(client, webinar)
    client.post(f"/webinaires/{webinar.id}/inscription")
    assert "Ajouter à mon agenda" in page_of(client, webinar)
    response = client.get(f"/webinaires/{webinar.id}/agenda.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.get_data()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")) and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode().replace("\r\n ", "")
    assert "DTSTART:20300701T120000Z\r\n" in text and "DTEND:20300701T133000Z\r\n" in text
    assert f"UID:webinar-{webinar.id}@federation.example.test\r\n" in text
    assert "SUMMARY:CDDI\\, CDI\\; et \\\\ contrats\r\n" in text
    assert "DESCRIPTION:Ligne 1\\nLigne 2" in text and JOIN_URL in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    login(world.outsider)
    assert client.get(f"/webinaires/{webinar.id}/agenda.ics").status_code == 403
    login(world.jurist)
    assert client.get(f"/webinaires/{webinar.id}/agenda.ics").status_code == 200


def test_ics_escaping_and_folding_follow_rfc_5545():
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("DESCRIPTION:" + "é" * 60)
    assert [len(line.encode()) for line in folded.split("\r\n")] == [74, 59]
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "é" * 60


def test_registered_member_sends_and_withdraws_questions_that_only_staff_see(client, world, login):
    webinar = make_webinar(world)
    login(world.member)
    response = client.post(f"/webinaires/{webinar.id}/mes-questions", data={"text": "Question sans inscription ?"})
    assert "inscrivez-vous au webinaire" in response.get_data(as_text=True)
    client.post(f"/webinaires/{webinar.id}/inscription")
    page = client.post(f"/webinaires/{webinar.id}/mes-questions", data={"text": "Le PASS IAE se prolonge-t-il ?"},
                       follow_redirects=True).get_data(as_text=True)
    assert "votre question est transmise aux intervenants." in page and "Le PASS IAE se prolonge-t-il ?" in page
    question = db.session.scalar(select(WebinarQuestion))
    login(world.colleague)
    client.post(f"/webinaires/{webinar.id}/inscription")
    assert "Le PASS IAE se prolonge-t-il ?" not in page_of(client, webinar)
    assert client.post(f"/webinaires/{webinar.id}/mes-questions/{question.id}/supprimer").status_code == 404
    login(world.jurist)
    page = page_of(client, webinar)
    assert "Le PASS IAE se prolonge-t-il ?" in page and "Alice Membre · Chantier des Tests" in page
    login(world.member)
    url = f"/webinaires/{webinar.id}/mes-questions/{question.id}/supprimer"
    confirm = factories.confirmation_page(client, f"/webinaires/{webinar.id}", url,
                                          back=f"/webinaires/{webinar.id}#mes-questions")
    assert "Retirer votre question ?" in confirm and "Le PASS IAE se prolonge-t-il ?" in confirm
    assert "Retirer ma question" in confirm and db.session.scalar(select(func.count(WebinarQuestion.id))) == 1
    page = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "votre question est retirée." in page and db.session.scalar(select(func.count(WebinarQuestion.id))) == 0
    assert client.get(url).status_code == 404


def test_withdrawing_a_question_is_for_its_author_and_before_the_webinar_only(client, world, login):
    """Another member does not find the confirmation page, the team may not open it, and once the webinar has started
    it is not offered: the page says why."""
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    question = services.send_question(webinar, world.member, "Le PASS IAE se prolonge-t-il ?")
    url = f"/webinaires/{webinar.id}/mes-questions/{question.id}/supprimer"
    login(world.colleague)
    assert client.get(url).status_code == 404
    login(world.jurist)
    assert client.get(url).status_code == 403
    webinar.starts_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    login(world.member)
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith("#mes-questions")
    assert "ne peuvent plus être retirées" in html.unescape(page_of(client, webinar))
    assert db.session.scalar(select(func.count(WebinarQuestion.id))) == 1


@pytest.mark.parametrize("text, message", [("   ", "Écrivez votre question."),
                                           ("x" * 1001, "1\u202f000 caractères au maximum (votre texte en compte 1\u202f001).")])
def test_blank_or_too_long_question_is_refused_and_kept_on_the_page(client, world, login, text, message):
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    login(world.member)
    response = client.post(f"/webinaires/{webinar.id}/mes-questions", data={"text": text})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and message in page and text.strip() in page
    assert 'rien n\'a été enregistré. Voyez l\'erreur sous « <a href="#text">Votre question</a> ».' in page
    assert db.session.scalar(select(func.count(WebinarQuestion.id))) == 0


def test_questions_close_when_the_webinar_starts_and_are_limited_per_member(world):
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    for number in range(services.QUESTIONS_PER_MEMBER):
        question = services.send_question(webinar, world.member, f"Question {number} ?")
    with pytest.raises(InvalidInput, match="déjà envoyé 5 questions"):
        services.send_question(webinar, world.member, "Une de trop ?")
    with pytest.raises(Forbidden):
        services.send_question(webinar, world.jurist, "Question de juriste ?")
    with pytest.raises(Forbidden):
        services.questions_sent(webinar, world.member)
    with frozen_time(webinar.starts_at + timedelta(minutes=1)):
        with pytest.raises(InvalidInput, match="ne peuvent plus être retirées"):
            services.delete_question(webinar, question.id, world.member)
        with pytest.raises(InvalidInput, match="a commencé"):
            services.send_question(webinar, world.member, "En retard ?")
    assert len(services.own_questions(webinar, world.member)) == services.QUESTIONS_PER_MEMBER


def test_an_advance_question_sent_again_is_recorded_once(client, world, login):
    """Back then Send, a double click: the same text is the question already sent; other words are a new one, and a
    text already sent is still found once the member reached the maximum."""
    webinar = make_webinar(world)
    login(world.member)
    client.post(f"/webinaires/{webinar.id}/inscription")
    for _ in range(3):
        page = client.post(f"/webinaires/{webinar.id}/mes-questions", data={"text": " Le PASS IAE se prolonge-t-il ? "},
                           follow_redirects=True).get_data(as_text=True)
        assert "votre question est transmise aux intervenants." in page
    assert [question.text for question in services.own_questions(webinar, world.member)] == [
        "Le PASS IAE se prolonge-t-il ?"]
    for number in range(services.QUESTIONS_PER_MEMBER - 1):
        services.send_question(webinar, world.member, f"Question {number} ?")
    assert services.send_question(webinar, world.member, "Question 0 ?").text == "Question 0 ?"
    assert len(services.own_questions(webinar, world.member)) == services.QUESTIONS_PER_MEMBER


def test_an_advance_question_sent_twice_at_once_is_recorded_once(app, world, monkeypatch):
    """Two submissions at the same moment, each from its own connection: the second waits for the first and finds its
    question (a look before recording alone would let both through)."""
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    looked_up = services.own_questions

    def slow_lookup(webinar, user):
        """Look the member's questions up, then give the other submission time to do the same."""
        found = looked_up(webinar, user)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(services, "own_questions", slow_lookup)
    # Read here: the test's own objects must not load anything from the threads (one session, two connections).
    webinar_id, member_id = webinar.id, world.member.id

    outcomes = factories.twice_at_once(app, lambda: services.send_question(
        db.session.get(Webinar, webinar_id), db.session.get(User, member_id), "Question envoyée deux fois ?").id)
    assert len(outcomes) == 2 and outcomes[0] == outcomes[1], outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count(WebinarQuestion.id))) == 1


def test_member_arriving_while_the_webinar_is_under_way_registers_and_gets_the_link(client, world, login):
    webinar = make_webinar(world, days=0, join_url=JOIN_URL)
    webinar.starts_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    login(world.member)
    page = page_of(client, webinar)
    assert "En cours" in page and "Le webinaire est en cours : inscrivez-vous" in page and JOIN_URL not in page
    page = client.post(f"/webinaires/{webinar.id}/inscription", follow_redirects=True).get_data(as_text=True)
    assert "votre inscription est enregistrée." in page and "a déjà eu lieu" not in page
    assert f'href="{JOIN_URL}"' in page and "Vous êtes inscrit(e)." in page
    assert "Annuler mon inscription" not in page and "Envoyer ma question" not in page
    with frozen_time(webinar.ends_at + timedelta(minutes=1)):
        with pytest.raises(InvalidInput, match="déjà eu lieu"):
            services.register_interest(webinar, world.colleague)


def test_cancelling_a_registration_withdraws_the_questions_sent_ahead(client, world, login):
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    services.register_interest(webinar, world.colleague)
    for text in ("Le PASS IAE se prolonge-t-il ?", "Et le CDI inclusion ?"):
        services.send_question(webinar, world.member, text)
    services.send_question(webinar, world.colleague, "Question de la collègue ?")
    login(world.member)
    assert "Vos questions envoyées à l'avance seront retirées." in html.unescape(page_of(client, webinar))
    asked = client.post(f"/webinaires/{webinar.id}/desinscription")
    confirm = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and f"Annuler votre inscription à « {webinar.title} » ?" in confirm
    assert "Les 2 questions que vous avez envoyées à l'avance seront retirées" in confirm
    assert "Le PASS IAE se prolonge-t-il ?" in confirm and "Et le CDI inclusion ?" in confirm
    assert "Me désinscrire et retirer mes questions" in confirm and f'href="/webinaires/{webinar.id}">Annuler</a>' in confirm
    assert services.is_registered(webinar, world.member) and db.session.scalar(
        select(func.count(WebinarQuestion.id))) == 3, "asking withdraws nothing"
    page = html.unescape(client.post(f"/webinaires/{webinar.id}/desinscription", data={"confirme": "1"},
                                     follow_redirects=True).get_data(as_text=True))
    assert "votre inscription est annulée et les 2 questions que vous aviez envoyées à l'avance sont retirées." in page
    assert "Le PASS IAE se prolonge-t-il ?" not in page
    assert [question.text for question in db.session.scalars(select(WebinarQuestion))] == ["Question de la collègue ?"]
    login(world.jurist)
    page = page_of(client, webinar)
    assert "Le PASS IAE se prolonge-t-il ?" not in page and "Question de la collègue ?" in page


def test_cancelling_once_the_webinar_started_keeps_the_questions_the_speakers_prepared(world):
    webinar = make_webinar(world)
    services.register_interest(webinar, world.member)
    services.send_question(webinar, world.member, "Le PASS IAE se prolonge-t-il ?")
    with frozen_time(webinar.starts_at + timedelta(minutes=5)):
        assert services.cancel_registration(webinar, world.member) == 0
    assert len(services.own_questions(webinar, world.member)) == 1 and registrations() == 0


def edit_webinar(client, webinar, **changes) -> None:
    """Post the webinar's edit form with its current values and `changes`, as the logged-in jurist."""
    data = {"title": webinar.title, "starts_at": webinar.starts_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": str(webinar.duration_minutes), "description": webinar.description,
            "speakers": "\n".join(webinar.speakers), "join_url": webinar.join_url,
            "themes": [str(theme.id) for theme in webinar.themes]}
    response = client.post(f"/webinaires/{webinar.id}/modifier", data=data | changes)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_registered_members_are_told_when_the_time_duration_or_link_changes(client, world, login):
    webinar = make_webinar(world, join_url=JOIN_URL, starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=PARIS))
    world.colleague.locale = "en"
    db.session.commit()
    for member in (world.member, world.colleague):
        services.register_interest(webinar, member)
    login(world.jurist)
    edit_webinar(client, webinar, title="Réforme IAE : le PASS IAE, deuxième partie", description="Programme")
    assert outbox("webinar_changed") == [], "other fields: no mail"
    edit_webinar(client, webinar, starts_at="2030-01-16T09:30")
    french, english = outbox("webinar_changed")
    assert (french.to_address, english.to_address) == (world.member.email, world.colleague.email)
    assert french.subject == "Webinaire modifié : Réforme IAE : le PASS IAE, deuxième partie"
    assert "il était prévu le 15 janvier 2030 à 14:00" in french.text_body
    assert "16 janvier 2030 à 09:30 (heure de Paris)" in french.text_body and JOIN_URL in french.html_body
    assert english.subject.startswith("Webinar changed") and "Paris time" in english.text_body
    new_link = "https://visio.exemple.test/federation/nouveau-lien"
    edit_webinar(client, webinar, join_url=new_link)
    edit_webinar(client, webinar, duration_minutes="90")
    link_mail, duration_mail = outbox("webinar_changed")[2::2]
    assert "Le lien de connexion du webinaire" in link_mail.text_body and new_link in link_mail.text_body
    assert "il était prévu" not in link_mail.text_body and "durée 90 min" in duration_mail.text_body
    assert len(outbox("webinar_changed")) == 6


def test_no_change_notice_for_a_past_webinar_or_an_unregistered_member(world):
    webinar = make_webinar(world, days=-3)
    services.save_webinar(webinar, WebinarValues(title=webinar.title, starts_at=webinar.starts_at,
                                                 join_url=JOIN_URL), world.jurist)
    upcoming = make_webinar(world)
    services.register_interest(upcoming, world.member)
    services.cancel_registration(upcoming, world.member)
    services.save_webinar(upcoming, WebinarValues(title=upcoming.title, starts_at=upcoming.starts_at,
                                                  join_url=JOIN_URL), world.jurist)
    assert outbox("webinar_changed") == []


def test_a_past_webinar_offers_its_registered_member_no_cancelling_and_no_question_ahead(client, world, login):
    """Once the webinar was over, a registered member was still offered « Annuler mon inscription » and the form to
    send a question ahead (refused when sent), and their questions were listed twice under the same heading."""
    webinar = make_webinar(world, days=1)
    services.register_interest(webinar, world.member)
    services.send_question(webinar, world.member, "Le CDI inclusion est-il cumulable avec un temps partiel ?")
    with frozen_time(webinar.ends_at + timedelta(minutes=5)):
        login(world.member)
        page = client.get(f"/webinaires/{webinar.id}").get_data(as_text=True)
    assert "Annuler mon inscription" not in page and "/mes-questions\"" not in page
    assert page.count('id="mes-questions"') == 1
    assert page.count("Le CDI inclusion est-il cumulable avec un temps partiel ?") == 1


def test_the_registration_button_says_what_follows_in_plain_french(client, world, login):
    """« Inscrit(e), vous recevrez …, le lien de connexion et pourrez envoyer … » read as if the member were already
    registered and lost its subject on the way."""
    webinar = make_webinar(world)
    login(world.member)
    page = html.unescape(client.get(f"/webinaires/{webinar.id}").get_data(as_text=True))
    assert ("Une fois inscrit(e), vous recevrez une confirmation par courriel et le lien de connexion, et vous pourrez "
            "envoyer vos questions à l'avance.") in page


def test_a_webinar_title_typed_with_line_breaks_is_kept_on_one_line(world):
    """A title goes into mail subjects and lists on one line: a line break forged into it is a space."""
    assert make_webinar(world, title="Réforme IAE\r\n : le PASS IAE").title == "Réforme IAE : le PASS IAE"
