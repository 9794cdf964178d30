"""The member side over HTTP: filing, listing, filtering, replying, closing, inactive structures."""
import html
import io
import os
import re
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from helpdesk.errors import Forbidden
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.mail.ingest import attach, ingest
from helpdesk.mail.reply_address import reply_address
from helpdesk.mail.sender import send_pending
from helpdesk.markup import render_markdown, render_message
from helpdesk.models import Message, Satisfaction, Ticket
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services
from helpdesk.webinars.services import WebinarValues, registration_count, save_webinar, send_question
from tests import factories
from tests.factories import bearer, make_api_token

SUBJECT = "Renouvellement d'un CDDI au-delà de 24 mois"
BODY = "Un salarié en CDDI depuis 22 mois souhaite terminer sa formation qualifiante."


def _question_form(theme_id, **overrides) -> dict:
    """A valid 'Poser une question' form, with overrides."""
    data = {"subject": SUBJECT, "theme": str(theme_id), "body": BODY, "priority": "2"}
    data.update(overrides)
    return data


def _references(page: str) -> list[str]:
    """Question references listed on a page, in order."""
    return list(dict.fromkeys(re.findall(r"Q-\d{4}-\d{5}", page)))


def _ticket_count() -> int:
    """How many questions exist."""
    return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.fixture
def member_client(client, world, login):
    """The client, logged in as the world's member."""
    login(world.member)
    return client


def test_member_files_a_question_and_sees_it(member_client, world):
    response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"] == f"/questions/{ticket.reference}"
    assert (ticket.subject, ticket.priority, ticket.theme_id, ticket.author_id) == (
        SUBJECT, 2, world.theme.id, world.member.id)

    thread = member_client.get(response.headers["Location"]).get_data(as_text=True)
    # The reference holds on one line of a phone's banner (« Q-2026- » left « 00152 » on the next one).
    assert f'votre question <span class="reference-cell">{ticket.reference}</span> a bien été envoyée.' in thread
    assert "Renouvellement d&#39;un CDDI" in thread and "terminer sa formation qualifiante" in thread
    assert _references(member_client.get("/questions/").get_data(as_text=True)) == [ticket.reference]


def test_filing_does_not_read_the_member_account_again_after_the_commit(member_client, world):
    """The caching headers of the redirect asked for the account after the commit had expired it (one more SELECT
    per submission); the redirect is still private, no-store."""
    with factories.sql_statements() as statements:
        response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    assert response.status_code == 302 and response.headers["Cache-Control"] == "private, no-store"
    after_insert = statements[next(i for i, text in enumerate(statements) if text.startswith("INSERT INTO ticket")):]
    assert not [text for text in after_insert if re.search(r'^SELECT .* WHERE "?user"?\.id = ', text)]


def test_the_same_question_sent_again_after_back_is_not_filed_twice(member_client, world):
    first = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    again = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body=f"  {BODY}\n"),
                               follow_redirects=True)
    ticket = db.session.scalars(select(Ticket)).one()
    assert first.headers["Location"] == again.request.path == f"/questions/{ticket.reference}"
    assert (f'<p class="flash flash-info">Votre question <span class="reference-cell">{ticket.reference}</span> a déjà été envoyée : elle n&#39;a pas été '
            "enregistrée une seconde fois.</p>") in again.get_data(as_text=True)


def test_a_question_sent_again_with_a_file_says_the_file_was_not_added(member_client, world):
    """Back, a file chosen, Send: the question already filed is shown, and the member is told to attach the file to a
    reply instead of believing it was added; a file the question already carries (a double click) is not named."""
    member_client.post("/questions/nouvelle", content_type="multipart/form-data", data=_question_form(
        world.theme.id, attachments=[(io.BytesIO(factories.pdf_bytes()), "contrat.pdf")]))
    again = member_client.post("/questions/nouvelle", content_type="multipart/form-data", follow_redirects=True,
                               data=_question_form(world.theme.id, attachments=[
                                   (io.BytesIO(factories.pdf_bytes()), "contrat.pdf"),
                                   (io.BytesIO(factories.png_bytes()), "bulletin de paie.png")]))
    page = html.unescape(again.get_data(as_text=True))
    ticket = db.session.scalars(select(Ticket)).one()
    assert again.request.path == f"/questions/{ticket.reference}"
    assert ("Le fichier « bulletin de paie.png » n'a pas été ajouté à la question : joignez-le à votre réponse "
            "ci-dessous.") in page
    assert "contrat.pdf » n'a pas" not in page
    assert [attachment.filename for attachment in services.ticket_attachments(ticket)] == ["contrat.pdf"]


def test_a_different_question_a_colleagues_or_a_later_one_is_filed(member_client, client, world, login):
    member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body=BODY + " Autre cas."))
    with frozen_time(utcnow() + timedelta(minutes=11)):
        member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    login(world.colleague)
    client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    assert _ticket_count() == 4


def test_new_question_form_offers_only_active_themes(member_client, world):
    factories.make_theme(name="Thème retiré", active=False)
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    assert "Réforme IAE" in page
    assert "Thème retiré" not in page


def test_new_question_form_keeps_a_draft_in_the_browser_per_user(member_client, world):
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="question-form"[^>]*>', page).group(0)
    assert f'data-draft-key="{world.member.id}.question-nouvelle"' in form
    assert 'data-draft-page="/questions/nouvelle"' in form
    assert "Brouillon restauré : votre question n'a pas encore été envoyée." in page
    assert '<script src="/static/js/draft.js" defer></script>' in page


def test_success_page_after_filing_loads_the_draft_script_that_clears_the_draft(member_client, world):
    """The draft is cleared by the page the form leads to, which shows a success message."""
    page = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id),
                              follow_redirects=True).get_data(as_text=True)
    assert 'class="flash flash-success"' in page
    assert '<script src="/static/js/draft.js" defer></script>' in page


@pytest.mark.parametrize("overrides, message", [
    ({"subject": ""}, "Indiquez l&#39;objet de votre question."),
    ({"subject": "abc"}, "5 caractères au minimum (votre texte en compte 3)."),
    ({"body": "trop court"}, "20 caractères au minimum (votre texte en compte 10)."),
    ({"body": "x" * 20_001}, "20\u202f000 caractères au maximum (votre texte en compte 20\u202f001)."),
    ({"theme": "999"}, "Choisissez l&#39;une des valeurs proposées pour « Thème »."),
    ({"theme": "abc"}, "Choisissez l&#39;une des valeurs proposées pour « Thème »."),
    ({"priority": "9"}, "Choisissez l&#39;une des valeurs proposées pour « Urgence »."),
])
def test_bad_question_gets_a_french_message_and_nothing_is_written(member_client, world, overrides, message):
    response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, **overrides))
    assert response.status_code == 400, "refused as every other form's refusal is"
    assert message in response.get_data(as_text=True) and "rien n'a été enregistré" in response.get_data(as_text=True)
    assert _ticket_count() == 0


def test_the_description_limits_are_written_the_readers_way(member_client, world):
    """« entre 20 et 20000 caractères »: the number was written bare, not « 20 000 » (nor « 20,000 » in English); the
    refusal now says the description's own length too, written the same way."""
    page = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body="x" * 21_350))
    assert "20\u202f000 caractères au maximum (votre texte en compte 21\u202f350)." in page.get_data(as_text=True)
    member_client.post("/langue", data={"locale": "en", "next": "/questions/"})
    page = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body="x" * 21_350))
    assert "20,000 characters at most (your text has 21,350)." in page.get_data(as_text=True)


