"""Personal data: a member's export, anonymisation of users and structures, retention, the notice page."""
import html
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.api import tokens
from helpdesk.auth.passwords import request_password_reset
from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.flash import services as flash_services
from helpdesk.mail import sender
from helpdesk.mail.ingest import ingest
from helpdesk.mail.reply_address import reply_address
from helpdesk.models import Attachment, Event, InboundEmail, Message, OutboxEmail, Ticket
from helpdesk.models._types import frozen_time
from helpdesk.privacy.services import (REMOVED_TEXT, anonymise_structure, anonymise_user, apply_retention,
                                       personal_data)
from helpdesk.tickets import services
from helpdesk.triage import satisfaction
from helpdesk.webinars import services as webinar_services
from helpdesk.webinars.services import WebinarValues
from tests import factories
from tests.factories import pdf_bytes, png_bytes


def files_on_disk(app) -> list[Path]:
    """Every stored file."""
    root = Path(app.config["UPLOAD_DIR"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def history(world):
    """A closed question of the member with a file, a jurist's answer and note, and the member's reply on a colleague's
    question."""
    ticket = factories.make_ticket(world.member, subject="Licenciement de M. Dupont",
                                   body="M. Dupont, salarié en CDDI, a reçu un avertissement.",
                                   attachments=[("bulletin-dupont.pdf", pdf_bytes())])
    services.add_message(ticket, world.jurist, "Réponse pour M. Dupont")
    services.add_message(ticket, world.jurist, "Note sur M. Dupont", internal=True)
    services.close(ticket, world.member)
    other = factories.make_ticket(world.colleague, subject="Autre question de la structure")
    services.add_message(other, world.member, "Complément de Mme Membre", attachments=[("photo.png", png_bytes())])
    return ticket, other


def test_member_downloads_their_data_as_json_and_files(client, world, login, history):
    ticket, other = history
    login(world.member)
    page = client.get("/compte/").get_data(as_text=True)
    assert "Télécharger mes données" in page and 'href="/donnees-personnelles"' in page
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("donnees.json"))
    assert data["compte"]["email"] == world.member.email
    assert [question["référence"] for question in data["questions"]] == [ticket.reference]
    thread = [entry["texte"] for entry in data["questions"][0]["échanges"]]
    assert thread == ["Réponse pour M. Dupont"]  # never the internal note
    db.session.refresh(ticket)
    question = data["questions"][0]
    assert question["posée_le"] == ticket.created_at.isoformat()
    assert question["clôturée_le"] == ticket.closed_at.isoformat() and "close_le" not in question
    assert [message["question"] for message in data["messages_sur_d_autres_questions"]] == [other.reference]
    assert data["journal_de_connexion"][0]["type"] == "login"
    names = archive.namelist()
    assert any(name.endswith("bulletin-dupont.pdf") for name in names) and any(name.endswith("photo.png") for name in names)
    assert db.session.scalar(select(Event).where(Event.kind == "personal_data_exported")).actor_id == world.member.id


def test_a_member_who_changed_structure_exports_only_their_own_words_on_the_former_structures_questions(world,
                                                                                                         history):
    """Their question stays with the structure they left, whose pages they may no longer open: its replies (a
    colleague's, a jurist's) are not theirs to take away."""
    ticket, _other = history
    answered = factories.make_ticket(world.member, subject="Question toujours ouverte")
    services.add_message(answered, world.member, "Précision de Mme Membre")
    world.member.structure = world.outsider.structure
    db.session.commit()
    services.add_message(answered, world.colleague, "Réponse de la collègue restée dans la structure")
    services.add_message(answered, world.jurist, "Réponse du juriste sur M. Dupont")
    questions = {question["référence"]: question for question in personal_data(world.member)["questions"]}
    assert set(questions) == {ticket.reference, answered.reference}, "the questions they asked are still listed"
    assert [entry["texte"] for entry in questions[answered.reference]["échanges"]] == ["Précision de Mme Membre"]
    assert questions[ticket.reference]["échanges"] == []
    assert questions[answered.reference]["description"] == answered.body


def test_data_export_needs_a_login(client):
    assert client.get("/compte/mes-donnees.zip").status_code == 302


def test_anonymising_a_member_keeps_statistics_and_removes_personal_data(app, world, history):
    ticket, other = history
    anonymise_user(world.member, world.admin)
    db.session.expire_all()
    member = world.member
    assert member.name.startswith("Utilisateur anonymisé") and member.email.endswith("@anonymise.invalid")
    assert not member.active and not member.check_password("mot-de-passe-de-test")
    assert (ticket.status, ticket.theme_id, ticket.structure_id, ticket.created_at) == (
        "closed", None, world.structure.id, ticket.created_at)
    assert "Dupont" not in ticket.subject + ticket.body
    assert all(message.body == REMOVED_TEXT for message in ticket.messages)
    assert [message.body for message in other.messages] == [REMOVED_TEXT]
    assert "Autre question" in other.subject  # the colleague's question keeps its own text
    assert db.session.scalars(select(Attachment)).all() == [] and files_on_disk(app) == []
    assert all("address" not in (event.data or {}) for event in db.session.scalars(
        select(Event).where(Event.actor_id == member.id)))


def mail_from(user, subject: str, text: str, ticket=None) -> bytes:
    """A plain email sent by `user` to the help desk (to their signed reply address of `ticket` if given)."""
    message = EmailMessage()
    message["From"] = f"{user.name} <{user.email}>"
    message["To"] = reply_address(user, ticket) if ticket else "questions@federation.example.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="exemple.test")
    message.set_content(text)
    return message.as_bytes()


def mail_dump() -> str:
    """Every stored outbox and inbound text, headers and address, as one string."""
    db.session.expire_all()
    parts = []
    for row in db.session.scalars(select(OutboxEmail)):
        parts += [row.to_address, row.subject, row.text_body or "", row.html_body or "", str(row.context),
                  str(row.headers), row.last_error or ""]
    for mail in db.session.scalars(select(InboundEmail)):
        parts += [mail.from_address, mail.from_name, mail.subject, mail.text, mail.raw.decode("utf-8", "replace"),
                  mail.detail]
    return "\n".join(parts)


@pytest.fixture
def mailbox(world, history):
    """The member's mail both ways: notifications and password links to them (one sent, one failed, one
    pending), a reply placed on a colleague's question and a message kept for review."""
    _, other = history
    for status in ("sent", "failed", "pending"):
        request_password_reset(world.member.email)
        row = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "password_reset")
                                .order_by(OutboxEmail.id.desc()).limit(1))
        row.status = status
        row.last_error = f"SMTPRecipientsRefused: {world.member.email}" if status == "failed" else None
    db.session.commit()
    placed = ingest(mail_from(world.member, f"Re: [{other.reference}] Autre question",
                              "Précision : M. Dupont est en arrêt depuis lundi.", other))
    kept = ingest(mail_from(world.member, "Sans référence", "Alice Membre, M. Dupont, 06 12 34 56 78"))
    assert (placed.status, kept.status) == ("placed", "pending")
    assert "Dupont" in mail_dump() and world.member.email in mail_dump()
    return placed, kept


