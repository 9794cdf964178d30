"""Resources cited in answers, and answers proposed as pseudonymised FAQ drafts."""
import html
import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.kb import indexing, services as kb_services
from helpdesk.models import Article, FaqSource
from helpdesk.models._types import frozen_time
from helpdesk.models.triage import message_resource
from helpdesk.tickets import services
from helpdesk.triage import canned, citations, faq
from tests import factories


def add_article(slug, title, body, visibility="members"):
    """A published resource, through the import path."""
    kb_services.import_articles([json.dumps({"slug": slug, "title": title, "body": body, "visibility": visibility,
                                             "status": "published"})])
    return db.session.scalar(select(Article).where(Article.slug == slug))


@pytest.fixture
def library(world):
    """Two indexed resources about the 480-hour rule: one for members, one for jurists only."""
    add_article("regle-480-heures", "La règle des 480 heures en AI", "Mise à disposition limitée à 480 heures.")
    add_article("doctrine-480", "Doctrine interne : 480 heures", "Notes des juristes sur les 480 heures.", "jurists")
    indexing.sync()
    return world


def test_jurist_searches_resources_and_inserts_a_link_then_member_sees_cited_resources(client, library, login):
    ticket = factories.make_ticket(library.member, subject="Dépasser 480 heures ?")
    login(library.jurist)
    url = f"/questions/{ticket.reference}/rediger"
    found = client.post(url, data={"body": "Bonjour,", "resource_query": "480 heures", "action": "search"})
    page = found.get_data(as_text=True)
    assert "La règle des 480 heures en AI" in page and "Insérer le lien" in page
    inserted = client.post(url, data={"body": "Bonjour,", "resource_query": "480 heures",
                                      "link": "regle-480-heures"}).get_data(as_text=True)
    assert "Bonjour,\n\n[La règle des 480 heures en AI](/ressources/regle-480-heures)" in inserted.replace("&#39;", "'")
    body = ("Bonjour,\n\n[La règle des 480 heures en AI](/ressources/regle-480-heures) et "
            "[notre doctrine](/ressources/doctrine-480).")
    client.post(f"/questions/{ticket.reference}/repondre", data={"body": body, "kind": "public",
                                                                  "status_after": "answered"})
    assert db.session.scalar(select(func.count()).select_from(message_resource)) == 2
    login(library.colleague)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    cited = page.split("Ressources citées")[1].split("</section>")[0]
    assert "La règle des 480 heures en AI" in cited and "Doctrine interne" not in cited
    login(library.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Doctrine interne : 480 heures" in page.split("Ressources citées")[1]


def test_enter_in_the_reply_form_searches_resources_rather_than_inserting_a_canned_answer(client, library, login):
    """Browsers submit a form on Enter with its first submit button: in the jurist's reply form, the search."""
    canned.save_canned_answer(library.jurist, None, "Accusé de réception", "Bien reçu.")
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    form = page.split(f'action="/questions/{ticket.reference}/repondre"')[1]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert f'formaction="/questions/{ticket.reference}/rediger#reply-helpers"' in first_button
    assert 'value="search"' in first_button and "hidden" in first_button


def test_public_reply_is_offered_and_inserts_only_resources_the_member_can_open(client, library, login):
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    url = f"/questions/{ticket.reference}/rediger"
    page = client.post(url, data={"body": "Bonjour,", "kind": "public", "resource_query": "480 heures",
                                  "action": "search"}).get_data(as_text=True)
    assert "La règle des 480 heures en AI" in page and "Doctrine interne" not in page
    page = client.post(url, data={"body": "Bonjour,", "kind": "public", "link": "doctrine-480"}).get_data(as_text=True)
    assert "n&#39;est pas lisible par le membre" in page
    assert "/ressources/doctrine-480)" not in page and "Bonjour,</textarea>" in page


def test_internal_note_may_cite_a_jurists_only_resource(client, library, login):
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    url = f"/questions/{ticket.reference}/rediger"
    page = client.post(url, data={"body": "", "kind": "note", "resource_query": "480 heures",
                                  "action": "search"}).get_data(as_text=True)
    assert "Doctrine interne : 480 heures" in page
    page = client.post(url, data={"body": "", "kind": "note", "link": "doctrine-480"}).get_data(as_text=True)
    assert "[Doctrine interne : 480 heures](/ressources/doctrine-480)</textarea>" in page


def test_links_in_internal_notes_are_not_cited(library):
    ticket = factories.make_ticket(library.member)
    services.add_message(ticket, library.jurist, "Voir [la règle](/ressources/regle-480-heures).", internal=True)
    assert db.session.scalar(select(func.count()).select_from(message_resource)) == 0


def _reply_box(page: str) -> str:
    """The text of the reply box on a question's page."""
    return html.unescape(re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', page, re.S).group(1))


def _cursor(page: str) -> str:
    """The cursor position the page carries for the next helper button."""
    return re.search(r'<input type="hidden" name="cursor" value="(\d*)"', page).group(1)


SIGNED = "Bonjour,\r\n\r\nVoir la fiche :\r\n\r\nBien cordialement,\r\nLéa"
LINK = "[La règle des 480 heures en AI](/ressources/regle-480-heures)"


def test_a_resource_link_goes_where_the_cursor_was_not_after_the_signature(client, library, login):
    """The browser says where the cursor was (one character per line break, as the browser counts them); the link
    goes there, apart from the word before it, and the cursor comes back just after it, through a search too."""
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    url = f"/questions/{ticket.reference}/rediger"
    after_colon = len("Bonjour,\n\nVoir la fiche :")
    searched = client.post(url, data={"body": SIGNED, "resource_query": "480 heures", "action": "search",
                                      "cursor": after_colon}).get_data(as_text=True)
    assert _cursor(searched) == str(after_colon)
    inserted = client.post(url, data={"body": SIGNED, "resource_query": "480 heures", "link": "regle-480-heures",
                                      "cursor": after_colon}).get_data(as_text=True)
    assert _reply_box(inserted) == f"Bonjour,\n\nVoir la fiche : {LINK}\n\nBien cordialement,\nLéa"
    assert _cursor(inserted) == str(after_colon + len(LINK) + 1)


@pytest.mark.parametrize("cursor", ["", "999"])
def test_without_a_cursor_inside_the_text_the_link_ends_the_message(client, library, login, cursor):
    """No script, or a position past the end: the link is a paragraph of its own at the end, before the closing."""
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    page = client.post(f"/questions/{ticket.reference}/rediger", data={
        "body": SIGNED, "resource_query": "480 heures", "link": "regle-480-heures", "cursor": cursor,
    }).get_data(as_text=True)
    assert _reply_box(page) == f"Bonjour,\n\nVoir la fiche :\n\n{LINK}\n\nBien cordialement,\nLéa"
    assert _cursor(page) == ""


def test_a_canned_answer_forgets_the_cursor_of_the_text_it_changed(client, library, login):
    """The canned answer is added at the end: the position sent with the text before it no longer points anywhere."""
    ticket = factories.make_ticket(library.member)
    answer = canned.save_canned_answer(library.jurist, None, "Accusé", "Nous avons bien reçu votre question.")
    login(library.jurist)
    page = client.post(f"/questions/{ticket.reference}/rediger", data={
        "body": "Bonjour,", "action": "canned", "canned": answer.id, "cursor": 3}).get_data(as_text=True)
    assert "Nous avons bien reçu votre question." in _reply_box(page) and _cursor(page) == ""


def test_a_malformed_cursor_is_refused_and_changes_nothing(client, library, login):
    """A negative or non-numeric position is not a position: the request is refused."""
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    for cursor in ("-1", "abc"):
        response = client.post(f"/questions/{ticket.reference}/rediger", data={
            "body": SIGNED, "link": "regle-480-heures", "cursor": cursor})
        assert response.status_code == 400


@pytest.mark.parametrize("before, after, expected", [
    ("Voir ", " ci-dessous.", "Voir [T](/r) ci-dessous."),
    ("Voir", "suite", "Voir [T](/r) suite"),
    ("Voir « ", " »", "Voir « [T](/r) »"),
    ("(", ")", "([T](/r))"),
    ("", "", "[T](/r)"),
])
def test_place_link_keeps_the_link_apart_from_the_words_around_it(before, after, expected):
    """A space is added between the link and a word or a previous link, never after an opening quote or bracket."""
    body, cursor = citations.place_link(before + after, "[T](/r)", len(before))
    assert body == expected and body[:cursor].rstrip().endswith("[T](/r)")


@pytest.mark.parametrize("body, expected", [
    ("Bonjour,\n\nVoici.", "Bonjour,\n\nVoici.\n\n[T](/r)"),
    ("Bonjour,\n\nVoici.\n\nCordialement", "Bonjour,\n\nVoici.\n\n[T](/r)\n\nCordialement"),
    ("Voici.\n\nBien à vous,\nLéa\n\n", "Voici.\n\n[T](/r)\n\nBien à vous,\nLéa"),
    ("Voici.\n\n[A](/a)\n\nBonne journée !", "Voici.\n\n[A](/a)\n\n[T](/r)\n\nBonne journée !"),
    ("Cordialement", "Cordialement\n\n[T](/r)"),
    ("Voici.\n\nCordialité de rigueur n'est pas une formule.", "Voici.\n\nCordialité de rigueur n'est pas une formule.\n\n[T](/r)"),
    ("", "[T](/r)"),
])
def test_a_link_with_no_known_place_goes_before_the_closing(body, expected):
    """With no cursor, the link is its own paragraph at the end, but above « Bien cordialement, … » and the like,
    links inserted one after another keeping their order; a message that is only a closing keeps it first."""
    assert citations.place_link(body, "[T](/r)", None) == (expected, None)


def test_unknown_resource_link_is_refused_when_inserting(client, library, login):
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    page = client.post(f"/questions/{ticket.reference}/rediger", data={"body": "Texte", "link": "inexistante"})
    assert "Cette ressource est introuvable." in page.get_data(as_text=True)


QUESTION = ("Bonjour, je suis Marie-Claire DUPONT-LEFÈVRE, directrice de l'Association Les Jardins de Brocéliande "
            "(SIRET 362 521 879 00034). Notre salarié M. Kévin MARTIN, en CDDI depuis 22 mois, voudrait finir sa "
            "formation. Vous pouvez me joindre au 06.12.34.56.78 ou au 02 99 12 34 56, ou par courriel à "
            "mc.dupont@jardins-broceliande.fr. Nos locaux sont au 12 rue des Lilas, 35000 Rennes.")
ANSWER = ("Bonjour Madame Dupont-Lefèvre, pour M. Martin le CDDI peut être prolongé au-delà de 24 mois afin "
          "d'achever une formation (art. L5132-15-1 du code du travail). Les Jardins de Brocéliande doivent "
          "formaliser la demande avant l'échéance. Bien cordialement, Denis Juriste.")
PERSONAL_DATA = ["Marie-Claire", "DUPONT", "LEFÈVRE", "Lefèvre", "Dupont", "Kévin", "MARTIN", "Martin",
                 "Jardins de Brocéliande", "362 521 879", "06.12.34.56.78", "02 99 12 34 56", "mc.dupont",
                 "jardins-broceliande", "12 rue des Lilas", "Denis", "Alice"]


@pytest.fixture
def answered(world):
    """A realistic question with personal data, answered just after midnight on 11 March 2026 (Paris), then closed."""
    world.structure.name = "Association Les Jardins de Brocéliande"
    db.session.commit()
    with frozen_time(datetime(2026, 3, 9, 9, tzinfo=timezone.utc)):
        ticket = factories.make_ticket(world.member, subject="Prolonger le CDDI de Kévin MARTIN au-delà de 24 mois",
                                       body=QUESTION, theme_id=world.theme.id)
    with frozen_time(datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, ANSWER)
        services.add_message(ticket, world.jurist, "Note : vérifier avec Emma.", internal=True)
    services.close(ticket, world.member)
    return ticket


def test_propose_faq_creates_a_pseudonymised_draft_linked_to_its_question(client, world, login, answered):
    login(world.jurist)
    response = client.post(f"/questions/{answered.reference}/proposer-faq")
    source = db.session.scalar(select(FaqSource))
    assert response.headers["Location"] == f"/ressources/{source.article_slug}/modifier"
    article = source.article
    assert (article.type, article.status, article.visibility) == ("faq", "draft", "members")
    assert article.updated_on == date(2026, 3, 11)  # the answer's date in Paris (00:30), not in UTC
    assert source.ticket_id == answered.id and [theme.slug for theme in article.themes] == ["reforme-iae"]
    text = f"{article.title}\n{article.body}"
    for item in PERSONAL_DATA:
        assert item not in text, item
    assert "vérifier avec Emma" not in text
    assert "[personne]" in text and "[téléphone]" in text and "[SIRET]" in text and "[structure]" in text
    assert "[adresse e-mail]" in text and "[adresse]" in text
    assert "L5132-15-1" in text and "CDDI" in text
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "FAQ proposée" in page and "Proposer en FAQ" not in page
    back = f'Proposée en FAQ depuis la question <a href="/questions/{answered.reference}">{answered.reference}</a>'
    assert back in client.get(f"/ressources/{article.slug}/modifier").get_data(as_text=True)
    assert back in client.get(f"/ressources/{article.slug}").get_data(as_text=True)
    login(world.member)
    assert client.get(f"/ressources/{article.slug}").status_code == 404  # a draft until a jurist publishes it
    login(world.jurist)
    client.post(f"/ressources/{article.slug}/statut", data={"status": "published"})
    login(world.member)
    published = client.get(f"/ressources/{article.slug}")
    assert published.status_code == 200 and answered.reference not in published.get_data(as_text=True)


def test_faq_is_proposed_once_and_only_from_answered_questions(world, answered):
    faq.propose_faq(answered, world.jurist)
    with pytest.raises(InvalidInput, match="déjà été proposée"):
        faq.propose_faq(answered, world.jurist)
    fresh = factories.make_ticket(world.member)
    with pytest.raises(InvalidInput, match="répondue ou clôturée"):
        faq.propose_faq(fresh, world.jurist)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


def test_failed_proposal_leaves_nothing_half_written(world, answered):
    kb_services.save_article(None, {"slug": f"faq-{answered.reference.lower()}", "title": "Occupé", "body": "x"},
                             world.jurist)
    with pytest.raises(InvalidInput, match="existe déjà"):
        faq.propose_faq(answered, world.jurist)
    assert db.session.scalar(select(func.count()).select_from(FaqSource)) == 0
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


def test_members_cannot_propose_faq(client, world, login, answered):
    login(world.member)
    assert client.post(f"/questions/{answered.reference}/proposer-faq").status_code == 403
    assert "Proposer en FAQ" not in client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize("name, variants", [
    ("Association Les Jardins de Brocéliande", ["Association Les Jardins de Brocéliande", "Les Jardins de Brocéliande",
                                                "Jardins de Brocéliande"]),
    ("Chantier L'Envol", ["Chantier L'Envol", "L'Envol", "Envol"]),
    ("Recyclerie Horizon", ["Recyclerie Horizon"]),
])
def test_structure_name_variants_cover_how_members_write_it(name, variants):
    assert faq.structure_name_variants(name) == variants


def test_a_reply_helpers_refusal_is_said_under_its_field_where_the_page_comes_back(client, library, login):
    """The page comes back scrolled to the reply: a search with nothing typed answered nothing at all, and a refused
    link was said in the banner at the top, out of sight. Both are now said under the search field, tied to it."""
    ticket = factories.make_ticket(library.member)
    login(library.jurist)
    url = f"/questions/{ticket.reference}/rediger"
    page = client.post(url, data={"body": "Bonjour,", "resource_query": " ", "action": "search"})
    page = html.unescape(page.get_data(as_text=True))
    assert '<p class="error" id="resource_query-error">Saisissez un ou plusieurs mots à chercher' in page
    field = re.search(r'<input id="resource_query"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="resource_query-error"' in field
    page = client.post(url, data={"body": "Bonjour,", "kind": "public", "link": "doctrine-480"})
    page = html.unescape(page.get_data(as_text=True))
    assert page.count("n'est pas lisible par le membre") == 1
    assert "n'est pas lisible par le membre" in page[page.index('id="resource_query-error"'):]
    assert 'class="flash flash-error"' not in page
    page = client.post(url, data={"body": "Bonjour,", "canned": "999999", "action": "canned"})
    page = html.unescape(page.get_data(as_text=True))
    assert '<p class="error" id="canned-error">Cette réponse type n\'existe pas.</p>' in page
    assert "Bonjour,</textarea>" in page
