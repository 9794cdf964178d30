"""Canned answers: shared by jurists, filled with the question's values, inserted without JavaScript."""
import html
import io
import re

import pytest
from sqlalchemy import func, select

from helpdesk.demo import CANNED_ANSWERS
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.mail import outbox
from helpdesk.models import CannedAnswer, OutboxEmail
from helpdesk.tickets import services as ticket_services
from helpdesk.triage import canned, citations
from tests import factories

BODY = "Bonjour {prenom_membre},\n\nPour {structure}, au sujet de {reference} : voici la règle.\n\n{juriste}"


@pytest.fixture
def answer(world):
    """A canned answer written by the first jurist."""
    return canned.save_canned_answer(world.jurist, None, "Règle des 480 heures", BODY)


def test_jurist_creates_edits_and_deletes_canned_answers_through_the_pages(client, world, login):
    login(world.jurist)
    response = client.post("/reponses-types/nouvelle", data={"title": "CDDI", "body": "Bonjour {prenom_membre}"},
                           follow_redirects=True)
    assert "réponse type enregistrée." in response.get_data(as_text=True)
    created = db.session.scalar(select(CannedAnswer))
    login(world.jurist2)  # shared: a colleague edits it
    client.post(f"/reponses-types/{created.id}", data={"title": "CDDI renouvellement", "body": "Texte"})
    db.session.refresh(created)
    assert created.title == "CDDI renouvellement"
    assert "CDDI renouvellement" in client.get("/reponses-types/").get_data(as_text=True)
    confirm = client.get(f"/reponses-types/{created.id}/supprimer").get_data(as_text=True)
    assert "Supprimer la réponse type « CDDI renouvellement » ?" in confirm
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer)) == 1
    client.post(f"/reponses-types/{created.id}/supprimer")
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer)) == 0


@pytest.mark.parametrize("number", ["0", "999"])
def test_an_unknown_canned_answer_is_a_404(client, world, login, number):
    """/reponses-types/0 is a 404 like any unknown answer (it showed, and accepted, the new-answer form)."""
    login(world.jurist)
    assert client.get(f"/reponses-types/{number}").status_code == 404
    assert client.post(f"/reponses-types/{number}", data={"title": "Fantôme", "body": "Texte"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer).where(CannedAnswer.title == "Fantôme")) == 0

def test_canned_answer_list_asks_for_confirmation_before_deleting(client, world, login, answer):
    login(world.jurist)
    page = client.get("/reponses-types/").get_data(as_text=True)
    assert f'href="/reponses-types/{answer.id}/supprimer"' in page
    assert f'action="/reponses-types/{answer.id}/supprimer"' not in page