def test_anonymising_a_member_scrubs_their_mail_in_the_outbox_and_the_inbox(world, history, mailbox):
    placed, kept = mailbox
    email = world.member.email
    unsent = [row.id for row in db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.recipient_id == world.member.id, OutboxEmail.status != "sent"))]
    assert unsent
    anonymise_user(world.member, world.admin)
    dump = mail_dump()
    assert email not in dump and "Alice" not in dump and "Dupont" not in dump and "06 12 34" not in dump
    to_member = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient_id == world.member.id)).all()
    assert to_member and {row.to_address for row in to_member} == {world.member.email}
    assert {row.status for row in to_member if row.id in unsent} == {"cancelled"}
    assert "sent" in {row.status for row in to_member}, "what was sent stays recorded as sent"
    assert (placed.from_address, kept.from_address) == (world.member.email, world.member.email)
    assert placed.raw == kept.raw == b"" and kept.status == "discarded"
    assert "collegue@exemple.test" in dump or "juriste@exemple.test" in dump, "other people's mail keeps its address"


def test_mail_cancelled_by_anonymisation_is_never_sent(world, history, mailbox):
    def sent_to_member() -> set[int]:
        """Ids of the mails recorded as sent to the member."""
        return set(db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.recipient_id == world.member.id,
                                                                   OutboxEmail.status == "sent")))

    already_sent = sent_to_member()
    anonymise_user(world.member, world.admin)
    report = sender.send_pending()
    assert sent_to_member() == already_sent
    assert report.failed == 0


def test_retention_scrubs_the_mail_about_old_questions(world):
    now = datetime.now(timezone.utc)
    old = _closed_question(world, now - timedelta(days=365 * 6))
    old.subject = "Licenciement de M. Dupont"
    db.session.commit()
    with frozen_time(now - timedelta(days=365 * 6)):
        ingest(mail_from(world.member, f"Re: [{old.reference}] Licenciement de M. Dupont", "M. Dupont a signé.", old))
    services.add_message(factories.make_ticket(world.member), world.jurist, "Autre réponse")
    assert "Dupont" in mail_dump()
    apply_retention(5, 365)
    dump = mail_dump()
    assert "Dupont" not in dump
    assert world.member.email in dump, "the member is not anonymised: mail about their other questions stays"


