"""Error pages are French and bare; an error inside a request rolls back everything it wrote."""
import re

import pytest
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import NotFound

from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import Event, Message, Ticket
from helpdesk.tickets import services
from tests import factories
from tests.test_kb import add_article

LEAKS = ("Traceback", "Error", "Exception", "sqlalchemy", "werkzeug", "File \"")


@pytest.fixture
def production_errors(app):
    """Let the app turn exceptions into its 500 page, as in production, instead of raising them in the test."""
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    return app


def _assert_french_page(response, status: int, heading: str) -> None:
    """The response has the status, the French heading and no technical detail."""
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page and heading in page
    for leak in LEAKS:
        assert leak not in page


def test_unknown_page_is_a_french_404(client):
    _assert_french_page(client.get("/n-existe-pas"), 404, "Page introuvable")


def test_forbidden_page_is_a_french_403(client, world, login):
    login(world.member)
    _assert_french_page(client.get("/file/"), 403, "Accès refusé")


def test_wrong_method_is_a_french_405(client):
    response = client.get("/deconnexion")
    _assert_french_page(response, 405, "Méthode non autorisée")
    page = response.get_data(as_text=True)
    assert "<title>Méthode non autorisée" in page and "Requête invalide" not in page
    assert "Cette page n'accepte pas ce type de demande" in page
    assert "POST" in response.headers["Allow"]


def test_wrong_method_under_the_api_stays_json(client):
    response = client.delete("/api/v1/questions")
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_bad_request_is_a_french_400(app, client):
    app.add_url_rule("/_test/400", "bad_request_probe", lambda: abort(400))
    _assert_french_page(client.get("/_test/400"), 400, "Requête invalide")


def test_oversized_request_is_a_french_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/connexion", data={"email": "x" * 5000, "password": "y"})
    _assert_french_page(response, 413, "Envoi trop volumineux")


def test_an_unsatisfiable_download_range_is_a_french_416_that_keeps_its_content_range(client):
    """A download resumed past its end (any HTTP error without a page of its own) gets a French page."""
    response = client.get("/static/style.css", headers={"Range": "bytes=99999999-"})
    _assert_french_page(response, 416, "Demande non aboutie")
    assert "(erreur 416)" in response.get_data(as_text=True)
    assert re.fullmatch(r"bytes \*/\d+", response.headers["Content-Range"])


def test_unexpected_error_is_a_french_500(production_errors, client, world, login, monkeypatch):
    login(world.jurist)

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr("helpdesk.queue.routes.view_counts", broken)
    _assert_french_page(client.get("/file/"), 500, "Une erreur est survenue")


def test_database_error_mid_request_rolls_back_everything(production_errors, client, world, login, monkeypatch):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Réponse du juriste.")
    events_before = db.session.scalar(select(func.count()).select_from(Event).where(Event.ticket_id == ticket.id))
    login(world.member)

    def fail_on_reply(kind, actor, ticket=None, **data):
        """Record events as usual, but fail like a lost database once the reply is flushed."""
        if kind == "reply":
            raise OperationalError("INSERT INTO event", {}, Exception("disk I/O error"))
        return record_event(kind, actor, ticket, **data)

    monkeypatch.setattr(services, "record_event", fail_on_reply)
    response = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Réponse jamais enregistrée."})
    _assert_french_page(response, 500, "Votre action n'a pas été enregistrée.")

    db.session.expire_all()
    assert db.session.scalars(select(Message.body).where(Message.author_id == world.member.id)).all() == []
    assert db.session.get(Ticket, ticket.id).status == "answered"  # the reopening was rolled back too
    assert db.session.scalar(
        select(func.count()).select_from(Event).where(Event.ticket_id == ticket.id)) == events_before


TOO_LARGE = "99999999999999999999"