def test_a_reply_too_long_says_its_limit_and_its_length_the_readers_way(member_client, world):
    """« 20000 caractères au maximum. » under a reply too long: now « 20 000 » (« 20,000 » in English), and how long
    the member's text is, so that they know how much to cut."""
    ticket = factories.make_ticket(world.member)
    page = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "x" * 21_350})
    assert "20\u202f000 caractères au maximum (votre texte en compte 21\u202f350)." in page.get_data(as_text=True)
    member_client.post("/langue", data={"locale": "en", "next": "/questions/"})
    page = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "x" * 20_001})
    assert "20,000 characters at most (your text has 20,001)." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_inactive_theme_posted_anyway_is_refused(member_client, world):
    retired = factories.make_theme(name="Thème retiré", active=False)
    response = member_client.post("/questions/nouvelle", data=_question_form(retired.id))
    assert "Choisissez l&#39;une des valeurs proposées pour « Thème »." in response.get_data(as_text=True)
    assert _ticket_count() == 0


def test_list_filters_mine_and_all(member_client, world):
    mine = factories.make_ticket(world.member, subject="Ma question à moi")
    colleagues = factories.make_ticket(world.colleague, subject="Question du collègue")
    factories.make_ticket(world.outsider, subject="Question d'une autre structure")
    everyone = _references(member_client.get("/questions/").get_data(as_text=True))
    assert sorted(everyone) == sorted([mine.reference, colleagues.reference])
    assert _references(member_client.get("/questions/?qui=moi").get_data(as_text=True)) == [mine.reference]


def test_list_filters_open_and_closed(member_client, world):
    still_open = factories.make_ticket(world.member)
    closed = factories.make_ticket(world.member)
    services.close(closed, world.member)
    assert _references(member_client.get("/questions/").get_data(as_text=True)) == [still_open.reference]
    assert _references(member_client.get("/questions/?etat=closes").get_data(as_text=True)) == [closed.reference]


def test_a_closed_question_reads_cloturee_in_french_and_closed_in_english(client, login, world):
    """The closed status read « Close », which an English-speaking eye takes for the verb: the list, its filter, the
    question page and its history say « Clôturée »; the English interface keeps « Closed »."""
    closed = factories.make_ticket(world.member)
    services.close(closed, world.jurist)
    login(world.member)
    listing = client.get("/questions/?etat=closes").get_data(as_text=True)
    assert '<option value="closes" selected>Clôturées</option>' in listing
    assert '<span class="badge status-closed">Clôturée</span>' in listing
    page = client.get(f"/questions/{closed.reference}").get_data(as_text=True)
    assert '<span class="badge status-closed">Clôturée</span>' in page and ">Close<" not in page
    client.post("/langue", data={"locale": "en", "next": "/questions/"})
    listing = client.get("/questions/?etat=closes").get_data(as_text=True)
    assert '<span class="badge status-closed">Closed</span>' in listing


def test_member_finds_a_question_back_by_words_of_its_subject_or_its_reference(member_client, world):
    """The structure's questions could only be paged through: a search finds one by its subject or reference,
    within the structure and the chosen filters."""
    cddi = factories.make_ticket(world.member, subject="Renouvellement d'un CDDI au-delà de 24 mois")
    cse = factories.make_ticket(world.colleague, subject="Élections du CSE")
    factories.make_ticket(world.outsider, subject="CDDI d'une autre structure")
    assert _references(member_client.get("/questions/?q=cddi").get_data(as_text=True)) == [cddi.reference]
    assert _references(member_client.get("/questions/?q=élections").get_data(as_text=True)) == [cse.reference]
    number = cse.reference.rsplit("-", 1)[1]
    assert _references(member_client.get(f"/questions/?q={number}").get_data(as_text=True)) == [cse.reference]
    assert _references(member_client.get("/questions/?q=cse&qui=moi").get_data(as_text=True)) == []
    page = member_client.get("/questions/?q=licenciement").get_data(as_text=True)
    assert "Aucune question ne correspond à « licenciement »." in page and 'value="licenciement"' in page


def test_member_search_finds_words_typed_without_accents_in_any_order_and_in_the_description(member_client, world):
    """A member on a phone typed « activite partielle » or « trajet domicile » and found nothing: the search looked
    for that exact run of characters in the subject. It now finds every word, accents and inflections aside, in the
    subject, description or public answers, and still only within the structure."""
    partial = factories.make_ticket(world.member, subject="Activité partielle et salariés en CDDI",
                                    body="Notre chantier ferme trois semaines après un sinistre.")
    trip = factories.make_ticket(world.colleague, subject="Temps de trajet entre deux interventions à domicile")
    factories.make_ticket(world.outsider, subject="Activité partielle d'une autre structure",
                          body="Un sinistre au chantier, là aussi.")
    indexing.sync()
    assert _references(member_client.get("/questions/?q=activite partielle").get_data(as_text=True)) == [
        partial.reference]
    assert _references(member_client.get("/questions/?q=trajet domicile").get_data(as_text=True)) == [trip.reference]
    assert _references(member_client.get("/questions/?q=sinistres chantier").get_data(as_text=True)) == [
        partial.reference]
    page = member_client.get("/questions/?q=trajet sinistre").get_data(as_text=True)
    assert "Aucune question ne correspond à « trajet sinistre »." in page
    assert '<label for="q">Recherche (mots ou référence)</label>' in page  # no longer « objet »: it reads more


def test_a_search_that_finds_nothing_offers_the_questions_it_did_not_look_at(member_client, world):
    """A closed question is not among the open ones the list shows first: the empty search links to them (and to
    the whole structure's when it looked at the member's own only), its words kept."""
    closed = factories.make_ticket(world.colleague, subject="Élections du CSE")
    services.close(closed, world.colleague)
    db.session.commit()
    page = html.unescape(member_client.get("/questions/?q=CSE&qui=moi").get_data(as_text=True))
    assert "Aucune question ne correspond à « CSE »." in page
    assert '<option value="ouvertes" selected>Non clôturées</option>' in page
    assert '<a href="/questions/?q=CSE&qui=moi&etat=closes">Chercher parmi les questions clôturées</a>' in page
    assert '<a href="/questions/?q=CSE&qui=toutes">Chercher dans toute la structure</a>' in page
    found = member_client.get("/questions/?q=CSE&etat=closes").get_data(as_text=True)
    assert _references(found) == [closed.reference]
    page = html.unescape(member_client.get("/questions/?q=licenciement&etat=closes").get_data(as_text=True))
    assert '<a href="/questions/?q=licenciement&etat=ouvertes">Chercher parmi les questions non clôturées</a>' in page
    assert "Chercher dans toute la structure" not in page


def test_a_reference_finds_its_question_whatever_its_state_or_author_within_the_structure(member_client, world):
    """A member typing a closed question's reference found nothing until they chose « Clôturées »: a reference now
    finds its question of the structure whatever its state or author; another structure's stays out of sight."""
    closed = factories.make_ticket(world.colleague, subject="Élections du CSE")
    services.close(closed, world.colleague)
    elsewhere = factories.make_ticket(world.outsider, subject="Élections du CSE ailleurs")
    services.close(elsewhere, world.outsider)
    still_open = factories.make_ticket(world.member, subject="Licenciement économique")
    db.session.commit()
    year, number = closed.reference.split("-")[1:]
    for typed in (closed.reference, f"q-{year}-{int(number)}"):
        page = member_client.get("/questions/", query_string={"q": typed, "qui": "moi"}).get_data(as_text=True)
        assert _references(page) == [closed.reference]
        assert "Clôturée" in page
    page = member_client.get("/questions/", query_string={"q": elsewhere.reference}).get_data(as_text=True)
    assert f'href="/questions/{elsewhere.reference}"' not in page
    assert "Aucune question ne correspond" in page and "questions clôturées correspondantes" not in page
    assert _references(member_client.get("/questions/").get_data(as_text=True)) == [still_open.reference]


