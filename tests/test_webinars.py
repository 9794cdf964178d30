"""Webinars: programme, registration of interest, Q&A published as searchable FAQ resources."""
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.kb import indexing, searching
from helpdesk.i18n import PARIS
from helpdesk.models import Article, SearchChange, Webinar, WebinarRegistration
from helpdesk.models._types import utcnow
from helpdesk.webinars import services
from helpdesk.webinars.services import WebinarValues


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
    services.register_interest(webinar, world.member)
    with pytest.raises(InvalidInput, match="déjà inscrit"):
        services.register_interest(webinar, world.member)
    services.register_interest(webinar, world.colleague)
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
                                          ("theme_ids", (999999,))])
def test_bad_webinar_values_are_refused(world, field, value):
    with pytest.raises(InvalidInput):
        make_webinar(world, **{field: value})


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
    assert "Votre inscription est enregistrée." in page and "Annuler mon inscription" in page
    assert "membre(s) inscrit(s)" not in page
    login(world.jurist)
    assert "1 membre(s) inscrit(s)" in client.get(f"/webinaires/{upcoming.id}").get_data(as_text=True)
    login(world.member)
    client.post(f"/webinaires/{upcoming.id}/desinscription")
    assert registrations() == 0


def test_editing_a_webinar_keeps_a_theme_retired_since(client, world, login):
    """Saving the webinar's edit form used to drop its retired theme (only active ones were offered)."""
    values = WebinarValues(title="Réforme IAE", starts_at=utcnow() + timedelta(days=7), theme_ids=(world.theme.id,))
    webinar = services.save_webinar(None, values, world.jurist)
    world.theme.active = False
    db.session.commit()
    login(world.jurist)
    page = client.get(f"/webinaires/{webinar.id}/modifier").get_data(as_text=True)
    assert f'<option selected value="{world.theme.id}">Réforme IAE (thème retiré)</option>' in page
    starts_at = (utcnow() + timedelta(days=7)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/webinaires/{webinar.id}/modifier", data={
        "title": "Réforme IAE : le point", "starts_at": starts_at, "themes": [str(world.theme.id)]})
    assert response.status_code == 302
    db.session.refresh(webinar)
    assert webinar.title == "Réforme IAE : le point" and [theme.id for theme in webinar.themes] == [world.theme.id]


def test_jurist_programmes_a_webinar_and_enters_its_qa_through_the_pages(client, world, login):
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={
        "title": "CDI inclusion", "starts_at": "2020-03-01T10:00", "speakers": "Léa Juriste\nHugo Juriste",
        "themes": [str(world.theme.id)], "slides_url": "https://exemple.test/diapos.pdf"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Webinaire enregistré." in page and "Hugo Juriste" in page and "Diaporama" in page
    webinar_id = int(response.request.path.rsplit("/", 1)[1])
    page = client.post(f"/webinaires/{webinar_id}/questions", data={
        "question": "Qui peut signer un CDI inclusion ?", "answer": "Les **ACI** et les **EI**."},
        follow_redirects=True).get_data(as_text=True)
    assert "Question publiée dans la FAQ" in page and "Qui peut signer un CDI inclusion ?" in page
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
    assert response.status_code == 200 and message in page
    assert next(value for value in data.values() if value) in page
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize("starts_at, message", [
    ("1990-01-01T10:00", "Indiquez une date entre 2000 et 2099."),
    ("2027-03-28T02:30", "Cette heure n'existe pas à Paris ce jour-là (passage à l'heure d'été)"),
    ("2027-10-31T02:30", "Cette heure existe deux fois à Paris ce jour-là (passage à l'heure d'hiver)"),
])
def test_webinar_date_out_of_range_or_not_a_paris_time_is_refused(client, world, login, starts_at, message):
    """A 1990 date, a time the clocks skip or one they repeat: a French message on the form, nothing saved."""
    login(world.jurist)
    response = client.post("/webinaires/nouveau", data={"title": "CDI inclusion", "starts_at": starts_at})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(Webinar)) == 0


def test_webinar_time_on_the_day_the_clocks_change_is_kept_as_entered(client, world, login):
    """An existing time on a daylight-saving day is read as Paris time, not moved."""
    login(world.jurist)
    client.post("/webinaires/nouveau", data={"title": "CDI inclusion", "starts_at": "2027-03-28T10:00"})
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
