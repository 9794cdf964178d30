"""Forms without a valid CSRF token are refused (CSRF protection on, as in production)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.api.tokens import create_token
from helpdesk.attachments.services import save_upload
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.kb.services import save_article
from helpdesk.models import ApiToken, Attachment, Message, RoutingRule, Ticket, WebinarQuestion
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.triage import routing
from helpdesk.webinars.services import WebinarValues, register_interest, save_webinar, send_question
from tests import factories
from tests.factories import docx_bytes
from tests.test_kb import add_article


@pytest.fixture
def app(app):
    """The test application with CSRF protection switched back on."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _token(client, url: str) -> str:
    """The CSRF token embedded in a page's form."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, user) -> None:
    """Log in through the form, token included."""
    response = client.post("/connexion", data={"email": user.email, "password": factories.PASSWORD,
                                               "csrf_token": _token(client, "/connexion")})
    assert response.status_code == 302


def _messages() -> int:
    """How many messages exist."""
    return db.session.scalar(select(func.count()).select_from(Message))


def test_login_without_token_is_refused(client, world):
    response = client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "le formulaire a expiré ou n&#39;est pas valide." in page and "CSRF" not in page
    assert client.get("/questions/").status_code == 302


def test_reply_without_token_is_refused_and_changes_nothing(client, world):
    ticket = factories.make_ticket(world.member)
    _login(client, world.member)
    response = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Sans jeton."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "le formulaire a expiré ou n&#39;est pas valide." in page and "Requête invalide" in page
    assert _messages() == 0


def test_reply_with_a_forged_token_is_refused(client, world):
    ticket = factories.make_ticket(world.member)
    _login(client, world.member)
    response = client.post(f"/questions/{ticket.reference}/repondre",
                           data={"body": "Jeton forgé.", "csrf_token": "forged"})
    assert response.status_code == 400
    assert _messages() == 0


def test_reply_with_the_pages_token_works(client, world):
    ticket = factories.make_ticket(world.member)
    _login(client, world.member)
    token = _token(client, f"/questions/{ticket.reference}")
    response = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Avec jeton.", "csrf_token": token})
    assert response.status_code == 302
    assert _messages() == 1


def test_button_forms_need_the_token_too(client, world):
    ticket = factories.make_ticket(world.member)
    _login(client, world.member)
    assert client.post(f"/questions/{ticket.reference}/cloturer").status_code == 400
    db.session.refresh(ticket)
    assert ticket.status == "new"
    token = _token(client, f"/questions/{ticket.reference}")
    client.post(f"/questions/{ticket.reference}/cloturer", data={"csrf_token": token, "confirme": "1"})
    db.session.refresh(ticket)
    assert ticket.status == "closed"


def test_a_drafts_publish_button_needs_the_pages_token(client, world):
    """« Publier » on a draft resource's page is a form of its own: without the page's token it publishes nothing."""
    article = add_article("brouillon-bouton", "Brouillon à publier", "Texte en cours.", status="draft")
    _login(client, world.jurist)
    url = f"/ressources/{article.slug}/statut"
    assert client.post(url, data={"status": "published"}).status_code == 400
    db.session.refresh(article)
    assert article.status == "draft"
    token = _token(client, f"/ressources/{article.slug}")
    assert client.post(url, data={"status": "published", "csrf_token": token}).status_code == 302
    db.session.refresh(article)
    assert article.status == "published"


def test_logout_without_token_keeps_the_session(client, world):
    _login(client, world.member)
    assert client.post("/deconnexion").status_code == 400
    assert client.get("/questions/").status_code == 200


def test_filing_without_token_writes_nothing(client, world):
    _login(client, world.member)
    response = client.post("/questions/nouvelle", data={"subject": "Sans jeton", "theme": world.theme.id,
                                                        "body": "Une description bien assez longue.", "priority": 1})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def _exists(model, object_id: int) -> bool:
    """Whether the row is still in the database."""
    return db.session.scalar(select(func.count()).select_from(model).where(model.id == object_id)) == 1


def _routing_rule(world):
    """An admin, the confirmation page deleting a routing rule, and whether the rule is still there."""
    rule = routing.add_rule(world.admin, world.theme.id, None, None)
    return world.admin, f"/admin/routage/{rule.id}/supprimer", lambda: _exists(RoutingRule, rule.id)


def _resource_file(world):
    """A jurist, the confirmation page withdrawing a resource's file, and whether the file is still there."""
    item = save_article(None, {"slug": "modele", "title": "Modèle", "body": "Texte", "visibility": "members"},
                        world.jurist)
    attachment = save_upload(docx_bytes(), "modele.docx", uploader=world.jurist, article=item)
    db.session.commit()
    return world.jurist, f"/pieces-jointes/{attachment.id}/retirer", lambda: _exists(Attachment, attachment.id)