@pytest.mark.parametrize("role, method, url", [
    ("member", "GET", f"/pieces-jointes/{TOO_LARGE}"),
    ("member", "GET", f"/webinaires/{TOO_LARGE}"),
    ("jurist", "GET", f"/reponses-types/{TOO_LARGE}"),
    ("jurist", "POST", f"/reponses-types/{TOO_LARGE}/supprimer"),
    ("jurist", "GET", f"/courriels/{TOO_LARGE}"),
    ("admin", "GET", f"/admin/structures/{TOO_LARGE}"),
    ("admin", "POST", f"/admin/utilisateurs/{TOO_LARGE}/activation"),
    ("admin", "GET", f"/statistiques/rapport/{TOO_LARGE}"),
])
def test_ids_too_large_for_the_database_are_a_french_404(client, world, login, role, method, url):
    login(getattr(world, role))
    _assert_french_page(client.open(url, method=method), 404, "Page introuvable")


def test_integer_urls_stop_at_the_largest_database_id(app):
    """Every `<int:...>` in a URL is capped where an INTEGER column ends: one more matches no route."""
    urls = app.url_map.bind("localhost")
    assert urls.match(f"/pieces-jointes/{2**31 - 1}") == ("attachments.download", {"attachment_id": 2**31 - 1})
    with pytest.raises(NotFound):
        urls.match(f"/pieces-jointes/{2**31}")


# Query arguments named like url_for's own options: pages that rebuild their links from the query string used to
# pass them on to url_for, which failed (a server error) or took them as options (links to another scheme or host).
URL_FOR_OPTIONS = ["_method=POST", "endpoint=x", "_anchor=x", "_external=1&_scheme=javascript", "_external=1"]


