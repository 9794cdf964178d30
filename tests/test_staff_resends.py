"""Staff forms sent again (a double click on « Enregistrer » or « Créer », Back then the button, a replayed post): a
resource, a flash info draft, a canned answer or a webinar is created once."""
import io
import time

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.kb import services as kb_services
from helpdesk.models import Article, CannedAnswer, FlashBulletin, User, Webinar
from helpdesk.triage import canned
from tests import factories

BODY = "Le décret du 30 novembre précise les conditions du CDI inclusion pour les salariés de plus de 57 ans."


def resource_post(world, **overrides) -> dict:
    """A new resource as its form posts it."""
    return {"title": "CDI inclusion : le décret", "body": BODY, "type": "decryptage", "visibility": "members",
            "themes": [world.theme.slug], **overrides}


def flash_post(world, **overrides) -> dict:
    """A new flash info bulletin as its form posts it."""
    return {"title": "CDI inclusion : le décret est paru", "summary": "Publié ce matin.", "body": BODY,
            "themes": [world.theme.slug], "audience": "all", **overrides}


def canned_post(world, **overrides) -> dict:
    """A new canned answer as its form posts it."""
    return {"title": "Demande de contrat", "body": "Bonjour {prenom_membre}, pouvez-vous joindre le contrat ?",
            "status_after": "waiting", **overrides}


def webinar_post(world, **overrides) -> dict:
    """A new webinar as its form posts it."""
    return {"title": "CDI inclusion", "starts_at": "2027-03-02T10:00", "duration_minutes": "60",
            "description": "Le décret expliqué.", "themes": [str(world.theme.id)], **overrides}


FORMS = [
    pytest.param("/ressources/nouvelle", resource_post, Article, "body", id="resource"),
    pytest.param("/flash/nouveau", flash_post, Article, "body", id="flash"),
    pytest.param("/reponses-types/nouvelle", canned_post, CannedAnswer, "body", id="canned-answer"),
    pytest.param("/webinaires/nouveau", webinar_post, Webinar, "description", id="webinar"),
]


def count(model) -> int:
    """How many rows of `model` exist."""
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("url, post, model, text_field", FORMS)
def test_a_staff_form_sent_twice_creates_one_entry(client, world, login, url, post, model, text_field):
    """The second sending lands where the first did and creates nothing; another title and text, or the same form sent
    by a colleague, is a new entry."""
    login(world.jurist)
    first = client.post(url, data=post(world))
    second = client.post(url, data=post(world))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(model) == 1
    client.post(url, data=post(world, title="Un autre titre", **{text_field: "Un autre texte, écrit autrement."}))
    assert count(model) == 2
    if model is not CannedAnswer:  # a canned answer's title is the team's: a colleague's is refused as taken
        login(world.jurist2)
        assert client.post(url, data=post(world)).status_code == 302
        assert count(model) == 3


def test_the_same_flash_info_for_another_audience_is_another_bulletin(client, world, login):
    """Sent twice, one draft with its audience; the same text for other regions is a second bulletin, the first
    keeping its own audience."""
    login(world.jurist)
    for _ in range(2):
        client.post("/flash/nouveau", data=flash_post(world, audience="targeted", regions=["bretagne"]))
    [bulletin] = db.session.scalars(select(FlashBulletin)).all()
    assert not bulletin.all_members and bulletin.regions == ["bretagne"]
    client.post("/flash/nouveau", data=flash_post(world, audience="targeted", regions=["normandie"]))
    assert [bulletin.regions for bulletin in db.session.scalars(select(FlashBulletin).order_by(
        FlashBulletin.article_id))] == [["bretagne"], ["normandie"]]


def test_a_resource_published_meanwhile_is_not_taken_for_the_draft_sent_again(client, world, login):
    """Only a draft is the entry sent again: once published, the same form posted again makes a new draft (nothing
    published changes behind its readers' back)."""
    login(world.jurist)
    client.post("/ressources/nouvelle", data=resource_post(world))
    article = db.session.scalar(select(Article))
    client.post(f"/ressources/{article.slug}/statut", data={"status": "published"})
    client.post("/ressources/nouvelle", data=resource_post(world))
    assert sorted(db.session.scalars(select(Article.status))) == ["draft", "published"]



def test_a_resource_sent_again_with_a_file_added_is_the_draft_with_that_file(client, world, login):
    """Back, a file added, « Enregistrer »: the draft already created gets the file (it was not there); the same file
    sent once more is not stored twice."""
    login(world.jurist)
    client.post("/ressources/nouvelle", data=resource_post(world), content_type="multipart/form-data")
    for _ in range(2):
        response = client.post("/ressources/nouvelle", content_type="multipart/form-data", data=resource_post(
            world, attachments=[(io.BytesIO(factories.pdf_bytes()), "modele-avenant.pdf")]))
        assert response.status_code == 302
    [article] = db.session.scalars(select(Article)).all()
    assert [attachment.filename for attachment in article.attachments] == ["modele-avenant.pdf"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "modele-avenant.pdf" in page


@pytest.mark.parametrize("module, save", [
    pytest.param(kb_services, lambda jurist: kb_services.save_article(None, {
        "title": "Sent twice", "body": BODY, "type": "decryptage", "visibility": "members"}, jurist), id="resource"),
    pytest.param(canned, lambda jurist: canned.save_canned_answer(jurist, None, "Sent twice", "Bonjour."),
                 id="canned-answer"),
])
def test_a_staff_entry_sent_twice_at_once_is_created_once(app, world, monkeypatch, module, save):
    """Two sendings at the same moment, each from its own connection: the second waits for the first and finds its
    entry (a look before creating alone would let both through, or refuse the second as a duplicate title)."""
    looked_up = module.resent_entry

    def slow_lookup(*args, **values):
        """Look for the entry, then give the other sending time to do the same."""
        found = looked_up(*args, **values)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(module, "resent_entry", slow_lookup)
    # Read here: the test's own objects must not load anything from the threads (one session, two connections).
    jurist_id = world.jurist.id
    outcomes = factories.twice_at_once(app, lambda: save(db.session.get(User, jurist_id)).id)
    assert len(outcomes) == 2 and outcomes[0] == outcomes[1], outcomes
    db.session.expire_all()
    assert count(Article) + count(CannedAnswer) == 1