def test_a_search_finding_no_open_question_shows_the_closed_ones_it_finds(member_client, world):
    """Words of a closed question found nothing among the open ones the list searches first: the closed questions
    that match are shown, saying so, never another structure's; a search that finds open ones shows those only."""
    closed = factories.make_ticket(world.colleague, subject="Élections du CSE")
    services.close(closed, world.colleague)
    elsewhere = factories.make_ticket(world.outsider, subject="Élections du CSE ailleurs")
    services.close(elsewhere, world.outsider)
    open_one = factories.make_ticket(world.member, subject="Licenciement économique")
    closed_too = factories.make_ticket(world.member, subject="Licenciement pour inaptitude")
    services.close(closed_too, world.member)
    db.session.commit()
    page = html.unescape(member_client.get("/questions/?q=CSE").get_data(as_text=True))
    assert _references(page) == [closed.reference]
    assert "Aucune question non clôturée ne correspond à « CSE » ; questions clôturées correspondantes :" in page
    page = member_client.get("/questions/?q=licenciement").get_data(as_text=True)
    assert _references(page) == [open_one.reference]
    assert "questions clôturées correspondantes" not in page
    page = html.unescape(member_client.get("/questions/?q=CSE&etat=attente").get_data(as_text=True))
    assert _references(page) == [] and "Aucune question ne correspond à « CSE »." in page
    page = member_client.get("/questions/?q=ailleurs").get_data(as_text=True)
    assert _references(page) == [] and "Aucune question ne correspond" in page


def test_list_is_paginated(app, member_client, world):
    app.config["MEMBER_PAGE_SIZE"] = 2
    tickets = [factories.make_ticket(world.member) for _ in range(3)]
    first = member_client.get("/questions/").get_data(as_text=True)
    second = member_client.get("/questions/?page=2").get_data(as_text=True)
    assert "Page 1 sur 2 (3 résultats)" in first
    assert set(_references(first)) | set(_references(second)) == {ticket.reference for ticket in tickets}
    assert len(_references(second)) == 1
    assert member_client.get("/questions/?page=-4").status_code == 200
    assert member_client.get("/questions/?page=99999999999999999999999").status_code == 200


@pytest.mark.parametrize("page", ["3", "40"])
def test_list_page_past_the_end_shows_the_last_page(app, member_client, world, page):
    """An old bookmark or a list that shrank: the last page with its pagination, as in the queue, not « Aucune
    question » on a page without links back."""
    app.config["MEMBER_PAGE_SIZE"] = 2
    tickets = [factories.make_ticket(world.member) for _ in range(3)]
    last = member_client.get(f"/questions/?page={page}").get_data(as_text=True)
    assert "Page 2 sur 2 (3 résultats)" in last and "Page précédente" in last
    assert _references(last) == [tickets[0].reference]
    assert "Aucune question" not in last


def test_a_question_leads_back_to_the_list_as_the_member_left_it(member_client, world):
    """« ← Retour à la liste » went to the first page of the open questions, whatever list the member came from."""
    ticket = factories.make_ticket(world.member)
    services.close(ticket, world.member)
    member_client.get("/questions/?qui=moi&etat=closes")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert '<a href="/questions/?qui=moi&amp;etat=closes">← Retour à la liste</a>' in page


def test_empty_list_says_so(member_client, world):
    assert "Aucune question ici pour le moment." in member_client.get("/questions/").get_data(as_text=True)


def test_colleague_of_the_same_structure_reads_the_question(client, world, login):
    ticket = factories.make_ticket(world.member, subject="Question partagée")
    login(world.colleague)
    response = client.get(f"/questions/{ticket.reference}")
    assert response.status_code == 200
    assert "Question partagée" in response.get_data(as_text=True)


def test_member_reply_appears_in_the_thread_and_reopens_an_answered_question(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Réponse du service juridique.")
    response = member_client.post(f"/questions/{ticket.reference}/repondre",
                                  data={"body": "Merci, mais quid des heures sup ?"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "votre message a été envoyé." in page
    assert page.index("Réponse du service juridique.") < page.index("Merci, mais quid des heures sup ?")
    db.session.refresh(ticket)
    assert ticket.status == "open"


def test_member_cannot_slip_a_note_or_a_status_into_a_reply(member_client, world):
    ticket = factories.make_ticket(world.member)
    member_client.post(f"/questions/{ticket.reference}/repondre",
                       data={"body": "Une précision.", "kind": "note", "status_after": "waiting"})
    message = db.session.scalars(select(Message)).one()
    assert not message.internal
    db.session.refresh(ticket)
    assert ticket.status == "new"


def test_empty_reply_is_refused_in_french(member_client, world):
    """A reply without text (a file alone, say) is refused with what to do, not only « the message is empty »."""
    ticket = factories.make_ticket(world.member)
    page = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "  "},
                              follow_redirects=True).get_data(as_text=True)
    assert "Écrivez votre message : quelques mots suffisent, même pour joindre un document." in page
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_reply_refused_for_its_file_comes_back_with_its_text_and_the_reason_under_the_file_field(member_client,
                                                                                                  world):
    """The reason stood only in the banner at the top of the page, far above « Pièces jointes » (a long scroll on a
    phone): it stands under the field, which is marked invalid (and focused by form-errors.js), the banner linking
    to it."""
    ticket = factories.make_ticket(world.member)
    text = "Voici le contrat signé, avec l'avenant de renouvellement."
    response = member_client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data",
                                  data={"body": text, "attachments": [(io.BytesIO(b"MZ\x90\x00"), "contrat.exe")]})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert ('<p class="error" id="attachments-error">Le fichier « contrat.exe » n\'est pas d\'un type accepté. '
            "Joignez plutôt un fichier PDF") in page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="attachments"|<input[^>]*id="attachments"[^>]*aria-invalid="true"', page)
    assert ("Erreur :</strong> rien n'a été enregistré. Voyez l'erreur sous « "
            '<a href="#attachments">Pièces jointes</a> ».') in page
    assert "Joignez de nouveau" not in page, "a refused file is not to be attached again as is"
    assert f"{text}</textarea>" in page
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_reply_too_long_comes_back_with_its_text(member_client, world):
    ticket = factories.make_ticket(world.member)
    text = "Une très longue précision. " * 800
    response = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "caractères au maximum" in page and "Une très longue précision. Une très longue précision." in page
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_reply_box_says_before_a_file_is_chosen_that_it_needs_a_few_words(member_client, world):
    ticket = factories.make_ticket(world.member)
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    hint = re.search(r'<p class="hint" id="body-hint">([^<]+)</p>', page)
    assert hint and html.unescape(hint.group(1)) == "Pour ajouter des documents, joignez-les avec quelques mots d'explication."
    assert 'aria-describedby="body-hint"' in page


def test_pages_name_the_structure_in_correct_french(member_client, world):
    name = world.member.structure.name
    assert f"<h1>Questions de la structure {name}</h1>" in member_client.get("/questions/").get_data(as_text=True)
    new_question = html.unescape(member_client.get("/questions/nouvelle").get_data(as_text=True))
    assert f"Votre question sera visible par les membres de la structure {name} et par l'équipe juridique" in new_question


def test_a_page_past_the_end_of_an_empty_list_links_back_to_the_first(member_client, world):
    """No question of mine (only a colleague's): page 7 has no last page to fall back to, it links to the first."""
    factories.make_ticket(world.colleague, subject="Question toujours en cours")
    page = member_client.get("/questions/?qui=moi&page=7").get_data(as_text=True)
    assert "Aucune question sur cette page." in page
    assert 'href="/questions/?qui=moi&amp;page=1">Revenir à la première page</a>' in page
    assert "Aucune question sur cette page." not in member_client.get("/questions/?qui=moi").get_data(as_text=True)