def _api_token(world):
    """A member, the confirmation page revoking their API token, and whether the token is still in force."""
    token = create_token(world.member, "Outil de suivi", "read", 30)[0]
    return world.member, f"/compte/jetons/{token.id}/revoquer", lambda: db.session.scalar(
        select(ApiToken.revoked_at).where(ApiToken.id == token.id)) is None


def _webinar_question(world):
    """A member, the confirmation page withdrawing the question they sent ahead, and whether it is still there."""
    webinar = save_webinar(None, WebinarValues(title="Webinaire", starts_at=utcnow() + timedelta(days=7)), world.jurist)
    register_interest(webinar, world.member)
    question = send_question(webinar, world.member, "Le PASS IAE se prolonge-t-il ?")
    return (world.member, f"/webinaires/{webinar.id}/mes-questions/{question.id}/supprimer",
            lambda: _exists(WebinarQuestion, question.id))


@pytest.mark.parametrize("make", [_routing_rule, _resource_file, _api_token, _webinar_question],
                         ids=["routing-rule", "resource-file", "api-token", "webinar-question"])
def test_confirmation_page_buttons_need_the_pages_token(client, world, make):
    """Without a token the confirmation's button changes nothing; with the token of the page, it acts."""
    user, url, still_there = make(world)
    _login(client, user)
    assert client.post(url).status_code == 400
    assert still_there()
    assert client.post(url, data={"csrf_token": _token(client, url)}).status_code == 302
    assert not still_there()


def test_a_password_typed_in_a_confirmation_page_needs_the_pages_token(client, world):
    """A forged deletion carrying a guessed « Mot de passe actuel » deletes nothing and confirms nothing."""
    ticket = factories.make_ticket(world.member)
    _login(client, world.admin)
    path = f"/questions/{ticket.reference}/supprimer"
    with frozen_time(utcnow() + timedelta(minutes=11)):
        assert client.post(path, data={"current_password": factories.PASSWORD}).status_code == 400
        assert 'name="current_password"' in client.get(path).get_data(as_text=True)
        assert db.session.get(Ticket, ticket.id) is not None
        response = client.post(path, data={"current_password": factories.PASSWORD, "csrf_token": _token(client, path)})
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id) is None


def test_suggestions_while_typing_are_posted_with_the_forms_token_never_in_the_address(client, world):
    """The words of a question (an employee's situation) are posted: they stay out of proxy and server logs."""
    add_article("activite-partielle-membres", "Activité partielle en chantier d'insertion",
                "Les salariés en insertion peuvent bénéficier de l'activité partielle.", visibility="members")
    indexing.sync()
    _login(client, world.member)
    token = _token(client, "/questions/nouvelle")
    words = {"subject": "Activité partielle", "body": "Nos salariés en insertion peuvent-ils en bénéficier ?"}
    response = client.post("/ressources/suggestions", data={**words, "csrf_token": token})
    assert response.status_code == 200 and "/ressources/activite-partielle-membres" in response.get_data(as_text=True)
    assert client.post("/ressources/suggestions", data=words).status_code == 400
    script = client.get("/static/js/suggest.js").get_data(as_text=True)
    assert 'method: "POST"' in script and "?subject=" not in script