@pytest.mark.parametrize("option", URL_FOR_OPTIONS)
@pytest.mark.parametrize("role, url", [
    (None, "/ressources/?q=salaries"),
    ("member", "/questions/?page=2"),
    ("jurist", "/file/?vue=ouvertes&page=2"),
    ("admin", "/admin/journal/?page=2"),
])
def test_query_arguments_named_like_url_options_neither_break_pages_nor_rewrite_links(
        production_errors, client, world, login, role, url, option):
    production_errors.config.update(KB_PAGE_SIZE=5, MEMBER_PAGE_SIZE=5, QUEUE_PAGE_SIZE=5, AUDIT_PAGE_SIZE=5)
    for number in range(6):
        add_article(f"salaries-{number}", f"Les salariés {number}", "Les salariés en insertion.")
        factories.make_ticket(world.member, subject=f"Question numéro {number}")
        factories.make_ticket(world.colleague, subject=f"Autre question numéro {number}")
    indexing.sync()
    if role:
        login(getattr(world, role))
    response = client.get(f"{url}&{option}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'rel="next"' in page or 'rel="prev"' in page
    assert "javascript:" not in page and "http://localhost/" not in page
    assert f"{option.split('&')[0]}" in page.replace("&amp;", "&")  # kept as an ordinary argument of the links


def _language_next(page: str) -> str:
    """The page the header's language switch leads back to."""
    return re.search(r'<input type="hidden" name="next" value="([^"]*)">', page).group(1)


def test_a_refused_reply_leads_back_to_the_question_not_to_the_replys_action_address(client, world, login):
    """A refused reply is shown at the reply's action address, which answers no GET: changing the language there led
    to « Méthode non autorisée ». The language switch now goes back to the question, which page-address.js also
    puts in the address bar (a reload opens the question instead of sending the reply again)."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    question = f"/questions/{ticket.reference}"
    response = client.post(f"{question}/repondre", data={"body": "  "},
                           headers={"Referer": f"http://localhost{question}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Écrivez votre message" in page
    assert _language_next(page) == question
    assert f'<body data-page-address="{question}">' in page and "js/page-address.js" in page
    switched = client.post("/langue", data={"locale": "en", "next": _language_next(page)}, follow_redirects=True)
    assert switched.status_code == 200 and switched.request.path == question


@pytest.mark.parametrize(("referrer", "expected"), [
    ("http://localhost/questions/?qui=moi", "/questions/?qui=moi"),  # the page of the form, with its arguments
    ("http://evil.example/questions/", "/"),  # another site's address is never followed
    (None, "/"),
])
def test_an_error_page_after_a_post_leads_back_to_the_page_of_the_form(client, world, login, referrer, expected):
    """An error page answering a POST (here a question that does not exist) leads back to the page of the app the form
    was sent from, else home; never to the action's address."""
    login(world.member)
    headers = {"Referer": referrer} if referrer else {}
    page = client.post("/questions/Q-2026-99999/repondre", data={"body": "Bonjour"}, headers=headers)
    _assert_french_page(page, 404, "Page introuvable")
    text = page.get_data(as_text=True)
    assert _language_next(text) == expected
    assert (f'data-page-address="{expected}"' in text) == (expected != "/")


def test_a_form_sent_back_on_its_own_address_keeps_it(client, world, login):
    """A form whose address also shows it (a new question with errors) stays there: nothing to rewrite."""
    login(world.member)
    page = client.post("/questions/nouvelle", data={"subject": ""}, headers={"Referer": "http://localhost/questions/"})
    text = page.get_data(as_text=True)
    assert _language_next(text) == "/questions/nouvelle" and "data-page-address" not in text
    assert _language_next(client.get("/questions/?qui=moi").get_data(as_text=True)) == "/questions/?qui=moi"


UNDECODABLE = "La demande contient des caractères illisibles"


def _multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body (boundary « B ») of (field name, file name or None, raw bytes) parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--B\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + b"--B--\r\n"


@pytest.mark.parametrize("body", [b"body=R%E9ponse+en+Windows-1252", b"body=R\xe9ponse brute"])
def test_a_form_whose_text_is_not_utf8_is_refused_and_stores_nothing(client, world, login, body):
    """A URL-encoded form in another charset is refused in French, nothing stored."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    response = client.post(f"/questions/{ticket.reference}/repondre", data=body,
                           content_type="application/x-www-form-urlencoded")
    _assert_french_page(response, 400, UNDECODABLE)
    db.session.expire_all()
    assert db.session.scalars(select(Message.body)).all() == []


def test_a_reply_quoting_an_email_damaged_in_transit_is_posted_as_typed(client, world, login):
    """« � » pasted from an emailed reply received in a broken charset is posted (the reply form is multipart): a
    refusal would lose the message typed around it."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    text = "Vous écriviez : « Le salari\ufffd est absent ». Pouvez-vous préciser ?"
    response = client.post(f"/questions/{ticket.reference}/repondre", data=_multipart(("body", None, text.encode())),
                           content_type="multipart/form-data; boundary=B")
    assert response.status_code == 302
    assert db.session.scalars(select(Message.body)).all() == [text]


@pytest.mark.parametrize("query", ["q=R%E9forme", "q=R\xe9forme", "q=%FF&page=2"])
def test_a_query_string_that_is_not_utf8_is_refused_in_french(client, world, login, query):
    login(world.member)
    _assert_french_page(client.get("/ressources/", environ_overrides={"QUERY_STRING": query}), 400, UNDECODABLE)


def test_a_query_string_that_is_not_utf8_is_refused_in_json_under_the_api(client, world):
    token = factories.make_api_token(world.member)
    response = client.get("/api/v1/questions", headers=factories.bearer(token),
                          environ_overrides={"QUERY_STRING": "q=\xff"})
    assert response.status_code == 400 and response.get_json()["error"]["message"].startswith(UNDECODABLE)


def test_binary_files_sent_with_a_utf8_form_are_not_refused(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    body = _multipart(("body", None, "Voici le modèle signé ✓".encode()),
                      ("attachments", "modele.pdf", factories.pdf_bytes() + b"\xff\xfe\x00\xe9"))
    response = client.post(f"/questions/{ticket.reference}/repondre", data=body,
                           content_type="multipart/form-data; boundary=B")
    assert response.status_code == 302
    message = db.session.scalars(select(Message)).one()
    assert message.body == "Voici le modèle signé ✓" and len(message.attachments) == 1