@pytest.mark.parametrize("title, body, message", [
    ("Titre", "Bonjour {prenom}", "La variable {prenom} est inconnue"),
    ("Titre", "Au sujet de {objet. Bien à vous", "La variable « {objet. » est mal écrite"),
    ("Titre", "Bonjour {Prenom_membre}", "La variable « {Prenom_membre » est mal écrite"),
    ("  ", "Texte", "Indiquez un titre."),
    ("Titre", "   ", "Le texte est vide."),
    # The typed length too, as under the form's fields: the writer knows how much to cut.
    ("Titre", "x" * 20_001, "Le champ « Texte » accepte 20\u202f000 caractères au maximum (votre texte en compte "
                            "20\u202f001)."),
    ("x" * 205, "Texte", "Le champ « Titre » accepte 200 caractères au maximum (votre texte en compte 205)."),
])
def test_bad_canned_answers_are_refused(world, title, body, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        canned.save_canned_answer(world.jurist, None, title, body)


def test_duplicate_title_is_refused(world, answer):
    with pytest.raises(InvalidInput, match="déjà ce titre"):
        canned.save_canned_answer(world.jurist2, None, "règle des 480 HEURES", "Autre texte")


def test_insert_fills_placeholders_and_keeps_the_draft_for_editing(client, world, login, answer):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post(f"/questions/{ticket.reference}/rediger",
                       data={"body": "Début déjà écrit.", "kind": "public", "status_after": "waiting",
                             "canned": str(answer.id), "action": "canned"}).get_data(as_text=True)
    expected = (f"Début déjà écrit.\n\nBonjour Alice,\n\nPour Chantier des Tests, au sujet de {ticket.reference} : "
                f"voici la règle.\n\nDenis Juriste")
    assert expected.replace("'", "&#39;") in page
    assert '<option selected value="waiting">' in page
    assert ticket.messages == []  # nothing sent until the jurist presses « Envoyer »


@pytest.mark.parametrize("canned_id", ["99999999999999999999", "0", "-1"])
def test_inserting_an_impossible_canned_answer_is_a_bad_request(client, world, login, answer, canned_id):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    response = client.post(f"/questions/{ticket.reference}/rediger",
                           data={"body": "Brouillon.", "canned": canned_id, "action": "canned"})
    assert response.status_code == 400 and "Requête invalide" in response.get_data(as_text=True)
    assert ticket.messages == []


def test_members_cannot_use_canned_answers(client, world, login, answer):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    assert client.get("/reponses-types/").status_code == 403
    assert client.get(f"/reponses-types/{answer.id}").status_code == 403
    assert client.post(f"/reponses-types/{answer.id}/supprimer").status_code == 403
    assert client.post(f"/questions/{ticket.reference}/rediger",
                       data={"canned": str(answer.id), "action": "canned"}).status_code == 403
    assert "Ajouter une précision" in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Réponse type" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    login(world.outsider)
    assert client.post(f"/questions/{ticket.reference}/rediger",
                       data={"canned": str(answer.id), "action": "canned"}).status_code == 404
    assert db.session.get(CannedAnswer, answer.id) is not None


def test_inserting_a_canned_answer_names_the_files_to_attach_again(client, world, login, answer):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post(f"/questions/{ticket.reference}/rediger", content_type="multipart/form-data", data={
        "body": "Début.", "canned": str(answer.id), "action": "canned",
        "attachments": [(io.BytesIO(factories.pdf_bytes()), "avenant.pdf"), (io.BytesIO(factories.pdf_bytes()), "fiche.pdf")],
    }).get_data(as_text=True)
    assert "Joignez de nouveau vos fichiers : avenant.pdf, fiche.pdf n&#39;ont pas été enregistrés" in page
    assert ticket.messages == []


@pytest.mark.parametrize("data, message", [
    ({"title": "", "body": ""},
     "rien n'a été enregistré. Voyez les 2 erreurs signalées, à partir de « <a href=\"#title\">"),
    ({"title": "Relance", "body": "Bonjour {inconnu}"}, "La variable {inconnu} est inconnue."),
])
def test_a_refused_canned_answer_says_so_at_the_top_and_saves_nothing(client, world, login, data, message):
    """A refused canned answer came back, for empty fields, without the banner every refused form shows (as the
    service-level and routing pages: shown again, 200)."""
    login(world.jurist)
    response = client.post("/reponses-types/nouvelle", data=data)
    assert response.status_code == 400 and message in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer)) == 0


def _answer_mail(world, body: str, status_after: str = "answered") -> tuple[str, str]:
    """The text and HTML of the mail the member gets when the jurist sends `body` (a canned answer filled)."""
    ticket = factories.make_ticket(world.member)
    reply = canned.fill(canned.save_canned_answer(world.jurist, None, "Modèle", body), ticket, world.jurist)
    ticket_services.add_message(ticket, world.jurist, reply, status_after=status_after)
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == status_after,
                                                       OutboxEmail.to_address == world.member.email))
    _, text, html_body = outbox.deferred_mail(mail)
    return text, html_body


@pytest.mark.parametrize(("title", "body", "status_after"), CANNED_ANSWERS)
def test_a_demo_canned_answer_sent_by_mail_greets_the_member_once(world, title, body, status_after):
    """The demo's canned answers open with « Bonjour {prenom_membre}, »: the mail does not greet again above them."""
    text, html_body = _answer_mail(world, body, status_after or "answered")
    assert text.count("Bonjour") == 1 and "Bonjour Alice," in text
    assert html_body.count("Bonjour") == 1
    assert "Denis Juriste" in text


@pytest.mark.parametrize("status_after", ["answered", "waiting"])
@pytest.mark.parametrize("greeting", ["Bonjour {prenom_membre},", "  bonjour,", "Madame,", "Chère Madame,"])
def test_a_jurists_own_greeting_canned_answer_is_not_greeted_twice(world, greeting, status_after):
    """A jurist's own canned answer that greets (in any case, after spaces) gets no second « Bonjour Alice, » from
    the mail, whether it answers or asks for details."""
    text, html_body = _answer_mail(world, f"{greeting}\n\nVoici la règle.\n\n{{juriste}}", status_after)
    assert not text.startswith("Bonjour Alice,") and html_body.lower().count("bonjour") <= 1
    assert text.lower().count("bonjour") <= 1 and "Voici la règle." in text


def test_a_canned_answer_without_greeting_is_greeted_by_the_mail(world):
    """A reply that does not greet (« Bonjourné » is no greeting) gets the mail's « Bonjour Alice, » above it."""
    text, html_body = _answer_mail(world, "Bonjourné n'est pas un salut.\n\n{juriste}")
    assert text.startswith("Bonjour Alice,") and "<p>Bonjour Alice,</p>" in html_body