def test_member_is_asked_to_confirm_before_closing(member_client, world):
    ticket = factories.make_ticket(world.member)
    response = member_client.post(f"/questions/{ticket.reference}/cloturer", data={"body": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Clore la question {ticket.reference} ? — " in page
    # The reference holds on one line of a phone, with the no-wrap class of the lists' references.
    assert f'<h1>Clore la question <span class="reference-cell">{ticket.reference}</span> ?</h1>' in page
    assert "vous ne pourrez plus y répondre" in page
    assert '<input type="hidden" name="confirme" value="1">' in page
    assert f'href="/questions/{ticket.reference}">Annuler</a>' in page
    db.session.refresh(ticket)
    assert ticket.status == "new"


def test_confirmation_names_a_question_waiting_on_the_member_as_its_badge_does(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.change_status(ticket, world.jurist, "waiting")
    response = member_client.post(f"/questions/{ticket.reference}/cloturer", data={"body": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert f"{ticket.subject} (Votre réponse est attendue)" in page
    assert "En attente du membre" not in page


def test_member_closes_the_question(member_client, world):
    ticket = factories.make_ticket(world.member)
    page = member_client.post(f"/questions/{ticket.reference}/cloturer", data={"confirme": "1"},
                              follow_redirects=True).get_data(as_text=True)
    assert "la question est clôturée." in page
    assert "Cette question est clôturée." in page
    assert "Clore la question" not in page
    db.session.refresh(ticket)
    assert ticket.status == "closed"


def test_closing_twice_and_replying_to_a_closed_question_are_refused(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.close(ticket, world.member)
    page = member_client.post(f"/questions/{ticket.reference}/cloturer", follow_redirects=True).get_data(as_text=True)
    assert "cette question est déjà clôturée." in page
    page = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Encore moi."},
                              follow_redirects=True).get_data(as_text=True)
    assert "elle n&#39;accepte plus de message" in page
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_reply_refused_because_the_question_was_closed_meanwhile_can_start_a_new_question(member_client, world):
    """A page left open while the question was closed (by a colleague, or after 30 days without activity): the
    message came back nowhere on the page; it is shown again and can open a new question, filled in, not yet sent."""
    ticket = factories.make_ticket(world.member, subject="Renouvellement d'un CDDI", theme_id=world.theme.id)
    services.close(ticket, world.colleague)
    response = member_client.post(f"/questions/{ticket.reference}/repondre",
                                  data={"body": "Et pour un salarié de plus de 50 ans ?"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "elle n&#39;accepte plus de message" in page
    assert "Votre message n'a pas été envoyé" in page
    assert ">Et pour un salarié de plus de 50 ans ?</textarea>" in page
    form = page.split('<section aria-labelledby="unsent-title">')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert html.unescape(fields["subject"]) == f"Suite de {ticket.reference} : Renouvellement d'un CDDI"
    assert fields["theme"] == str(world.theme.id)
    new = member_client.post("/questions/nouvelle", data={
        "subject": html.unescape(fields["subject"]), "theme": fields["theme"],
        "body": "Et pour un salarié de plus de 50 ans ?", "suggest": "1"}).get_data(as_text=True)
    assert f'value="Suite de {ticket.reference} : Renouvellement d&#39;un CDDI"' in new
    assert "Et pour un salarié de plus de 50 ans ?</textarea>" in new
    assert _ticket_count() == 1 and db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert "Votre message n'a pas été envoyé" not in member_client.get(f"/questions/{ticket.reference}").get_data(
        as_text=True)


def test_inactive_structure_reads_but_cannot_file(member_client, world):
    ticket = factories.make_ticket(world.member, subject="Question d'avant")
    world.structure.active = False
    db.session.commit()

    listing = member_client.get("/questions/").get_data(as_text=True)
    assert "L'adhésion de votre structure n'est pas active" in listing
    assert ticket.reference in listing
    assert member_client.get(f"/questions/{ticket.reference}").status_code == 200

    for method in (member_client.get, member_client.post):
        response = method("/questions/nouvelle", data=_question_form(world.theme.id))
        assert response.headers["Location"] == "/questions/"
    assert _ticket_count() == 1


def test_inactive_structure_is_not_offered_what_it_would_be_refused(member_client, world):
    """« Poser une question » in the menu and « Je souhaite participer » on a webinar used to lead only to a refusal."""
    webinar = save_webinar(None, WebinarValues(title="Contrats aidés", starts_at=utcnow() + timedelta(days=7),
                                               speakers=("Léa",), theme_ids=(world.theme.id,)), world.jurist)
    active_page = member_client.get(f"/webinaires/{webinar.id}").get_data(as_text=True)
    assert 'href="/questions/nouvelle"' in active_page and f'action="/webinaires/{webinar.id}/inscription"' in active_page
    world.structure.active = False
    db.session.commit()

    page = html.unescape(member_client.get(f"/webinaires/{webinar.id}").get_data(as_text=True))
    assert "mais plus en poser, y répondre, donner votre avis ni vous inscrire aux webinaires" in page
    assert f'action="/webinaires/{webinar.id}/inscription"' not in page and "Je souhaite participer" not in page
    assert 'href="/questions/nouvelle"' not in page
    assert 'href="/questions/nouvelle"' not in member_client.get("/questions/").get_data(as_text=True)


def test_inactive_structure_writes_nothing_on_its_questions_web_api_or_mail(member_client, world):
    """Members of an inactive structure still log in and read, but replied, rated and registered as if active."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Oui, le renouvellement est possible.")
    webinar = save_webinar(None, WebinarValues(title="Contrats aidés", starts_at=utcnow() + timedelta(days=7),
                                               speakers=("Léa",), theme_ids=(world.theme.id,)), world.jurist)
    issued = reply_address(world.member, ticket)  # the signed address of a mail sent while the structure was active
    world.structure.active = False
    db.session.commit()
    messages = db.session.scalar(select(func.count()).select_from(Message))
    refusal = "mais plus en poser, y répondre, donner votre avis ni vous inscrire aux webinaires"

    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert refusal in page and f'action="/questions/{ticket.reference}/repondre"' not in page
    assert "Votre avis sur la réponse" not in page
    response = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Merci, et si..."})
    assert response.status_code == 403
    assert refusal in html.unescape(response.get_data(as_text=True))
    api_reply = member_client.application.test_client().post(
        f"/api/v1/questions/{ticket.reference}/messages", json={"body": "Par l'API"},
        headers=bearer(make_api_token(world.member)))
    assert api_reply.status_code == 403 and refusal in api_reply.json["error"]["message"]
    mailed = ingest(f"From: {world.member.email}\r\nTo: {issued}\r\n"
                    f"Subject: Re: [{ticket.reference}] suite\r\nMessage-ID: <inactive@exemple.test>\r\n\r\n"
                    "Réponse par courriel\r\n".encode())
    assert (mailed.status, mailed.reason) == ("pending", "rejected") and refusal in mailed.detail
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages
    attach(mailed, ticket.reference, world.jurist)
    note = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert (note.author_id, note.internal) == (world.jurist.id, True), "kept as a note, not the member's reply"

    rated = member_client.post(f"/questions/{ticket.reference}/avis", data={"rating": "5", "comment": "Bien"},
                               follow_redirects=True)
    assert refusal in html.unescape(rated.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0
    registered = member_client.post(f"/webinaires/{webinar.id}/inscription", data={}, follow_redirects=True)
    assert refusal in html.unescape(registered.get_data(as_text=True)) and registration_count(webinar) == 0
    with pytest.raises(Forbidden):
        send_question(webinar, world.member, "Question ?")

    member_client.post(f"/questions/{ticket.reference}/cloturer", data={"confirme": "1"})
    assert ticket.is_closed, "closing its own question stays possible"


def test_members_never_see_internal_notes_or_events(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.assign(ticket, world.jurist, world.jurist2.id)
    services.add_message(ticket, world.jurist2, "NOTE-SECRETE-4242 : membre difficile", internal=True)
    services.add_message(ticket, world.jurist2, "Réponse publique au membre.")

    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Réponse publique au membre." in page
    for hidden in ("NOTE-SECRETE-4242", "Note interne", "a pris la question", "a assigné la question"):
        assert hidden not in page


def test_jurist_sees_notes_and_internal_events(client, world, login):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "NOTE-SECRETE-4242", internal=True)
    login(world.jurist2)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "NOTE-SECRETE-4242" in page and "Note interne" in page
    assert "Denis Juriste a pris la question." in page


def test_history_says_who_changed_the_status_to_jurists_and_members_alike(client, world, login):
    """Status changes are public like closing and reopening, which name who did them: so do they, a question
    waiting on its member named for members as its badge names it; a change a message brought says so."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.change_status(ticket, world.jurist, "waiting")
    services.add_message(ticket, world.member, "Voici la date demandée.")
    taken = f"{world.jurist.name} a changé le statut : Nouvelle → En cours."
    for viewer, waiting_label in ((world.jurist2, "En attente du membre"), (world.colleague, "Votre réponse est attendue")):
        login(viewer)
        page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
        assert taken in page
        assert f"{world.jurist.name} a changé le statut : En cours → {waiting_label}." in page
        assert f"Statut après le message de {world.member.name} : {waiting_label} → En cours." in page
        assert f"{world.member.name} a changé le statut" not in page, "a member's message moves it, not the member"
        assert "Statut : " not in page
    assert "a pris la question" not in page, "the claim itself stays internal"
    assert "En attente du membre" not in page


def test_home_sends_members_to_their_questions(member_client):
    assert member_client.get("/").headers["Location"] == "/questions/"


def test_subject_padded_with_spaces_is_refused_by_the_service(member_client, world):
    response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, subject="   ab   "),
                                  follow_redirects=True)
    assert "Le champ « Objet » demande 5 caractères au minimum (votre texte en compte 2)." in response.get_data(as_text=True)
    assert _ticket_count() == 0


def test_jurist_reply_in_markdown_reads_as_a_link_and_bold_text(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist,
                         "**Important** : voir [CDDI](/ressources/cddi-regles-essentielles).")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "<strong>Important</strong>" in page
    assert '<a href="/ressources/cddi-regles-essentielles"' in page
    assert "[CDDI]" not in page and "**Important**" not in page


def test_plain_text_message_keeps_its_lines_and_its_addresses_become_links(member_client, world):
    ticket = factories.make_ticket(world.member, body="Bonjour,\nle contrat est joint.\nVoir https://exemple.test/page_1.")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Bonjour,<br>\nle contrat est joint.<br>" in page
    assert '<a href="https://exemple.test/page_1" rel="noopener noreferrer nofollow">https://exemple.test/page_1</a>.' in page


def test_an_image_in_a_message_is_shown_as_a_link_and_an_address_keeps_its_own_parentheses(member_client, world):
    ticket = factories.make_ticket(world.member, body="Voir ![le schéma](https://exemple.test/schema.png) et "
                                                      "(https://exemple.test/wiki/Contrat_(droit)) puis ![x](javascript:alert(1)).")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert '<a href="https://exemple.test/schema.png" rel="noopener noreferrer nofollow">le schéma</a>' in page
    assert '<a href="https://exemple.test/wiki/Contrat_(droit)" rel="noopener noreferrer nofollow">' in page
    assert "<img" not in page and "javascript:" not in page


def test_html_typed_in_a_message_is_shown_as_text(member_client, world):
    ticket = factories.make_ticket(world.member, body="Le modèle dit <nom du salarié> et <b>rien</b> d'autre.")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "&lt;nom du salarié&gt; et &lt;b&gt;rien&lt;/b&gt;" in page


def _markdown_work(render, text: str) -> int:
    """How many lines of Python-Markdown's inline patterns run to render `text`: its work, counted, not timed."""
    lines = 0

    def count(frame, event, arg):
        """Count each line run in a traced frame."""
        nonlocal lines
        lines += event == "line"
        return count

    previous = sys.gettrace()  # coverage's tracer, when the suite measures coverage: put back afterwards
    sys.settrace(lambda frame, event, arg: count if frame.f_code.co_filename.endswith(
        os.path.join("markdown", "inlinepatterns.py")) else None)
    try:
        render(text)
    finally:
        sys.settrace(previous)
    return lines


@pytest.mark.parametrize("render", [render_message, render_markdown])
@pytest.mark.parametrize("unit", ["[", "[a](", "![x](", "[[[[[a]]]]]", "Un texte ordinaire (avec [un lien](/x)). "])
def test_brackets_that_close_nothing_cost_markdown_work_in_proportion_to_the_text(render, unit):
    # Python-Markdown looked for the end of a link from every "[" up to the end of the text: 20,000 of them in a
    # message took two minutes of a server worker at every display of the question.
    text = unit * (600 // len(unit))
    assert _markdown_work(render, text) < 200 * len(text)


def test_a_reference_in_a_message_holds_on_one_line_but_not_in_a_mail(member_client, world):
    """A phone broke « Q-2026-00153 » after « Q- » in a jurist's acknowledgement: a reference in a message's text
    keeps one line, as in the lists; the address of a link holding one is left alone, and a mail stays plain."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.member, f"Suite de {ticket.reference}, voir [ici](/questions/Q-2026-00001).")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert (f'Suite de <span class="reference-cell">{ticket.reference}</span>, voir '
            '<a href="/questions/Q-2026-00001" rel="noopener noreferrer nofollow">ici</a>.') in page
    assert "span" not in render_message("Suite de Q-2026-00001.", "https://juridique.example")


def test_a_message_of_brackets_is_shown_as_typed(member_client, world):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.member, "[" * 3000 + " et [[[[[profond]]]]] puis [a](" * 3)
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "[" * 3000 in page and "[[[[[profond]]]]]" in page and "\\[" not in page


@pytest.mark.parametrize("markers", ["- ", "1. ", "* "])
def test_a_line_of_hundreds_of_list_markers_is_shown_as_typed_not_a_broken_page(member_client, client, world, login,
                                                                                  markers):
    # Each marker opened one more list inside the last: past Markdown's recursion limit, the question's page was a
    # server error for its structure and the team, for good.
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.member, markers * 600 + "fin <b>du message</b>")
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert (markers * 5).strip() in page and "fin &lt;b&gt;du message&lt;/b&gt;" in page
    assert send_pending().sent >= 1, "the jurist's notification, which shows the message, goes out"
    login(world.jurist)
    assert client.get(f"/questions/{ticket.reference}").status_code == 200
    assert render_markdown(markers * 600 + "x").startswith("<p>")


def test_closing_with_an_unsent_reply_is_refused_and_the_text_is_kept(member_client, world):
    """« Clore la question » with a reply still in the box keeps the text and says so, in one sentence per colon."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Réponse du service juridique.")
    response = member_client.post(f"/questions/{ticket.reference}/cloturer",
                                  data={"body": "Une dernière précision sur le contrat."})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert ("<strong>Erreur :</strong> votre message n&#39;a pas été envoyé et la question reste ouverte. Envoyez-le, "
            "ou effacez-le, avant de clore la question.") in page  # one colon: it read « … ouverte : envoyez-le … »
    assert "Une dernière précision sur le contrat.</textarea>" in page
    db.session.refresh(ticket)
    assert ticket.status == "answered"
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_closing_with_a_file_chosen_is_refused(member_client, world):
    ticket = factories.make_ticket(world.member)
    response = member_client.post(f"/questions/{ticket.reference}/cloturer", content_type="multipart/form-data",
                                  data={"body": "", "attachments": [(io.BytesIO(factories.pdf_bytes()), "avenant.pdf")]})
    assert response.status_code == 409
    assert "Joignez de nouveau votre fichier : avenant.pdf" in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == "new"


def test_close_button_belongs_to_the_reply_form(member_client, world):
    ticket = factories.make_ticket(world.member)
    page = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    reply_form = page[page.index(f'action="/questions/{ticket.reference}/repondre"'):]
    reply_form = reply_form[:reply_form.index("</form>")]
    assert f'formaction="/questions/{ticket.reference}/cloturer"' in reply_form


def test_refused_question_names_the_file_to_attach_again(member_client, world):
    response = member_client.post("/questions/nouvelle", content_type="multipart/form-data", data=_question_form(
        world.theme.id, subject="CDD", attachments=[(io.BytesIO(factories.pdf_bytes()), "contrat.pdf")]))
    page = response.get_data(as_text=True)
    assert "Joignez de nouveau votre fichier : contrat.pdf n&#39;a pas été enregistré" in page
    assert BODY in page
    assert _ticket_count() == 0


def test_refused_question_without_file_says_nothing_about_files(member_client, world):
    page = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, subject="CDD")).get_data(as_text=True)
    assert "5 caractères au minimum (votre texte en compte 3)." in page
    assert "Joignez de nouveau" not in page


def test_new_question_form_preselects_no_theme_and_requires_one(member_client, world):
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    options = page[page.index('name="theme"'):].split("</select>")[0]
    assert options.split("<option")[1] == ' value="0">Choisissez un thème</option>'
    assert "selected" not in options
    page = member_client.post("/questions/nouvelle", data=_question_form("0")).get_data(as_text=True)
    assert "Choisissez un thème." in page
    assert _ticket_count() == 0


@pytest.mark.parametrize("who", ["member", "jurist"])
def test_reply_refused_for_its_file_keeps_the_text_written(client, world, login, who):
    """A refused file used to send the writer back to an empty reply box: the message written was lost."""
    ticket = factories.make_ticket(world.member)
    login(getattr(world, who))
    written = "Voici le contrat signé le 3 mars, avec son avenant de renouvellement."
    data = {"body": written, "attachments": [(io.BytesIO(factories.png_bytes()), "contrat.pdf")]}
    if who == "jurist":
        data.update(kind="public", status_after="answered")
    response = client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ne correspond pas à son extension" in page
    assert "Joignez de nouveau" not in page, "a refused file is not to be attached again as is"
    reply_box = page[page.index('name="body"'):]
    assert written in reply_box[:reply_box.index("</textarea>")]
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id)) == 0


def test_a_member_files_at_most_a_days_worth_of_questions_online(app, client, world, login):
    """A taken-over account or a script cannot flood the queue and the jurists' mailboxes: past QUESTIONS_PER_DAY
    questions in 24 hours, the web form and the API refuse (429) and file nothing; a day later, filing works again;
    questions a jurist records for the member (phone) do not count."""
    app.config["QUESTIONS_PER_DAY"] = 3
    factories.make_ticket(world.member, channel="phone", created_by=world.jurist)
    for number in range(3):
        factories.make_ticket(world.member, subject=f"Question numéro {number}")
    login(world.member)
    before = _ticket_count()
    response = client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    assert response.status_code == 429
    assert "vous avez déjà posé 3 questions ces dernières 24 heures" in html.unescape(response.get_data(as_text=True))
    assert SUBJECT in html.unescape(response.get_data(as_text=True)), "the form comes back filled"
    api = app.test_client().post("/api/v1/questions", json={"subject": SUBJECT, "body": BODY},
                                 headers=bearer(make_api_token(world.member)))
    assert api.status_code == 429 and "c'est le maximum en ligne" in api.json["error"]["message"]
    # When the oldest of the day's questions is a day old, about a day from now (the API's description promises it).
    web_wait, api_wait = int(response.headers["Retry-After"]), int(api.headers["Retry-After"])
    assert 86_000 < api_wait <= 86_400 and abs(web_wait - api_wait) <= 2
    assert _ticket_count() == before
    colleague = app.test_client().post("/api/v1/questions", json={"subject": SUBJECT, "body": BODY},
                                       headers=bearer(make_api_token(world.colleague)))
    assert colleague.status_code == 201, "each member's pace is their own"
    with frozen_time(utcnow() + timedelta(days=1, minutes=1)):
        login(world.member)  # the session ended meanwhile
        response = client.post("/questions/nouvelle", data=_question_form(world.theme.id))
        assert response.status_code == 302 and response.headers["Location"].startswith("/questions/Q-")
    assert _ticket_count() == before + 2


def test_a_member_posts_at_most_an_hours_worth_of_messages(app, member_client, world):
    """A taken-over account or a script cannot flood the assigned jurist's mailbox through replies: past
    MEMBER_REPLIES_PER_HOUR messages in an hour, the web form, the API and a mailed reply are refused (429; the mail is
    kept for review) and post nothing; an hour later replying works again; jurists and colleagues are not held back."""
    app.config["MEMBER_REPLIES_PER_HOUR"] = 2
    ticket = factories.make_ticket(world.member)
    issued = reply_address(world.member, ticket)
    for number in range(2):
        services.add_message(ticket, world.member, f"Précision numéro {number}")
    messages = db.session.scalar(select(func.count()).select_from(Message))
    response = member_client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Encore une précision"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 429 and "vous avez déjà envoyé 2 messages dans l'heure" in page
    assert "Encore une précision" in page, "the reply box keeps the text"
    assert 3_500 < int(response.headers["Retry-After"]) <= 3_600
    api = app.test_client().post(f"/api/v1/questions/{ticket.reference}/messages", json={"body": "Par l'API"},
                                 headers=bearer(make_api_token(world.member)))
    assert api.status_code == 429 and "c'est le maximum" in api.json["error"]["message"]
    mailed = ingest(f"From: {world.member.email}\r\nTo: {issued}\r\nSubject: Re: [{ticket.reference}] suite\r\n"
                    "Message-ID: <pace@exemple.test>\r\n\r\nRéponse par courriel\r\n".encode())
    assert (mailed.status, mailed.reason) == ("pending", "rejected")
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages
    services.add_message(ticket, world.colleague, "Une collègue complète.")
    services.add_message(ticket, world.jurist, "Note de travail.", internal=True)
    with frozen_time(utcnow() + timedelta(hours=1, minutes=1)):
        services.add_message(ticket, world.member, "Une heure plus tard.")
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages + 3


def test_the_days_last_question_sent_again_is_recognised_not_refused(app, member_client, world):
    """A member who reached the day's limit with a question and sends it again (Back, then Send) is led to it, not
    told to wait a day: the resend check and the day's count are read together, the resend first."""
    app.config["QUESTIONS_PER_DAY"] = 1
    first = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id))
    again = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id), follow_redirects=True)
    reference = db.session.scalars(select(Ticket.reference)).one()
    assert first.status_code == 302 and again.request.path == f"/questions/{reference}"
    assert f"Votre question <span class=\"reference-cell\">{reference}</span> a déjà été envoyée" in again.get_data(as_text=True)
    other = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body=BODY + " Autre cas."))
    assert other.status_code == 429 and _ticket_count() == 1


