"""Staleness of resources: review deadline, amended references, "à vérifier" list and notice."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.kb import review
from helpdesk.kb.services import save_article
from helpdesk.models import Event
from helpdesk.models._types import frozen_time, utcnow
from tests.test_kb import add_article

NOTICE = "Cette ressource est en cours de vérification"


@pytest.fixture
def shelf(world):
    """Three published resources citing L5132-5 in different ways, one citing nothing, one draft."""
    today = utcnow().date()
    world.recent = add_article("cddi-recent", "CDDI récent", "Texte.", visibility="members",
                               legal_refs=["C. trav. art. L5132-5"], updated_on=today.isoformat())
    world.spaced = add_article("cddi-espaces", "CDDI espacé", "Texte.", visibility="members",
                               legal_refs=["L. 5132-5", "R. 5132-1-3"], updated_on=today.isoformat())
    world.old = add_article("vieux-texte", "Vieux texte", "Texte.", visibility="members",
                            updated_on=(today - timedelta(days=800)).isoformat())
    world.draft = add_article("brouillon-l5132", "Brouillon", "Texte.", status="draft", legal_refs=["art. L5132-5"])
    return world


@pytest.mark.parametrize("written", ["art. L5132-5", "L. 5132-5", "C. trav. L5132-5", "L5132-5", "l.5132-5",
                                     "Code du travail, article L 5132-5"])
def test_reference_spellings_normalise_to_one_form(written):
    assert review.normalise_reference(written) == "L5132-5"


def test_different_articles_do_not_normalise_alike():
    assert review.normalise_reference("R. 5132-1-3") == "R5132-1-3"
    assert review.normalise_reference("L5132-50") != review.normalise_reference("L5132-5")
    assert review.normalise_reference("Loi n° 2020-1577") == "loi n° 2020-1577"


def test_only_old_resources_are_due_for_review(app, shelf):
    assert [article.slug for article in review.articles_to_review()] == ["vieux-texte"]
    app.config["KB_REVIEW_AFTER_DAYS"] = 1000
    assert review.articles_to_review() == []


def test_articles_citing_a_reference_however_written(shelf):
    slugs = {article.slug for article in review.articles_citing("C. trav. art. L. 5132-5")}
    assert slugs == {"cddi-recent", "cddi-espaces", "brouillon-l5132"}
    assert review.articles_citing("L5132-50") == []


def test_flagging_an_amended_reference_flags_every_citing_resource(shelf):
    count = review.flag_articles_citing("L5132-5", shelf.jurist, "Décret du 30 décembre")
    assert count == 3
    due = [article.slug for article in review.articles_to_review()]
    assert set(due) == {"cddi-recent", "cddi-espaces", "vieux-texte"}
    assert due[-1] == "vieux-texte", "flagged resources come first"
    assert shelf.recent.review_note == "Décret du 30 décembre"
    assert db.session.scalar(select(Event.data).where(Event.kind == "legal_reference_amended"))["reference"] == "L5132-5"


def test_flagging_is_for_jurists_and_needs_a_cited_reference(shelf):
    with pytest.raises(Forbidden):
        review.flag_articles_citing("L5132-5", shelf.member)
    with pytest.raises(InvalidInput):
        review.flag_articles_citing("L9999-9", shelf.jurist)
    assert shelf.recent.review_flagged_at is None


def test_marking_reviewed_clears_the_flag_and_stamps_dates(shelf):
    review.flag_articles_citing("L5132-5", shelf.jurist)
    moment = utcnow() + timedelta(days=3)
    with frozen_time(moment):
        review.mark_reviewed(shelf.recent, shelf.jurist)
        review.mark_reviewed(shelf.old, shelf.jurist)
    assert shelf.recent.review_flagged_at is None and shelf.recent.review_note is None
    assert shelf.recent.reviewed_at == moment and shelf.recent.updated_on == moment.date()
    assert {article.slug for article in review.articles_to_review()} == {"cddi-espaces"}


def test_review_deadline_counts_from_the_last_review(app, shelf):
    review.mark_reviewed(shelf.old, shelf.jurist)
    app.config["KB_REVIEW_AFTER_DAYS"] = 30
    assert shelf.old not in review.articles_to_review()
    with frozen_time(utcnow() + timedelta(days=31)):
        assert shelf.old in review.articles_to_review()


def test_member_sees_the_notice_only_on_resources_being_checked(client, shelf, login):
    review.flag_articles_citing("L5132-5", shelf.jurist)
    login(shelf.member)
    assert NOTICE in client.get("/ressources/cddi-recent").get_data(as_text=True)
    assert NOTICE in client.get("/ressources/vieux-texte").get_data(as_text=True)
    review.mark_reviewed(shelf.recent, shelf.jurist)
    page = client.get("/ressources/cddi-recent").get_data(as_text=True)
    assert NOTICE not in page and "Marquer comme vérifiée" not in page


def test_jurist_flags_from_the_reference_page_and_clears_from_the_article(client, shelf, login):
    login(shelf.jurist)
    listing = client.get("/ressources/references?reference=art.+L.+5132-5").get_data(as_text=True)
    assert "3 ressources citent L5132-5" in listing and "CDDI espacé" in listing and "Vieux texte" not in listing
    response = client.post("/ressources/references", data={"reference": "L. 5132-5", "note": "Loi du 1er mars"},
                           follow_redirects=True)
    assert "3 ressources marquées « à vérifier »" in response.get_data(as_text=True)
    to_review = client.get("/ressources/a-verifier").get_data(as_text=True)
    assert "CDDI récent" in to_review and "Loi du 1er mars" in to_review and "Brouillon" not in to_review
    client.post("/ressources/cddi-recent/verifiee")
    assert "CDDI récent" not in client.get("/ressources/a-verifier").get_data(as_text=True)
    db.session.refresh(shelf.recent)
    assert shelf.recent.updated_on == utcnow().date()


def test_unknown_reference_is_refused_with_a_message(client, shelf, login):
    login(shelf.jurist)
    response = client.post("/ressources/references", data={"reference": "L1234-5"}, follow_redirects=True)
    assert "aucune ressource ne cite cette référence." in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url", [("GET", "/ressources/a-verifier"), ("GET", "/ressources/references"),
                                         ("POST", "/ressources/references"), ("POST", "/ressources/cddi-recent/verifiee")])
def test_review_pages_are_for_jurists(client, shelf, login, method, url):
    login(shelf.member)
    assert client.open(url, method=method, data={"reference": "L5132-5"}).status_code == 403
    assert shelf.recent.review_flagged_at is None and shelf.recent.reviewed_at is None


def test_reserved_slugs_are_refused(world):
    with pytest.raises(InvalidInput):
        save_article(None, {"slug": "a-verifier", "title": "Titre", "body": "Texte"}, world.jurist)