def test_anonymised_member_cannot_log_in(client, world, history):
    anonymise_user(world.member, world.admin)
    response = client.post("/connexion", data={"email": "membre@exemple.test", "password": factories.PASSWORD})
    assert response.status_code == 200


def test_an_anonymised_account_cannot_be_reactivated_nor_invited_again(client, world, history, login):
    anonymise_user(world.member, world.admin)
    login(world.admin)
    page = client.get("/admin/utilisateurs?page=1").get_data(as_text=True)
    assert "Anonymisé" in page
    response = client.post(f"/admin/utilisateurs/{world.member.id}/activation", follow_redirects=True)
    assert "Il ne peut plus être réactivé" in response.get_data(as_text=True)
    client.post(f"/admin/utilisateurs/{world.member.id}/invitation")
    db.session.expire_all()
    assert not world.member.active
    assert db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.kind == "invitation")) is None


def test_anonymising_a_person_removes_the_staff_searches_naming_them_from_the_journal(world):
    """A jurist's question search for « Collègue Bruno » or their address stays in the journal after Bruno is
    anonymised only without its words; other searches keep theirs."""
    searches = ("collegue BRUNO licenciement", "Rupture conventionnelle", "collegue@exemple.test", "brunoise")
    for words in searches:
        record_event("queue_searched", world.jurist, words=words)
    db.session.commit()
    anonymise_user(world.colleague, world.admin)
    kept = [event.data.get("words") for event in db.session.scalars(
        select(Event).where(Event.kind == "queue_searched").order_by(Event.id))]
    assert kept == [None, "Rupture conventionnelle", None, "brunoise"]


def test_anonymising_a_jurist_keeps_their_answers(world, history):
    ticket, _ = history
    anonymise_user(world.jurist, world.admin)
    assert ticket.messages[0].body == "Réponse pour M. Dupont"
    assert world.jurist.name.startswith("Utilisateur anonymisé")


def test_anonymising_a_jurist_puts_their_open_questions_back_in_unassigned(world):
    """An anonymised jurist's open questions used to stay assigned to « Utilisateur anonymisé », in nobody's queue."""
    open_question, closed_question = factories.make_ticket(world.member), factories.make_ticket(world.member)
    services.claim(open_question, world.jurist)
    services.claim(closed_question, world.jurist)
    services.close(closed_question, world.jurist)
    anonymise_user(world.jurist, world.admin)
    db.session.expire_all()
    assert open_question.assignee_id is None and closed_question.assignee_id == world.jurist.id
    [released] = db.session.scalars(select(Event).where(Event.ticket_id == open_question.id,
                                                        Event.kind == "unassigned")).all()
    assert released.data["previous"].startswith("Utilisateur anonymisé"), "the history keeps no trace of the name"


def test_only_admins_anonymise_and_never_themselves_or_twice(world):
    with pytest.raises(Forbidden):
        anonymise_user(world.member, world.jurist)
    with pytest.raises(InvalidInput):
        anonymise_user(world.admin, world.admin)
    anonymise_user(world.member, world.admin)
    with pytest.raises(InvalidInput, match="déjà"):
        anonymise_user(world.member, world.admin)


def test_anonymising_a_structure_covers_its_accounts_and_questions(app, world, history):
    anonymise_structure(world.structure, world.admin)
    db.session.expire_all()
    structure = world.structure
    assert structure.name.startswith("Structure anonymisée") and not structure.active
    assert (structure.type, structure.region) == ("ACI", "bretagne")
    assert all(user.anonymised_at for user in structure.users)
    tickets = db.session.scalars(select(Ticket).where(Ticket.structure_id == structure.id)).all()
    assert len(tickets) == 2 and all(ticket.anonymised_at for ticket in tickets)
    assert db.session.scalars(select(Message.body).distinct()).all() == [REMOVED_TEXT]
    assert files_on_disk(app) == []
    assert world.outsider.anonymised_at is None