def test_members_see_which_questions_wait_for_their_answer(member_client, world):
    """The list says how many questions wait on the structure and filters them; their status reads as a call to
    answer, not as the jurists' « En attente du membre »."""
    waiting, answered = factories.make_ticket(world.colleague), factories.make_ticket(world.member)
    services.add_message(waiting, world.jurist, "Pouvez-vous préciser la date d'embauche ?", status_after="waiting")
    services.add_message(answered, world.jurist, "Voici la réponse.")
    page = html.unescape(member_client.get("/questions/").get_data(as_text=True))
    assert "1 question de la structure attend votre réponse." in page
    assert 'href="/questions/?etat=attente"' in page
    assert "Votre réponse est attendue" in page and "En attente du membre" not in page
    listed = _references(member_client.get("/questions/?etat=attente").get_data(as_text=True))
    assert listed == [waiting.reference]
    detail = html.unescape(member_client.get(f"/questions/{waiting.reference}").get_data(as_text=True))
    assert "Votre réponse est attendue" in detail


def test_the_waiting_notice_counts_only_the_structures_questions(client, login, world):
    """Another structure's waiting question is neither counted nor listed."""
    other = factories.make_ticket(world.outsider)
    services.add_message(other, world.jurist, "Une précision ?", status_after="waiting")
    login(world.member)
    page = client.get("/questions/").get_data(as_text=True)
    assert "attend votre réponse" not in page
    assert _references(client.get("/questions/?etat=attente").get_data(as_text=True)) == []