def test_a_canned_answer_asking_for_details_sets_the_status_after_the_reply(client, world, login):
    """« Demande de précisions » carries « En attente du membre »: inserting it chooses that status in the reply box,
    which the jurist may still change; an answer without a status leaves the box's choice as it was."""
    login(world.jurist)
    client.post("/reponses-types/nouvelle", data={"title": "Demande de précisions", "status_after": "waiting",
                                                  "body": "Pouvez-vous préciser la date du contrat ?"})
    asking = db.session.scalar(select(CannedAnswer).where(CannedAnswer.title == "Demande de précisions"))
    assert asking.status_after == "waiting"
    assert '<option selected value="waiting">' in client.get(f"/reponses-types/{asking.id}").get_data(as_text=True)
    plain = canned.save_canned_answer(world.jurist, None, "Accusé de réception", "Bien reçu.", "")
    assert plain.status_after is None
    ticket = factories.make_ticket(world.member)
    page = client.post(f"/questions/{ticket.reference}/rediger",
                       data={"body": "", "kind": "public", "status_after": "answered", "canned": str(asking.id),
                             "action": "canned"}).get_data(as_text=True)
    assert '<option selected value="waiting">' in page and "Pouvez-vous préciser la date du contrat ?" in page
    for chosen in ("answered", "waiting"):
        page = client.post(f"/questions/{ticket.reference}/rediger",
                           data={"body": "", "kind": "public", "status_after": chosen, "canned": str(plain.id),
                                 "action": "canned"}).get_data(as_text=True)
        assert f'<option selected value="{chosen}">' in page
    client.post(f"/reponses-types/{asking.id}", data={"title": "Demande de précisions", "body": "Texte",
                                                      "status_after": ""})
    db.session.refresh(asking)
    assert asking.status_after is None, "« Inchangé » takes the status off"
    assert ticket.messages == []


@pytest.mark.parametrize("status_after", ["closed", "open", "new", "x" * 30])
def test_a_status_a_reply_cannot_leave_is_refused(client, world, login, status_after):
    with pytest.raises(InvalidInput, match="Le statut après la réponse doit être") as refusal:
        canned.save_canned_answer(world.jurist, None, "Modèle", "Texte", status_after)
    assert refusal.value.field == "status_after"
    login(world.jurist)
    response = client.post("/reponses-types/nouvelle", data={"title": "Modèle", "body": "Texte",
                                                             "status_after": status_after})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CannedAnswer)) == 0


def test_the_demo_request_for_details_waits_for_the_member():
    """The demo's « Demande de précisions » canned answer chooses « En attente du membre »; the others leave it."""
    statuses = {title: status_after for title, _, status_after in CANNED_ANSWERS}
    assert statuses["Demande de précisions sur le contrat"] == "waiting"
    assert statuses["Accusé de réception"] is None


def test_the_list_of_canned_answers_says_what_each_does_to_the_question_status(client, world, login):
    """The list shows each answer's « Statut après la réponse » in words, « Inchangé » for an answer without one (its
    cell was empty)."""
    canned.save_canned_answer(world.jurist, None, "Demande de précisions", "Pouvez-vous préciser ?", "waiting")
    canned.save_canned_answer(world.jurist, None, "Réponse complète", "Voici la règle.", "answered")
    canned.save_canned_answer(world.jurist, None, "Accusé de réception", "Bien reçu.", None)
    login(world.jurist)
    page = client.get("/reponses-types/").get_data(as_text=True)
    assert "<th scope=\"col\">Statut après la réponse</th>" in page
    rows = {title: row for row in page.split("<tr>")[2:] for title in
            ("Demande de précisions", "Réponse complète", "Accusé de réception") if f">{title}</a>" in row}
    assert "Met la question en attente du membre" in rows["Demande de précisions"]
    assert "Marque la question comme répondue" in rows["Réponse complète"]
    unset = rows["Accusé de réception"]
    assert "Met la question" not in unset and "Marque la question" not in unset and "<td>Inchangé</td>" in unset


def test_the_demo_full_answer_frame_takes_a_resource_link_above_its_closing():
    """The demo's frame for a full answer ends « Bien cordialement, {juriste} »: a link inserted with no cursor goes
    after « la fiche ci-dessous », above the closing."""
    frame = next(body for title, body, _status in CANNED_ANSWERS if title == "Réponse avec une fiche à l'appui")
    body, _cursor = citations.place_link(frame, "[Fiche](/ressources/fiche)", None)
    assert body.endswith("situation est différente.\n\n[Fiche](/ressources/fiche)\n\nBien cordialement,\n{juriste}")