def test_admin_anonymises_from_the_pages(client, world, login, history):
    login(world.admin)
    assert "Anonymiser" in client.get("/admin/utilisateurs").get_data(as_text=True)
    response = client.post(f"/admin/utilisateurs/{world.member.id}/anonymiser", follow_redirects=True)
    assert "compte anonymisé" in response.get_data(as_text=True)
    assert "Anonymiser définitivement" in client.get(
        f"/admin/structures/{world.other_structure.id}/anonymiser").get_data(as_text=True)
    response = client.post(f"/admin/structures/{world.other_structure.id}/anonymiser", follow_redirects=True)
    assert "Structure anonymisée" in response.get_data(as_text=True)
    login(world.jurist)
    assert client.post(f"/admin/utilisateurs/{world.colleague.id}/anonymiser").status_code == 403


def test_account_list_asks_for_confirmation_before_anonymising(client, world, login, history):
    """The list's button used to anonymise at once, one click from « Renvoyer une invitation »."""
    login(world.admin)
    listing = client.get("/admin/utilisateurs").get_data(as_text=True)
    url = f"/admin/utilisateurs/{world.member.id}/anonymiser"
    assert f'<a href="{url}">Anonymiser…' in listing and f'action="{url}"' not in listing
    page = client.get(url).get_data(as_text=True)
    assert f"Anonymiser le compte {world.member.email} ?" in page and "Anonymiser définitivement" in page
    assert 'href="/admin/utilisateurs">Annuler</a>' in page
    db.session.refresh(world.member)
    assert world.member.anonymised_at is None and world.member.email in page
    assert client.get("/admin/utilisateurs/999999/anonymiser").status_code == 404
    login(world.jurist)
    assert client.get(url).status_code == 403


def test_structure_page_asks_for_confirmation_before_anonymising(client, world, login, history):
    """The structure page's button used to wipe the structure, its accounts and its questions at once."""
    login(world.admin)
    url = f"/admin/structures/{world.structure.id}/anonymiser"
    structure_page = client.get(f"/admin/structures/{world.structure.id}").get_data(as_text=True)
    assert f'<a href="{url}">Anonymiser la structure…</a>' in structure_page and f'action="{url}"' not in structure_page
    page = client.get(url).get_data(as_text=True)
    assert f"Anonymiser la structure {world.structure.name} ?" in page and "Anonymiser définitivement" in page
    assert "2 questions de cette structure perdront leur texte et leurs fichiers." in page
    assert world.member.email in page and world.colleague.email in page
    assert f'href="/admin/structures/{world.structure.id}">Annuler</a>' in page
    db.session.refresh(world.structure)
    assert world.structure.anonymised_at is None and world.structure.active
    assert client.get("/admin/structures/999999/anonymiser").status_code == 404
    login(world.jurist)
    assert client.get(url).status_code == 403


def _closed_question(world, closed_at: datetime) -> Ticket:
    """A question closed at a given moment, with a file."""
    with frozen_time(closed_at - timedelta(days=1)):
        ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    with frozen_time(closed_at):
        services.close(ticket, world.member)
    return ticket


def test_retention_anonymises_only_questions_closed_long_ago(app, world):
    now = datetime.now(timezone.utc)
    old = _closed_question(world, now - timedelta(days=365 * 6))
    recent = _closed_question(world, now - timedelta(days=365 * 2))
    still_open = factories.make_ticket(world.member)
    preview = apply_retention(5, 365, dry_run=True)
    assert preview.questions == [old.reference] and old.anonymised_at is None and len(files_on_disk(app)) == 2
    report = apply_retention(5, 365)
    assert report.questions == [old.reference]
    assert old.anonymised_at and old.body == REMOVED_TEXT and recent.anonymised_at is None
    assert still_open.anonymised_at is None and len(files_on_disk(app)) == 1
    assert apply_retention(5, 365).questions == []


def test_retention_drops_old_login_addresses(client, world):
    with frozen_time(datetime.now(timezone.utc) - timedelta(days=400)):
        client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    client.post("/deconnexion")
    client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    assert apply_retention(5, 365).events == 1
    addresses = [event.data.get("address") for event in db.session.scalars(
        select(Event).where(Event.kind == "login").order_by(Event.id))]
    assert addresses[0] is None and addresses[1] is not None