@pytest.mark.parametrize("who", ["member", "jurist"])
@pytest.mark.parametrize(("body", "error"), [("  ", "empty"),
                                              ("x" * 20_001, "20\u202f000 caractères au maximum (votre texte en compte 20\u202f001).")])
def test_a_refused_reply_says_its_error_once_under_the_box_and_the_banner_leads_there(client, world, login, who,
                                                                                      body, error):
    """The error used to be written twice, in the banner and under the box: now only under the box, tied to it by
    aria-describedby; the banner, which a visitor without JavaScript sees first, links to the box."""
    ticket = factories.make_ticket(world.member)
    login(getattr(world, who))
    if error == "empty":  # the member is told what to write; a jurist needs no such help
        error = {"member": "Écrivez votre message : quelques mots suffisent, même pour joindre un document.",
                 "jurist": "Le message est vide."}[who]
    data = {"body": body}
    if who == "jurist":
        data.update(kind="public", status_after="answered")
    response = client.post(f"/questions/{ticket.reference}/repondre", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert page.count(error) == 1
    assert f'<p class="error" id="body-error">{error} </p>' in page
    box = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'id="body"' in box and 'aria-invalid="true"' in box
    assert re.search(r'aria-describedby="[^"]*\bbody-error\b', box)
    label = "Votre message" if who == "member" else "Message"
    banner = page[page.index('<div class="flashes"'):page.index("</div>", page.index('<div class="flashes"'))]
    assert f"rien n'a été enregistré. Voyez l'erreur sous « <a href=\"#body\">{label}</a> »." in banner
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_an_error_banner_goes_on_in_lower_case_after_erreur(member_client, world):
    """« Erreur : rien n'a été enregistré … », as « C'est fait : votre question … »: the refusal goes on in lower case
    after the colon (it read « Erreur : Le fichier … »), while the reason under a field keeps its capital; and the
    sentence has no second colon (« … : voyez … », « … accepté : PDF … »)."""
    response = member_client.post("/questions/nouvelle", content_type="multipart/form-data", data=_question_form(
        world.theme.id, attachments=[(io.BytesIO(b"MZ\x90\x00"), "contrat.exe")]))
    page = html.unescape(response.get_data(as_text=True))
    reason = "Le fichier « contrat.exe » n'est pas d'un type accepté. Joignez plutôt un fichier PDF, DOCX"
    assert f'<p class="error" id="attachments-error">{reason}' in page
    assert " : " not in page[page.index(reason):page.index("</p>", page.index(reason))]  # it read « accepté : PDF… »
    assert "<strong>Erreur :</strong> rien n'a été enregistré. Voyez l'erreur sous « " in page
    banner = page[page.index('<p class="flash flash-error"'):]
    assert re.sub(r"<[^>]+>", "", banner[:banner.index("</p>")]).count(" : ") == 1
    assert _ticket_count() == 0
    refused = html.unescape(member_client.post("/questions/nouvelle", data=_question_form(
        world.theme.id, subject="")).get_data(as_text=True))
    assert "<strong>Erreur :</strong> rien n'a été enregistré. Voyez l'erreur sous" in refused
    banner = refused[refused.index('<p class="flash flash-error"'):]
    assert re.sub(r"<[^>]+>", "", banner[:banner.index("</p>")]).count(" : ") == 1  # it read « … : voyez … »
    assert '<p class="error" id="subject-error">Indiquez l\'objet de votre question. </p>' in refused


def test_suggested_resources_come_before_the_send_button(member_client, world):
    """On a phone the page is one column in document order: the suggestions used to come after « Envoyer ma
    question », so a member saw them only once past the button; they now follow the description, inside the form."""
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    form = page[page.index('<form method="post" enctype="multipart/form-data"'):]
    form = form[:form.index("</form>")]
    assert form.index('name="body"') < form.index('id="suggestions"') < form.index('name="send"')
    page = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, suggest="1"))
    page = page.get_data(as_text=True)
    assert page.index('id="suggestions"') < page.index('name="send"')