def test_retention_drops_old_network_change_addresses(client, world):
    """A session's moves between networks keep their address in the journal as long as a login's, no longer."""
    with frozen_time(datetime.now(timezone.utc) - timedelta(days=400)):
        client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
        client.get("/compte/", environ_base={"REMOTE_ADDR": "198.51.100.23"})
    phone = client.application.test_client()
    phone.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    phone.get("/compte/", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    apply_retention(5, 365)
    addresses = [event.data.get("address") for event in db.session.scalars(
        select(Event).where(Event.kind == "session_network_changed").order_by(Event.id))]
    assert addresses == [None, "203.0.113.9"]


def test_retention_command_has_a_dry_run(runner, world):
    old = _closed_question(world, datetime.now(timezone.utc) - timedelta(days=365 * 3))
    result = runner.invoke(args=["retention", "anonymise", "--years", "2", "--dry-run"])
    assert result.exit_code == 0 and "question(s) clôturée(s) depuis plus de" in result.output and "seraient anonymisées" in result.output and old.reference in result.output
    assert old.anonymised_at is None
    result = runner.invoke(args=["retention", "anonymise", "--years", "2"])
    db.session.expire_all()
    assert result.exit_code == 0 and old.anonymised_at is not None
    assert runner.invoke(args=["retention", "anonymise", "--years", "0"]).exit_code == 1


def test_notice_page_is_public_and_linked_from_the_footer(client, app):
    page = client.get("/donnees-personnelles").get_data(as_text=True)
    assert "Données personnelles" in page and f"{app.config['RETENTION_YEARS']} ans après la clôture" in page
    assert 'href="/donnees-personnelles"' in client.get("/connexion").get_data(as_text=True)


def test_notice_says_how_to_have_ones_data_corrected_or_erased(client):
    page = html.unescape(client.get("/donnees-personnelles").get_data(as_text=True))
    assert "corrigez votre nom depuis « Mon compte »" in page
    assert "pour effacer votre compte, posez une question au service juridique" in page


def test_a_member_with_questions_in_progress_is_not_anonymised(client, world, login):
    ticket = factories.make_ticket(world.member, subject="Question en cours")
    login(world.admin)
    page = client.post(f"/admin/utilisateurs/{world.member.id}/anonymiser", follow_redirects=True).get_data(as_text=True)
    assert f"ce membre a des questions en cours ({ticket.reference})" in page
    db.session.expire_all()
    assert world.member.anonymised_at is None and ticket.subject == "Question en cours"


def test_the_data_export_holds_preferences_subscriptions_webinars_ratings_and_tokens_but_no_secret(world, history):
    ticket, _ = history
    flash_services.set_subscriptions(world.member, [world.theme.id])
    webinar = webinar_services.save_webinar(None, WebinarValues(
        title="Réforme IAE", starts_at=datetime.now(timezone.utc) + timedelta(days=10)), world.jurist)
    webinar_services.register_interest(webinar, world.member)
    satisfaction.rate(ticket, world.member, 5, "Très clair")
    token, secret = tokens.create_token(world.member, "Tableur", "read", 30)
    data = personal_data(world.member)
    assert data["préférences"]["courriels"] == "Un courriel à chaque notification"
    assert data["abonnements_flash_info"] == [world.theme.name]
    assert [entry["webinaire"] for entry in data["webinaires_suivis"]] == ["Réforme IAE"]
    assert data["avis_sur_les_réponses"][0] | {"date": None} == {
        "question": ticket.reference, "note": 5, "commentaire": "Très clair", "date": None}
    assert [(entry["nom"], entry["portée"]) for entry in data["jetons_api"]] == [("Tableur", "Lecture")]
    assert secret not in json.dumps(data, ensure_ascii=False) and token.token_hash not in json.dumps(data)


def test_questions_sent_ahead_of_webinars_are_exported_then_removed_with_the_member(world, history):
    """A question sent ahead of a webinar describes its member: the export lists it, anonymising removes it."""
    webinar = webinar_services.save_webinar(None, WebinarValues(
        title="Réforme IAE", starts_at=datetime.now(timezone.utc) + timedelta(days=10),
        join_url="https://visio.exemple.test/iae"), world.jurist)
    for user, text in ((world.member, "Notre salariée en CDDI est enceinte : que faire ?"),
                       (world.colleague, "Le PASS IAE se prolonge-t-il ?")):
        webinar_services.register_interest(webinar, user)
        webinar_services.send_question(webinar, user, text)
    exported = personal_data(world.member)["questions_envoyées_aux_webinaires"]
    assert [(entry["webinaire"], entry["question"]) for entry in exported] == [
        ("Réforme IAE", "Notre salariée en CDDI est enceinte : que faire ?")]
    anonymise_user(world.member, world.admin)
    assert [question.text for question in webinar_services.questions_sent(webinar, world.jurist)] == [
        "Le PASS IAE se prolonge-t-il ?"]
    confirmation = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "webinar_registered",
                                                               OutboxEmail.recipient_id == world.member.id))
    assert "visio.exemple.test" not in confirmation.text_body and confirmation.subject == "[Courriel anonymisé]"