def test_a_refused_new_question_has_a_banner_leading_to_its_first_error(member_client, world):
    """A refused question came back with its errors under the fields only: a member without JavaScript, put back at
    the top of the page, saw nothing wrong. The banner says nothing was sent and links to the first field in error,
    without repeating the messages."""
    response = member_client.post("/questions/nouvelle", data=_question_form("0", subject="", send="1"))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    banner = page[page.index('<div class="flashes"'):page.index("</div>", page.index('<div class="flashes"'))]
    assert ("rien n'a été enregistré. Voyez les 2 erreurs signalées, à partir de « <a href=\"#subject\">Objet</a> »."
            in banner)
    assert page.count("Indiquez l'objet de votre question.") == 1 and page.count("Choisissez un thème.") == 1
    assert _ticket_count() == 0


def test_each_filter_of_the_questions_list_keeps_its_label_above_it(member_client, world):
    """The filters' labels and fields were loose items of one wrapping row: on a phone « Auteur » stood beside the
    search box and its list fell to the next line. Each label now shares a box with its own field."""
    page = member_client.get("/questions/").get_data(as_text=True)
    form = page[page.index('<form method="get" class="filters"'):]
    form = form[:form.index("</form>")]
    for name, tag in (("q", "input"), ("qui", "select"), ("etat", "select")):
        assert re.search(rf'<div>\s*<label for="{name}">[^<]+</label>\s*<{tag} id="{name}"', form), name


def test_a_question_waiting_on_the_member_says_above_the_reply_box_that_an_answer_is_awaited(client, world, login):
    """The only sign that the jurist waited for the member was the badge « En attente du membre » at the top; the
    reply box now says it to the member (not to the team, nor once the member has replied)."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.change_status(ticket, world.jurist, "waiting")
    awaited = "L'équipe juridique attend votre réponse pour poursuivre : répondez ci-dessous."
    login(world.colleague)
    page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert awaited in page[page.index('id="reply-title"'):]
    login(world.jurist)
    assert awaited not in html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    services.add_message(ticket, world.member, "Voici la date demandée.")
    login(world.member)
    assert awaited not in html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))


def test_the_member_reads_from_when_an_unanswered_wait_or_an_answer_may_be_closed(client, world, login):
    """A question waiting on its member, or answered, is closed after 30 days without news: its member learnt it only
    from a reminder mail (waiting) or not at all (answered). The reply box now gives the date, to members only."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    closing = "Sans nouvelles de votre part, la question pourra être clôturée automatiquement à partir du"

    def reply_box(user) -> str:
        """The question page's reply section as `user` sees it."""
        login(user)
        page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
        return page[page.index('id="reply-title"'):]

    assert closing not in reply_box(world.member)  # « En cours »: the team has the next move
    with frozen_time(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, "Quelle est la date du contrat ?", status_after="waiting")
    assert f"{closing} 1er avril 2026." in reply_box(world.colleague)
    assert closing not in reply_box(world.jurist)
    with frozen_time(datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)):
        services.add_message(ticket, world.member, "Le contrat date du 2 février.")
    assert closing not in reply_box(world.member)
    with frozen_time(datetime(2026, 3, 12, 22, 30, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    # 30 days after 22:30 UTC on 12 March: 00:30 on 12 April in Paris, on summer time by then.
    assert f"{closing} 12 avril 2026." in reply_box(world.member)
    services.close(ticket, world.member)
    assert closing not in html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))


def test_the_reply_box_tells_the_member_what_happens_next_at_each_status(client, world, login):
    """A member saw « Nouvelle » or « Répondue » and no word of what came next: the reply box now says that the
    answer will come here and by mail, and once answered, how to close the question or reopen it by replying."""
    ticket = factories.make_ticket(world.member)
    pending = "Un juriste vous répondra sur cette page et vous serez prévenu(e) par courriel."
    answered = "Sinon, répondez ci-dessous : la question repassera « En cours »."

    def reply_box(user) -> str:
        """The question page's reply section as `user` sees it."""
        login(user)
        page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
        return page[page.index('id="reply-title"'):]

    assert pending in reply_box(world.member) and answered not in reply_box(world.member)
    services.claim(ticket, world.jurist)
    assert pending in reply_box(world.colleague)
    services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    assert answered in reply_box(world.member) and pending not in reply_box(world.member)
    jurist_view = reply_box(world.jurist)
    assert answered not in jurist_view and pending not in jurist_view
    services.add_message(ticket, world.member, "Une précision encore.")
    assert pending in reply_box(world.member)


def test_a_pasted_description_over_the_limit_is_refused_whole_not_cut(member_client, world):
    """The description box carried maxlength="20000": a member pasting a long e-mail had it cut there by the browser,
    without a word, and the question left with its end missing. The box has no maxlength now; the refusal says the
    limit and gives the whole text back to shorten."""
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    assert "maxlength" not in re.search(r"<textarea[^>]*>", page).group(0)
    pasted = "Le salarié a signé son CDDI le 3 mars. " * 600 + "FIN DU COURRIEL"
    response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, body=pasted))
    refused = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "20\u202f000 caractères au maximum (votre texte en compte 23\u202f415)." in refused
    assert "FIN DU COURRIEL</textarea>" in refused and _ticket_count() == 0
    ticket = factories.make_ticket(world.member)
    reply = member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "maxlength" not in re.search(r'<textarea[^>]*id="body"[^>]*>', reply).group(0)


def test_a_pasted_subject_over_the_limit_is_refused_whole_not_cut(member_client, world):
    """The subject box carried maxlength="200": a longer pasted subject was cut there by the browser without a word.
    No maxlength now: the refusal says the limit and gives the whole subject back to shorten."""
    page = member_client.get("/questions/nouvelle").get_data(as_text=True)
    assert "maxlength" not in re.search(r'<input[^>]*id="subject"[^>]*>', page).group(0)
    pasted = "Renouvellement d'un CDDI " * 9 + "FIN DE L'OBJET"
    response = member_client.post("/questions/nouvelle", data=_question_form(world.theme.id, subject=pasted))
    refused = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "200 caractères au maximum (votre texte en compte 239)." in refused
    assert re.search(r'<input[^>]*id="subject"[^>]*>', refused).group(0).count("FIN DE L'OBJET") == 1
    assert _ticket_count() == 0


def test_member_finds_a_question_by_its_reference_typed_without_zeros_or_in_lower_case(member_client, world):
    """« Q-2026-160 », copied from a phone call or typed in a hurry, found nothing while « 160 » did: a reference
    typed without its zeros, in lower case or with a space, finds the structure's question, never another's."""
    mine = factories.make_ticket(world.member, subject="Heures d'insertion")
    other = factories.make_ticket(world.outsider, subject="Une autre structure")
    year, number = mine.reference.split("-")[1:]
    for typed in (f"Q-{year}-{int(number)}", f"q{year}-{int(number)}", f"Q {year} {number}"):
        assert _references(member_client.get("/questions/", query_string={"q": typed}).get_data(as_text=True)) == [
            mine.reference]
    short = f"Q-{year}-{int(other.reference.rsplit('-', 1)[1])}"
    page = member_client.get("/questions/", query_string={"q": short}).get_data(as_text=True)
    assert _references(page) == [] and "Aucune question ne correspond" in page


def test_members_list_names_each_cell_for_the_phones_cards(member_client, world):
    """On a phone the list is a card per question (the queue's `cards` table): each value after the subject is
    named as in the header, so that « Votre réponse est attendue » reads « Statut : … » on its own line."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Pouvez-vous préciser ?", status_after="waiting")
    page = html.unescape(member_client.get("/questions/").get_data(as_text=True))
    assert '<table class="cards">' in page
    assert f'<td class="reference-cell"><a href="/questions/{ticket.reference}">{ticket.reference}</a></td>' in page
    for label in ("Statut", "Thème", "Auteur", "Dernière activité"):
        assert f'<td data-label="{label}">' in page


@pytest.mark.parametrize(("status", "hint"), [
    ("answered", "La réponse vous suffit ?"), ("open", "Un juriste vous répondra sur cette page")])
def test_the_hint_under_reply_is_set_apart_from_the_reply_field(member_client, world, status, hint):
    """The hint under « Répondre » stood against the « Votre réponse » label: it carries the spaced hint class."""
    ticket = factories.make_ticket(world.member)
    if status == "answered":
        services.add_message(ticket, world.jurist, "Voici la réponse.")
    page = html.unescape(member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert f'<p class="hint section-hint">{hint}' in page


def test_history_says_a_jurist_reply_answered_the_question(client, world, login):
    """A jurist's public reply marks the question answered: its history ties the change to the message, a status
    changed by hand keeps naming who changed it."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Voici la réponse.")
    login(world.colleague)
    page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert f"Statut après le message de {world.jurist.name} : Nouvelle → En cours." in page
    assert f"Statut après le message de {world.jurist.name} : En cours → Répondue." in page
    assert f"{world.jurist.name} a changé le statut" not in page


def test_member_adds_a_detail_before_the_first_answer_and_replies_after_it(member_client, world):
    """Before the team has answered, the member's box is « Ajouter une précision »; once answered, « Répondre »; the
    box itself is « Votre message » in both."""
    ticket = factories.make_ticket(world.member)
    page = html.unescape(member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert '<h2 id="reply-title">Ajouter une précision</h2>' in page
    assert '<label for="body">Votre message</label>' in page
    services.add_message(ticket, world.jurist, "Voici la réponse.")
    page = html.unescape(member_client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert '<h2 id="reply-title">Répondre</h2>' in page
    assert '<label for="body">Votre message</label>' in page
