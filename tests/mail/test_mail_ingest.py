"""Replies by email: real-world-shaped messages placed on their question, or kept for the jurists."""
import base64
import imaplib
import re
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select

from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.mail.fetch import fetch_mailbox
from helpdesk.mail import ingest as ingest_module
from helpdesk.mail.ingest import attach, discard, ingest, ingest_or_keep
from helpdesk.mail import parsing
from helpdesk.mail.parsing import html_to_text, parse_mail, trim_reply
from helpdesk.mail.reply_address import read_token, reply_address
from helpdesk.models import Attachment, InboundEmail, Message, Ticket
from helpdesk.tickets import services
from helpdesk.triage import filing
from tests import factories
from tests.mail.helpers import fixture_mail, outbox, page_text


@pytest.fixture
def question(world):
    """The world's structure's question, answered by the jurist."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Oui, le renouvellement est possible.")
    return ticket


def _mail(name: str, ticket, sender, to=None) -> bytes:
    """A fixture message about `ticket` from `sender`, sent to the reply address given to `to` (default: the
    sender) for that question."""
    return fixture_mail(name, REF=ticket.reference, REF_LOWER=ticket.reference.lower(), FROM=sender.email,
                        TO=reply_address(to or sender, ticket))


def _forged(question, sender_email: str, to: str, subject_reference: str | None = None) -> bytes:
    """The audit's reproduction: a bare reply claiming to come from `sender_email`, sent to `to`."""
    return (f"From: {sender_email}\r\nTo: {to}\r\nSubject: Re: [{subject_reference or question.reference}] x\r\n"
            f"Message-ID: <spoof-{sender_email}-{to}@attacker.example>\r\n\r\nREPONSE FORGEE\r\n").encode()


def _replies(ticket, author) -> list[Message]:
    """Public messages by `author` on the question."""
    return list(db.session.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.author_id == author.id, Message.internal.is_(False))))


def test_gmail_reply_in_french_is_appended_without_its_quoted_history(app, world, question):
    record = ingest(_mail("gmail_reply_fr.eml", question, world.member))
    assert record.status == "placed" and record.ticket_id == question.id
    [reply] = _replies(question, world.member)
    assert reply.body == ("Merci beaucoup pour cette réponse très claire.\n"
                          "Le salarié commencera sa formation qualifiante dès le 1er avril ; "
                          "faut-il prévoir un avenant écrit ?\n\nBien à vous,\nAlice")
    db.session.refresh(question)
    assert question.status == "open", "a member's reply reopens an answered question"
    assert [row.kind for row in outbox(to_address=world.jurist.email)][-1] == "member_replied"


def test_outlook_reply_found_by_references_header_with_latin1_quoted_printable(app, world, question):
    record = ingest(_mail("outlook_reply_fr.eml", question, world.colleague))
    assert record.status == "placed"
    [reply] = _replies(question, world.colleague)
    assert reply.body.startswith("Bonjour,\n\nNous avons bien noté. Le contrat a débuté le 2 février 2026")
    assert "Bruno Collègue\nResponsable RH" in reply.body
    assert "De :" not in reply.body and "Pouvez-vous" not in reply.body


def test_thunderbird_reply_in_english_loses_quote_and_signature(app, world, question):
    ingest(_mail("thunderbird_reply_en.eml", question, world.member))
    [reply] = _replies(question, world.member)
    assert reply.body == "Thanks, one last point: does the same rule apply to our CDDU contracts?\n\nBest regards,"


def test_apple_mail_html_only_reply_is_converted_to_text(app, world, question):
    record = ingest(_mail("apple_mail_html_only_fr.eml", question, world.member))
    assert record.status == "placed"
    [reply] = _replies(question, world.member)
    assert reply.body == ("Bonjour,\n\nLe contrat a débuté le 2 février ; l’horaire est de 26 heures.\n"
                          "Les salariés concernés :\n- Jean (CDDI)\n- Zoé (CDDU)\nAlice")


def test_multipart_mail_keeps_its_attachment_but_not_inline_signature_images(app, world, question):
    record = ingest(_mail("multipart_attachment.eml", question, world.member))
    assert record.status == "placed" and record.attachment_count == 1
    [reply] = _replies(question, world.member)
    assert reply.body == "Voici le contrat signé et l'avenant, comme demandé."
    files = db.session.scalars(select(Attachment).where(Attachment.message_id == reply.id)).all()
    assert [(file.filename, file.content_type) for file in files] == [("contrat-cddi.pdf", "application/pdf")]


def test_mail_with_a_refused_attachment_is_kept_for_review_with_the_reason(app, world, question):
    record = ingest(_mail("refused_attachment.eml", question, world.member))
    assert record.status == "pending" and record.reason == "rejected"
    assert "installer.exe" in record.detail and "type accepté" in record.detail
    assert _replies(question, world.member) == []


def test_refused_attachment_names_reach_the_attached_message_cleaned(app, world, question):
    """Anyone can mail the reply address: the names of refused files, written into the message a jurist attaches,
    lose line breaks (Markdown of the sender's choosing), direction overrides and path parts."""
    name = "../facture\u202efdp.exe\n\n# Votre compte est suspendu.exe"
    raw = (f"From: {world.member.email}\r\nTo: {reply_address(world.member, question)}\r\nSubject: Re: "
           f"[{question.reference}] x\r\nMessage-ID: <names@example.org>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoici.\r\n"
           "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
           f"Content-Disposition: attachment; filename*=utf-8''{quote(name, safe='')}\r\n\r\nTVo=\r\n--b--\r\n").encode()
    record = ingest(raw)
    assert record.reason == "rejected"
    attach(record, question.reference, world.jurist)
    [reply] = _replies(question, world.member)
    assert reply.body.endswith("\n\n(Pièces jointes refusées : facturefdp.exe# Votre compte est suspendu.exe.)")


def test_a_senders_name_and_subject_are_kept_on_one_line_of_visible_text(app, world, question):
    """Encoded words can decode to line breaks and direction overrides: the name (written into the note a jurist
    attaches) and the subject of an outsider's mail are one line, as names and subjects are everywhere."""
    raw = (f"From: =?utf-8?q?Service_client=0A=0A=23_Compte_suspendu=E2=80=AE?= <inconnu@example.org>\r\n"
           f"To: reponses@example.org\r\nSubject: =?utf-8?q?Re=3A_[{question.reference}]=0D=0ABcc=3A_x?=\r\n"
           "Message-ID: <one-line@example.org>\r\n\r\nBonjour.\r\n").encode()
    record = ingest(raw)
    assert record.from_name == "Service client # Compte suspendu"
    assert record.subject == f"Re: [{question.reference}] Bcc: x"
    attach(record, question.reference, world.jurist)
    note = db.session.scalar(select(Message).where(Message.internal.is_(True)).order_by(Message.id.desc()))
    assert note.body.startswith("Courriel de Service client # Compte suspendu <inconnu@example.org> reçu le ")


def test_unknown_sender_is_kept_for_review(app, world, question):
    raw = fixture_mail("gmail_reply_fr.eml", REF=question.reference, REF_LOWER=question.reference.lower(),
                       FROM="inconnu@ailleurs.example")
    record = ingest(raw)
    assert (record.status, record.reason) == ("pending", "unknown_sender")
    assert db.session.query(Message).filter_by(ticket_id=question.id).count() == 1


def test_forged_reference_to_another_structures_question_is_refused_and_kept(app, world, question):
    record = ingest(_mail("gmail_reply_fr.eml", question, world.outsider))
    assert (record.status, record.reason) == ("pending", "not_allowed")
    assert record.ticket_id is None and question.reference in record.detail
    assert _replies(question, world.outsider) == []
    assert all(row.to_address != world.outsider.email for row in outbox())


def test_forged_from_without_the_signed_reply_address_is_kept_unverified(app, world, question, runner):
    db.session.refresh(question)
    status, first_response = question.status, question.first_response_at
    queued = len(outbox())
    result = runner.invoke(args=["mail", "ingest"], input=_forged(question, world.jurist.email,
                                                                  "questions@federation.example.test"))
    assert "Conservé pour les juristes" in result.output and "expéditeur non vérifié" in result.output
    record = db.session.scalars(select(InboundEmail)).one()
    assert (record.status, record.reason, record.ticket_id) == ("pending", "unverified", question.id)
    assert [message.body for message in _replies(question, world.jurist)] == ["Oui, le renouvellement est possible."]
    db.session.refresh(question)
    assert (question.status, question.first_response_at) == (status, first_response)
    assert len(outbox()) == queued, "nobody is notified of a mail kept for review"


def test_forged_from_using_another_users_signed_address_is_kept(app, world, question):
    """The jurist's name in From, but the address the help desk gave the member."""
    record = ingest(_forged(question, world.jurist.email, reply_address(world.member, question)))
    assert (record.status, record.reason) == ("pending", "wrong_address")
    assert len(_replies(question, world.jurist)) == 1 and _replies(question, world.member) == []


def test_member_reply_to_a_colleagues_notification_is_kept(app, world, question):
    record = ingest(_mail("gmail_reply_fr.eml", question, world.colleague, to=world.member))
    assert (record.status, record.reason) == ("pending", "wrong_address")
    assert _replies(question, world.colleague) == [] and _replies(question, world.member) == []


def test_tampered_reply_address_is_kept_unverified(app, world, question):
    address = reply_address(world.member, question)
    local, _, domain = address.partition("@")
    tampered = [f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}",
                address.replace(f".{world.member.id}.", f".{world.jurist.id}."),
                f"{local[:-4]}@{domain}"]
    for index, forged in enumerate(tampered):
        raw = _forged(question, world.member.email, forged).replace(b"spoof-", f"spoof-{index}-".encode())
        record = ingest(raw)
        assert (record.status, record.reason) == ("pending", "unverified"), forged
    assert _replies(question, world.member) == []


def test_signed_address_of_another_question_does_not_place_the_reply(app, world, question):
    other = factories.make_ticket(world.member, subject="Autre question")
    record = ingest(_forged(question, world.member.email, reply_address(world.member, other)))
    assert (record.status, record.reason, record.ticket_id) == ("pending", "wrong_address", question.id)
    assert _replies(question, world.member) == [] and _replies(other, world.member) == []


def test_signed_address_seen_in_delivered_to_places_a_reply_without_reference_in_its_subject(app, world, question):
    raw = (f"From: {world.member.name} <{world.member.email}>\r\nTo: questions@federation.example.test\r\n"
           f"Delivered-To: {reply_address(world.member, question)}\r\nSubject: merci\r\n"
           "Message-ID: <merci-1@exemple.test>\r\n\r\nMerci, c'est clair.\r\n").encode()
    record = ingest(raw)
    assert (record.status, record.ticket_id) == ("placed", question.id)
    assert [reply.body for reply in _replies(question, world.member)] == ["Merci, c'est clair."]


def test_reply_address_binds_user_and_question_and_fits_a_local_part(app, world, question):
    address = reply_address(world.member, question)
    local, _, domain = address.partition("@")
    assert domain == "federation.example.test" and local.startswith("questions+") and len(local) <= 64
    assert address == address.lower(), "mail systems may lower the case of an address"
    token = read_token(address.upper())
    assert (token.user_id, token.reference) == (world.member.id, question.reference)
    assert reply_address(world.colleague, question) != address
    app.config["MAIL_REPLY_TO"] = None
    assert reply_address(world.member, question) is None and read_token(address) is None


def test_reply_addresses_change_with_the_secret_key(app, world, question):
    address = reply_address(world.member, question)
    app.config["SECRET_KEY"] = "another-secret"
    assert read_token(address) is None


def test_jurist_sees_why_an_unverified_mail_was_kept(app, world, question, client, login):
    record = ingest(_forged(question, world.jurist.email, "questions@federation.example.test"))
    login(world.jurist)
    assert "Adresse de réponse absente ou non reconnue : expéditeur non vérifié." in page_text(client.get("/courriels"))
    detail = page_text(client.get(f"/courriels/{record.id}"))
    assert "expéditeur non vérifié" in detail and "vérifiez sa provenance" in detail


def test_jurist_is_warned_of_a_forged_sender_whatever_the_reason_the_mail_was_kept(app, world, question, client,
                                                                                  login):
    """A forged From kept for another reason than its reply address (no reference, a closed question) would become
    the member's reply once attached: the page must warn as it does for an unverified address."""
    other = factories.make_ticket(world.member, subject="Question close")
    genuine_reply = _mail("gmail_reply_fr.eml", other, world.member)  # its signed address, mailed while it was open
    services.close(other, world.member)
    forged = {
        "no_reference": (f"From: {world.member.email}\r\nTo: questions@federation.example.test\r\nSubject: Urgent\r\n"
                         "Message-ID: <forged-no-ref@attacker.example>\r\n\r\nJe retire ma question.\r\n").encode(),
        "closed": _forged(other, world.member.email, "questions@federation.example.test"),
    }
    login(world.jurist)
    for reason, raw in forged.items():
        record = ingest(raw)
        assert (record.status, record.reason) == ("pending", reason)
        assert "vérifiez sa provenance" in page_text(client.get(f"/courriels/{record.id}")), reason
    genuine = ingest(genuine_reply)
    assert (genuine.status, genuine.reason) == ("pending", "closed")
    assert "vérifiez sa provenance" not in page_text(client.get(f"/courriels/{genuine.id}")), \
        "a reply sent to the member's own signed address is no forgery"
    unknown = ingest(_forged(question, "inconnu@ailleurs.example", "questions@federation.example.test"))
    assert "vérifiez sa provenance" not in page_text(client.get(f"/courriels/{unknown.id}")), \
        "an unknown sender's mail becomes an internal note naming its address, never someone's reply"


def test_reply_to_a_closed_question_is_kept_for_review(app, world, question):
    answer_to_an_earlier_mail = _mail("gmail_reply_fr.eml", question, world.member)
    services.close(question, world.member)
    record = ingest(answer_to_an_earlier_mail)
    assert (record.status, record.reason, record.ticket_id) == ("pending", "closed", question.id)
    assert _replies(question, world.member) == []


def test_mail_without_reference_and_out_of_office_replies_are_kept(app, world, question):
    assert ingest(_mail("no_reference.eml", question, world.member)).reason == "no_reference"
    assert ingest(_mail("out_of_office.eml", question, world.member)).reason == "auto_reply"
    assert _replies(question, world.member) == []


def test_the_same_mail_delivered_twice_is_appended_once(app, world, question):
    raw = _mail("gmail_reply_fr.eml", question, world.member)
    first, second = ingest(raw), ingest(raw)
    assert first.id == second.id and len(_replies(question, world.member)) == 1


def test_ingest_command_reads_the_message_on_standard_input(app, world, question, runner):
    result = runner.invoke(args=["mail", "ingest"], input=_mail("thunderbird_reply_en.eml", question, world.member))
    assert result.exit_code == 0 and f"Ajouté à la question {question.reference}." in result.output
    kept = runner.invoke(args=["mail", "ingest"], input=_mail("no_reference.eml", question, world.member))
    assert "Conservé pour les juristes" in kept.output


def _oversized_reply(question, sender, size: int) -> bytes:
    """A genuine reply (the sender's signed address) carrying a PDF attachment of about `size` bytes."""
    pdf = b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"
    return (f"From: {sender.email}\r\nTo: {reply_address(sender, question)}\r\nSubject: Re: [{question.reference}] "
            f"pièces\r\nMessage-ID: <oversized-{size}@example.org>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Voici les bulletins demandés.\r\n--b\r\nContent-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename=bulletins.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            ).encode() + base64.encodebytes(pdf) + b"--b--\r\n"


def test_a_mail_past_the_size_limit_is_kept_with_its_headers_alone(app, world, question):
    """Anyone can mail the reply address: a message past MAIL_INBOUND_MAX_BYTES is neither parsed nor stored whole,
    even from the member's own signed address; the jurist reads why."""
    app.config["MAIL_INBOUND_MAX_BYTES"] = 64 * 1024
    within, past = _oversized_reply(question, world.member, 20_000), _oversized_reply(question, world.member, 60_000)
    assert ingest(within).status == "placed"
    record = ingest(past)
    assert (record.status, record.reason, record.attachment_count, record.text) == ("pending", "rejected", 0, "")
    assert record.raw.startswith(b"From: ") and record.raw.endswith(b"\r\n\r\n") and len(record.raw) < 1000
    assert "Ce courriel dépasse les 0,1 Mo acceptés : seuls ses en-têtes ont été conservés" in record.detail
    assert record.subject == f"Re: [{question.reference}] pièces"
    assert len(_replies(question, world.member)) == 1
    assert len(db.session.scalars(select(Attachment)).all()) == 1, "the first mail's file only"
    assert ingest(past).id == record.id, "delivered twice, kept once"


def test_ingest_command_reads_no_more_than_the_size_limit(app, world, question, runner):
    """`flask mail ingest` reads a huge message to its end (the mail server sees it delivered) but keeps only what
    the limit allows in memory: its headers are kept for review."""
    app.config["MAIL_INBOUND_MAX_BYTES"] = 64 * 1024
    result = runner.invoke(args=["mail", "ingest"], input=_oversized_reply(question, world.member, 3_000_000))
    assert result.exit_code == 0 and "Conservé pour les juristes" in result.output
    [record] = db.session.scalars(select(InboundEmail)).all()
    assert record.reason == "rejected" and len(record.raw) < 1000


@pytest.mark.parametrize("empty", [b"", b"\n  \n"])
def test_ingest_command_refuses_an_empty_standard_input(app, runner, empty):
    result = runner.invoke(args=["mail", "ingest"], input=empty)
    assert result.exit_code == 1
    assert "Aucun courriel sur l'entrée standard : rien n'a été enregistré." in result.output
    assert db.session.scalars(select(InboundEmail)).all() == []


def test_jurist_lists_views_and_attaches_a_kept_mail_as_the_members_reply(app, world, question, client, login):
    record = ingest(_mail("no_reference.eml", question, world.member))
    login(world.jurist)
    listing = page_text(client.get("/courriels"))
    assert "Question sur le CSE" in listing and "Aucune référence" in listing
    detail = page_text(client.get(f"/courriels/{record.id}"))
    assert "nos salariés en insertion comptent-ils" in detail
    client.post(f"/courriels/{record.id}/rattacher", data={"reference": question.reference.lower()})
    [reply] = _replies(question, world.member)
    assert "seuil de 11 salariés" in reply.body
    db.session.refresh(record)
    assert (record.status, record.handled_by_id) == ("attached", world.jurist.id)
    assert "Question sur le CSE" not in page_text(client.get("/courriels"))


def test_mail_kept_for_the_members_reply_pace_is_attached_by_a_jurist(app, world, question):
    """A member's mailed reply kept because they passed MEMBER_REPLIES_PER_HOUR is placed when a jurist attaches it:
    the jurist acts, the member's pace does not hold them back."""
    app.config["MEMBER_REPLIES_PER_HOUR"] = 1
    services.add_message(question, world.member, "Première précision.")
    record = ingest(f"From: {world.member.email}\r\nTo: {reply_address(world.member, question)}\r\n"
                    f"Subject: Re: [{question.reference}] suite\r\nMessage-ID: <pace-kept@exemple.test>\r\n\r\n"
                    "Seconde precision par courriel\r\n".encode())
    assert (record.status, record.reason) == ("pending", "rejected")
    attach(record, question.reference, world.jurist)
    assert any("Seconde precision" in reply.body for reply in _replies(question, world.member))
    assert record.status == "attached"


def _paced_reply(sender, question, number: int) -> bytes:
    """A reply mailed by `sender` to the reply address given to them for `question`."""
    return (f"From: {sender.email}\r\nTo: {reply_address(sender, question)}\r\n"
            f"Subject: Re: [{question.reference}] suite\r\nMessage-ID: <pace-{number}@exemple.test>\r\n\r\n"
            f"Precision numero {number} par courriel\r\n").encode()


def test_mail_kept_for_the_reply_pace_tells_the_reviewing_jurist_who_sent_too_much(app, world, question, client,
                                                                                   login):
    """The pace's refusal speaks to the member (« Vous avez déjà envoyé… »): the jurist reading the kept mail was
    told that they had sent too much."""
    app.config["MEMBER_REPLIES_PER_HOUR"] = 2
    for number in range(2):
        services.add_message(question, world.member, f"Précision {number}.")
    record = ingest(_paced_reply(world.member, question, 1))
    assert (record.status, record.reason) == ("pending", "rejected")
    login(world.jurist)
    detail = page_text(client.get(f"/courriels/{record.id}"))
    assert (f"{world.member.name} a déjà envoyé 2 messages dans l'heure, le maximum pour un membre : rattachez ce "
            "courriel si c'est bien sa réponse, sinon écartez-le.") in detail
    assert "Vous avez déjà envoyé" not in detail


def test_a_jurists_mailed_replies_are_not_held_by_the_members_reply_pace(app, world, question):
    """Only members are paced: a jurist answering by mail past MEMBER_REPLIES_PER_HOUR is placed every time."""
    app.config["MEMBER_REPLIES_PER_HOUR"] = 1
    records = [ingest(_paced_reply(world.jurist, question, number)) for number in range(3)]
    assert [record.status for record in records] == ["placed"] * 3
    assert len(_replies(question, world.jurist)) == 4  # the answer of the fixture, then three by mail


def test_unknown_senders_mail_attached_by_a_jurist_becomes_an_internal_note(app, world, question):
    raw = fixture_mail("multipart_attachment.eml", REF=question.reference, REF_LOWER=question.reference.lower(),
                       FROM="expert-comptable@cabinet.example")
    record = ingest(raw)
    attach(record, question.reference, world.jurist)
    note = db.session.scalars(select(Message).where(Message.ticket_id == question.id, Message.internal)).one()
    assert note.author_id == world.jurist.id and "expert-comptable@cabinet.example" in note.body
    assert db.session.query(Attachment).filter_by(message_id=note.id).count() == 1


def test_attaching_to_an_unknown_question_or_twice_is_refused(app, world, question, client, login):
    record = ingest(_mail("no_reference.eml", question, world.member))
    login(world.jurist)
    response = client.post(f"/courriels/{record.id}/rattacher", data={"reference": "Q-2026-99999"})
    page = page_text(response)
    assert response.status_code == 404 and "aucune question ne porte cette référence." in page
    assert 'value="Q-2026-99999"' in page, "the reference typed is given back to correct"
    assert "Rattacher à la question" in page
    attach(record, question.reference, world.jurist)
    with pytest.raises(Conflict, match=f"Ce courriel a déjà été rattaché à la question {question.reference}."):
        attach(record, question.reference, world.jurist)


@pytest.mark.parametrize("reference, message", [
    ("", "Indiquez la référence de la question"),
    ("   ", "Indiquez la référence de la question"),
    ("Q-2026-000000000000000042", "20 caractères au maximum (votre texte en compte 25)."),
])
def test_attaching_with_no_or_an_overlong_reference_says_why_instead_of_failing(app, world, question, client, login,
                                                                                reference, message):
    """An empty reference used to answer 500 (the form's lazily translated errors could not be joined)."""
    record = ingest(_mail("no_reference.eml", question, world.member))
    login(world.jurist)
    response = client.post(f"/courriels/{record.id}/rattacher", data={"reference": reference})
    page = page_text(response)
    assert response.status_code == 400 and page.count(message) == 1
    assert f'value="{reference}"' in page or not reference.strip()
    db.session.refresh(record)
    assert record.status == "pending"


def test_jurist_discards_a_kept_mail(app, world, question, client, login):
    record = ingest(_mail("out_of_office.eml", question, world.member))
    login(world.jurist)
    detail = client.get(f"/courriels/{record.id}").get_data(as_text=True)
    assert f'<a href="/courriels/{record.id}/ecarter">Écarter ce courriel…</a>' in detail
    assert f'action="/courriels/{record.id}/ecarter"' not in detail, "no one-click discard on the mail's page"
    confirm = client.get(f"/courriels/{record.id}/ecarter")
    assert confirm.status_code == 200
    confirm = page_text(confirm)
    assert "ne peut plus être rattaché" in confirm and "Écarter définitivement" in confirm and "Annuler" in confirm
    db.session.refresh(record)
    assert record.status == "pending", "asking to confirm changes nothing"
    page = page_text(client.post(f"/courriels/{record.id}/ecarter", follow_redirects=True))
    assert "courriel écarté." in page
    db.session.refresh(record)
    assert record.status == "discarded"
    assert "Courriels non rattachés" in page and "Réponse automatique" not in page
    with pytest.raises(Conflict, match="Ce courriel a déjà été écarté."):
        discard(record, world.jurist)
    again = client.get(f"/courriels/{record.id}/ecarter", follow_redirects=True)
    assert "ce courriel a déjà été écarté." in page_text(again) and "Écarter définitivement" not in page_text(again)


def test_members_cannot_see_kept_mail(app, world, question, client, login):
    record = ingest(_mail("no_reference.eml", question, world.member))
    login(world.member)
    assert client.get("/courriels").status_code == 403
    assert client.get(f"/courriels/{record.id}").status_code == 403
    assert client.get(f"/courriels/{record.id}/ecarter").status_code == 403
    assert client.post(f"/courriels/{record.id}/ecarter").status_code == 403


class FakeIMAP:
    """An IMAP mailbox holding messages, recording the flags set."""

    messages: dict[bytes, bytes] = {}
    seen: list[bytes] = []

    def __init__(self, host, port):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def login(self, user, password):
        """Accept any credentials."""

    def select(self, folder):
        """Open the folder."""

    def uid(self, command, *args):
        """SEARCH, FETCH and STORE by UID."""
        if command == "SEARCH":
            return "OK", [b" ".join(uid for uid in self.messages if uid not in self.seen)]
        if command == "FETCH":  # a partial fetch, BODY.PEEK[]<0.length>, as fetch_mailbox asks
            length = int(re.fullmatch(r"\(BODY\.PEEK\[\]<0\.(\d+)>\)", args[1]).group(1))
            return "OK", [(b"1 (UID " + args[0] + b" BODY[]<0> {1}", self.messages[args[0]][:length]), b")"]
        self.seen.append(args[0])
        return "OK", [b""]


def test_fetch_ingests_unseen_messages_and_marks_them_seen(app, world, question, monkeypatch):
    FakeIMAP.messages = {b"7": _mail("thunderbird_reply_en.eml", question, world.member),
                         b"8": _mail("no_reference.eml", question, world.member)}
    FakeIMAP.seen = []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeIMAP)
    app.config.update(IMAP_SERVER="imap.example.test", IMAP_USERNAME="questions", IMAP_PASSWORD="secret")
    assert fetch_mailbox() == 2
    assert FakeIMAP.seen == [b"7", b"8"]
    assert len(_replies(question, world.member)) == 1
    assert db.session.query(InboundEmail).filter_by(status="pending").count() == 1
    assert fetch_mailbox() == 0


def test_a_sender_name_decoding_to_a_line_break_neither_fails_nor_blocks_the_mailbox(app, world, question,
                                                                                      monkeypatch):
    """Python's mail parser raises on a display name whose encoded word decodes to a line break: that message, which
    anyone can send, stopped `mail fetch` before marking it seen, so every later poll stopped on it again and no reply
    by email was read any more."""
    poison = (b"From: =?utf-8?q?x=0D=0Ay?= <inconnu@example.org>\r\nTo: =?utf-8?q?a=0Ab?= <reponses@example.org>\r\n"
              b"Subject: Bonjour\r\nMessage-ID: <poison@example.org>\r\n\r\nBonjour.\r\n")
    FakeIMAP.messages = {b"5": poison, b"6": _mail("thunderbird_reply_en.eml", question, world.member)}
    FakeIMAP.seen = []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeIMAP)
    app.config.update(IMAP_SERVER="imap.example.test", IMAP_USERNAME="questions", IMAP_PASSWORD="secret")
    assert fetch_mailbox() == 2 and FakeIMAP.seen == [b"5", b"6"]
    kept = db.session.scalar(select(InboundEmail).where(InboundEmail.message_id == "<poison@example.org>"))
    assert (kept.from_address, kept.from_name, kept.reason) == ("inconnu@example.org", "x y", "no_reference")
    assert len(_replies(question, world.member)) == 1


def test_fetch_reads_no_more_of_a_message_than_the_size_limit(app, world, question, monkeypatch):
    """Polled by IMAP, a message past MAIL_INBOUND_MAX_BYTES is fetched only up to the limit and kept with its
    headers alone."""
    app.config["MAIL_INBOUND_MAX_BYTES"] = 64 * 1024
    FakeIMAP.messages, FakeIMAP.seen = {b"9": _oversized_reply(question, world.member, 3_000_000)}, []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeIMAP)
    app.config.update(IMAP_SERVER="imap.example.test", IMAP_USERNAME="questions", IMAP_PASSWORD="secret")
    assert fetch_mailbox() == 1 and FakeIMAP.seen == [b"9"]
    [record] = db.session.scalars(select(InboundEmail)).all()
    assert record.reason == "rejected" and "dépasse les 0,1 Mo" in record.detail and len(record.raw) < 1000


def _unreadable(monkeypatch, poison: bytes) -> None:
    """Make the mail library fail on `poison` as no one foresaw, with an error quoting the message."""
    def failing(raw: bytes):
        """parse_mail, raising on the poison message."""
        if raw == poison:
            raise LookupError(f"unforeseen failure on {raw!r}")
        return parse_mail(raw)
    monkeypatch.setattr(ingest_module, "parse_mail", failing)


def test_a_message_the_mail_library_cannot_read_is_kept_and_the_next_one_is_read(app, world, question, monkeypatch,
                                                                                   caplog):
    """A message making the mail library raise stopped `mail fetch` before marking it seen, every later poll
    stopping on it again: it is kept for review, marked seen, logged by its UID without its content, and the next
    message is read."""
    poison = b"From: someone@example.org\r\nSubject: SECRET-SUBJECT\r\n\r\nSECRET-BODY\r\n"
    _unreadable(monkeypatch, poison)
    monkeypatch.setattr(ingest_module.log, "disabled", False)  # the migrations' logging setup disabled it
    FakeIMAP.messages = {b"5": poison, b"6": _mail("thunderbird_reply_en.eml", question, world.member)}
    FakeIMAP.seen = []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeIMAP)
    app.config.update(IMAP_SERVER="imap.example.test", IMAP_USERNAME="questions", IMAP_PASSWORD="secret")
    assert fetch_mailbox() == 2 and FakeIMAP.seen == [b"5", b"6"]
    assert len(_replies(question, world.member)) == 1
    kept = db.session.scalar(select(InboundEmail).where(InboundEmail.raw == poison))
    assert (kept.status, kept.reason, kept.from_address, kept.ticket_id) == ("pending", "rejected", "(inconnu)", None)
    assert "n'a pas pu être lu (erreur LookupError)" in kept.detail
    assert "IMAP UID 5" in caplog.text and "LookupError" in caplog.text
    assert "SECRET" not in caplog.text and "someone@" not in caplog.text
    assert fetch_mailbox() == 0, "never fetched again"


def test_a_message_failing_halfway_leaves_nothing_half_written(app, world, question, monkeypatch):
    """A failure after the reply was added to the session (not yet committed) leaves no reply: the message is kept
    for review alone."""
    raw = _mail("thunderbird_reply_en.eml", question, world.member)

    def failing(ticket, author, body, **options):
        """add_message, failing once the reply is flushed."""
        db.session.add(Message(ticket=ticket, author=author, body=body))
        db.session.flush()
        raise RuntimeError("disk full")
    monkeypatch.setattr(ingest_module, "add_message", failing)
    record = ingest_or_keep(raw, "IMAP UID 12")
    assert (record.status, record.reason) == ("pending", "rejected")
    assert _replies(question, world.member) == []
    assert db.session.scalars(select(InboundEmail)).all() == [record]


def test_an_unreadable_message_past_the_size_limit_is_kept_with_its_headers_alone(app, world, question,
                                                                                    monkeypatch):
    """A message past MAIL_INBOUND_MAX_BYTES whose very headers make the mail library fail is still not stored whole."""
    app.config["MAIL_INBOUND_MAX_BYTES"] = 64 * 1024
    past = _oversized_reply(question, world.member, 60_000)
    monkeypatch.setattr(ingest_module, "parse_mail", lambda raw: (_ for _ in ()).throw(LookupError("unforeseen")))
    record = ingest_or_keep(past, "IMAP UID 13")
    assert (record.status, record.reason) == ("pending", "rejected")
    assert record.raw.startswith(b"From: ") and record.raw.endswith(b"\r\n\r\n") and len(record.raw) < 1000


def test_ingest_command_keeps_a_message_the_mail_library_cannot_read(app, runner, monkeypatch):
    poison = b"Subject: x\r\n\r\nx\r\n"
    _unreadable(monkeypatch, poison)
    result = runner.invoke(args=["mail", "ingest"], input=poison)
    assert result.exit_code == 0 and "Conservé pour les juristes" in result.output


def test_jurist_opens_and_discards_an_unreadable_kept_mail_but_cannot_attach_it(app, world, question, client, login,
                                                                                 monkeypatch):
    poison = b"Subject: x\r\n\r\nSECRET-BODY\r\n"
    _unreadable(monkeypatch, poison)
    record = ingest_or_keep(poison, "IMAP UID 3")
    login(world.jurist)
    detail = client.get(f"/courriels/{record.id}")
    assert detail.status_code == 200 and "n'a pas pu être lu" in page_text(detail)
    refused = client.post(f"/courriels/{record.id}/rattacher", data={"reference": question.reference})
    assert refused.status_code == 400 and "aucun texte ni pièce jointe" in page_text(refused)
    client.post(f"/courriels/{record.id}/ecarter")
    db.session.refresh(record)
    assert record.status == "discarded" and _replies(question, world.member) == []


def test_fetch_command_explains_missing_configuration(app, runner):
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code != 0 and "IMAP_SERVER n'est pas configuré" in result.output


@pytest.mark.parametrize("text, expected", [
    ("Oui.\n\nLe 2 mars 2026 à 16:20, Léa <l@x.fr> a écrit :\n> avant", "Oui."),
    ("Yes.\nOn Mon, Mar 2, 2026 at 4:20 PM Lea <l@x.fr> wrote:\n> before", "Yes."),
    ("Ok\n-----Original Message-----\nFrom: x\nSent: y", "Ok"),
    ("Ok\n\nFrom: Helpdesk <h@x.fr>\nSent: Monday\nTo: me\nSubject: hi", "Ok"),
    ("Texte\n> cité\nsuite", "Texte\nsuite"),
    ("Texte\n-- \nSignature", "Texte"),
    ("Texte\n\nEnvoyé de mon iPhone", "Texte"),
    ("De : ce point de vue, tout va bien.", "De : ce point de vue, tout va bien."),
])
def test_trim_reply_cuts_quotes_and_signatures_only(text, expected):
    assert trim_reply(text) == expected


def test_html_to_text_drops_styles_and_marks_quotes():
    html = "<style>p{}</style><p>Un &amp; deux</p><blockquote>ancien</blockquote><script>x()</script>"
    assert html_to_text(html) == "Un & deux\n\n> ancien"


def test_parse_mail_finds_the_reference_in_our_message_ids():
    raw = (b"From: a@b.fr\r\nSubject: Re: votre question\r\nIn-Reply-To: <q-2026-00042.abc@federation.example.test>"
           b"\r\n\r\nMerci\r\n")
    assert parse_mail(raw).reference == "Q-2026-00042"


def _received(raw: bytes, *results: str) -> bytes:
    """The message as delivered: each Authentication-Results header, topmost first, as mail servers prepend them."""
    return b"".join(f"Authentication-Results: {result}\r\n".encode() for result in results) + raw


@pytest.fixture
def checking_server(app):
    """The receiving mail server mx.federation.example.test writes Authentication-Results the desk relies on."""
    app.config["MAIL_INBOUND_AUTHSERV_ID"] = "mx.federation.example.test"


@pytest.mark.parametrize("result", [
    "mx.federation.example.test; dkim=pass header.d=exemple.test header.s=s1; spf=pass smtp.mailfrom=exemple.test",
    "mx.federation.example.test 1; spf=fail (forged?); dmarc=pass (p=reject) header.from=exemple.test",
    "MX.Federation.Example.Test; dkim=pass (2048-bit key) header.i=@exemple.test",
])
def test_reply_authenticated_by_the_receiving_server_is_appended(app, world, question, checking_server, result):
    record = ingest(_received(_mail("gmail_reply_fr.eml", question, world.member), result))
    assert (record.status, record.reason) == ("placed", None)
    assert len(_replies(question, world.member)) == 1


@pytest.mark.parametrize("results", [
    (),  # the server wrote nothing: no proof
    ("mx.federation.example.test; dkim=fail header.d=exemple.test; dmarc=fail header.from=exemple.test",),
    ("mx.federation.example.test; dkim=pass header.d=attacker.example",),  # signed, but by someone else's domain
    ("mx.federation.example.test; dmarc=pass header.from=attacker.example",),
    ("mx.federation.example.test; dkim=pass header.d=xemple.test",),  # a suffix is not a parent domain
    ("mx.federation.example.test; dkim=pass header.d=test",),  # a top-level domain is no organisation
    ("mx.attacker.example; dkim=pass header.d=exemple.test",),  # written by another server, e.g. the sender's
    ("mx.federation.example.test; none",
     "mx.federation.example.test; dkim=pass header.d=exemple.test"),  # the forged one below ours does not count
])
def test_reply_whose_sender_the_receiving_server_did_not_authenticate_is_kept(app, world, question, checking_server,
                                                                              client, login, results):
    record = ingest(_received(_mail("gmail_reply_fr.eml", question, world.member), *results))
    assert (record.status, record.reason, record.ticket_id) == ("pending", "unauthenticated", question.id)
    assert _replies(question, world.member) == []
    login(world.jurist)
    assert "ni signature DKIM ni validation DMARC" in page_text(client.get("/courriels"))
    assert "vérifiez sa provenance" in page_text(client.get(f"/courriels/{record.id}")), \
        "attached, it would become the member's reply although nothing proves the member wrote it"


@pytest.mark.parametrize("signer, sender, aligned", [
    ("exemple.test", "exemple.test", True), ("Exemple.Test.", "exemple.test", True),
    ("exemple.test", "mail.exemple.test", True),  # relaxed alignment: the organisation signed for its subdomain
    ("test", "exemple.test", False), ("local", "demo.local", False),  # a top-level domain signs for nobody
    ("xemple.test", "exemple.test", False), ("", "exemple.test", False),
])
def test_dkim_alignment_accepts_the_senders_organisation_only(signer, sender, aligned):
    assert parsing._aligned(signer, sender) is aligned


def test_without_a_receiving_server_configured_authentication_results_are_ignored(app, world, question):
    forged_pass = "mx.federation.example.test; dkim=fail header.d=exemple.test"
    record = ingest(_received(_mail("gmail_reply_fr.eml", question, world.member), forged_pass))
    assert record.status == "placed", "the signed reply address alone proves the sender, as before"


def _new_question_mail(sender_email: str) -> bytes:
    """A new question mailed to the help desk's plain address, with a document and a file type it refuses."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"] = f"Alice Membre <{sender_email}>", "questions@federation.example.test"
    message["Subject"], message["Message-ID"] = "Effectif et CSE", "<new-question@exemple.test>"
    message.set_content("Nos salariés en insertion comptent-ils dans l'effectif pour le CSE ?")
    message.add_attachment(b"Effectif au 1er novembre : 14", maintype="text", subtype="plain", filename="effectif.txt")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="outil.exe")
    return message.as_bytes()


def test_a_new_question_mailed_without_reference_becomes_a_question_in_one_form(app, world, client, login):
    """A member's new question mailed to the help desk could only be attached to an existing question or discarded:
    the jurist copied it by hand into « Enregistrer une question reçue… » and discarded it after. From the kept mail,
    « En faire une nouvelle question… » now opens that form filled in (its sender chosen, the email channel, its
    subject and text, its accepted files listed); once filed, the question carries the file and the mail is handled,
    linked to it."""
    record = ingest(_new_question_mail(world.member.email))
    assert (record.status, record.reason) == ("pending", "no_reference")
    login(world.jurist)
    detail = page_text(client.get(f"/courriels/{record.id}"))
    assert f'<a href="/questions/pour-un-membre?courriel={record.id}">En faire une nouvelle question…</a>' in detail
    form = page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    assert f'<option selected value="{world.structure.id}">' in form
    assert f'<option selected value="{world.member.id}">Alice Membre</option>' in form
    assert 'value="Effectif et CSE"' in form
    assert "comptent-ils dans l'effectif pour le CSE ?</textarea>" in form
    assert re.search(r'<input checked[^>]*value="email"', form), "le canal « Courriel » n'est pas coché"
    assert re.search(r'<input checked[^>]*name="mail_files"[^>]*value="0"> effectif.txt \(1 Ko\)', form)
    assert "refusées (type ou taille) : outil.exe." in form
    response = client.post("/questions/pour-un-membre", data={
        "courriel": record.id, "structure": world.structure.id, "member": world.member.id, "channel": "email",
        "send": "1", "subject": "Effectif et CSE", "theme": world.theme.id, "priority": "1", "mail_files": "0",
        "body": "Nos salariés en insertion comptent-ils dans l'effectif pour le CSE ?"})
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Effectif et CSE"))
    assert response.headers["Location"] == f"/questions/{ticket.reference}"
    assert (ticket.author_id, ticket.created_by_id, ticket.channel) == (world.member.id, world.jurist.id, "email")
    assert [attachment.filename for attachment in db.session.scalars(select(Attachment))] == ["effectif.txt"]
    db.session.refresh(record)
    assert (record.status, record.ticket_id, record.handled_by_id) == ("attached", ticket.id, world.jurist.id)
    assert "Effectif et CSE" not in page_text(client.get("/courriels"))


def _mail_with_files(sender_email: str, count: int) -> bytes:
    """A new question mailed to the help desk with `count` accepted files (« piece-01.txt »...)."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"] = f"Alice Membre <{sender_email}>", "questions@federation.example.test"
    message["Subject"], message["Message-ID"] = "Dossier de licenciement", "<many-files@exemple.test>"
    message.set_content("Voici toutes les pièces du dossier de licenciement économique.")
    for number in range(1, count + 1):
        message.add_attachment(f"Pièce {number}".encode(), maintype="text", subtype="plain",
                               filename=f"piece-{number:02d}.txt")
    return message.as_bytes()


def _file_many_from_mail(client, record, world, chosen, uploads=()):
    """Post the question form opened from `record` with the email's files numbered `chosen` ticked."""
    return client.post("/questions/pour-un-membre", content_type="multipart/form-data", data={
        "courriel": record.id, "structure": world.structure.id, "member": world.member.id, "channel": "email",
        "send": "1", "subject": "Dossier de licenciement", "theme": world.theme.id, "priority": "1",
        "body": "Voici toutes les pièces du dossier de licenciement économique.", "mail_files": [str(n) for n in chosen],
        "attachments": [(BytesIO(data), name) for name, data in uploads]})


def test_a_mail_with_more_files_than_a_question_takes_becomes_a_question_with_those_ticked(app, world, client,
                                                                                           login):
    """A mail with twelve acceptable files could not become a question: the form attached them all, refused them (ten
    at most) and offered no way to leave some out. Its files are boxes to tick now, all ticked at first, the limit
    explained; the question carries the ones ticked, and the mail is handled."""
    record = ingest(_mail_with_files(world.member.email, 12))
    login(world.jurist)
    form = page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    assert "<legend>Pièces jointes du courriel à joindre à la question</legend>" in form
    assert len(re.findall(r'<input checked[^>]*name="mail_files"', form)) == 12
    assert ("Ce courriel a 12 pièces jointes acceptées, une question en reçoit 10 au plus (fichiers ajoutés ci-dessous "
            "compris) : décochez celles à laisser de côté, elles ne seront pas jointes à la question.") in form
    response = _file_many_from_mail(client, record, world, chosen=[0, 4, 11])
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Dossier de licenciement"))
    assert response.headers["Location"] == f"/questions/{ticket.reference}"
    assert sorted(attachment.filename for attachment in db.session.scalars(select(Attachment))) == [
        "piece-01.txt", "piece-05.txt", "piece-12.txt"]
    db.session.refresh(record)
    assert (record.status, record.ticket_id) == ("attached", ticket.id)


@pytest.mark.parametrize("chosen, uploads, message", [
    (range(12), (), "Vous avez choisi 12 fichiers, pièces jointes du courriel et fichiers ajoutés compris : une "
                    "question en reçoit 10 au plus. Décochez-en 2."),
    (range(9), [("note.txt", b"Note du juriste"), ("appel.txt", b"Compte rendu d'appel")],
     "Vous avez choisi 11 fichiers, pièces jointes du courriel et fichiers ajoutés compris : une question en reçoit "
     "10 au plus. Décochez-en 1."),
])
def test_more_files_ticked_than_a_question_takes_are_refused_saying_how_many_to_untick(app, world, client, login,
                                                                                        chosen, uploads, message):
    """Too many files ticked (the files added to the form counting with them): the form comes back saying how many to
    untick, the boxes as they were, and nothing is stored; the mail still waits."""
    record = ingest(_mail_with_files(world.member.email, 12))
    login(world.jurist)
    response = _file_many_from_mail(client, record, world, chosen=chosen, uploads=uploads)
    page = page_text(response)
    assert response.status_code == 400
    assert f'<p class="error" id="mail_files-error">{message} </p>' in page
    assert len(re.findall(r'<input [^>]*checked[^>]*name="mail_files"', page)) == len(chosen)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0 and _stored_files(app) == []
    db.session.refresh(record)
    assert record.status == "pending"


def test_a_mail_whose_files_are_all_unticked_becomes_a_question_without_them(app, world, client, login):
    """The jurist may leave every file of the mail out (signatures, duplicates): the question is filed without them
    and the mail is handled."""
    record = ingest(_mail_with_files(world.member.email, 12))
    login(world.jurist)
    response = _file_many_from_mail(client, record, world, chosen=[])
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Dossier de licenciement"))
    assert response.headers["Location"] == f"/questions/{ticket.reference}"
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0 and _stored_files(app) == []
    db.session.refresh(record)
    assert (record.status, record.ticket_id) == ("attached", ticket.id)


def test_a_file_number_the_mail_does_not_have_is_refused(app, world, client, login):
    """A forged post naming a file the mail does not have is refused, nothing stored."""
    record = ingest(_mail_with_files(world.member.email, 2))
    login(world.jurist)
    response = _file_many_from_mail(client, record, world, chosen=[0, 7])
    assert response.status_code == 400
    assert "Choisissez des valeurs parmi celles proposées pour « Pièces jointes du courriel à joindre à la question »" \
        in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_question_form_opened_from_a_mail_leads_back_to_that_mail(app, world, client, login):
    """« En faire une nouvelle question… » opened a form whose way back led to the queue: the jurist who chose to
    attach or discard the mail after all lost it. The link leads back to the mail now."""
    record = ingest(_new_question_mail(world.member.email))
    login(world.jurist)
    form = page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    assert f'<a href="/courriels/{record.id}">← Retour au courriel</a>' in form and "← Retour à la file" not in form


def test_a_mail_already_handled_fills_no_question(app, world, client, login):
    """The form opened from a mail another jurist has since discarded is an ordinary empty form."""
    record = ingest(_new_question_mail(world.member.email))
    discard(record, world.jurist2)
    login(world.jurist)
    form = page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    assert "Effectif et CSE" not in form and "Depuis le courriel" not in form


def _file_from_mail(client, record, world, subject: str = "Effectif et CSE"):
    """Post the question form opened from the kept mail `record`, for its member."""
    return client.post("/questions/pour-un-membre", data={
        "courriel": record.id, "structure": world.structure.id, "member": world.member.id, "channel": "email",
        "send": "1", "subject": subject, "theme": world.theme.id, "priority": "1", "mail_files": "0",
        "body": "Nos salariés en insertion comptent-ils dans l'effectif pour le CSE ?"})


def _stored_files(app) -> list:
    """The attachment files written under the upload folder."""
    return [path for path in (Path(app.config["UPLOAD_DIR"])).rglob("*") if path.is_file()]


@pytest.mark.parametrize("subject", ["Effectif et CSE", "Salariés en insertion et effectif du CSE"])
def test_a_mail_a_colleague_already_turned_into_a_question_is_refused(app, world, client, login, subject):
    """Two jurists who opened « En faire une nouvelle question… » on the same mail both got a question: the mail was
    marked handled in a second step that nothing guarded. The second jurist's filing is refused now, naming the
    question the mail became, and stores nothing (no question, no file, the mail left as the first one handled it),
    whether they kept the mail's subject or rewrote it."""
    record = ingest(_new_question_mail(world.member.email))
    login(world.jurist2)
    assert "Depuis le courriel" in page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    draft = ingest_module.question_draft(record)
    first = filing.file_on_behalf(world.jurist, world.member.id, world.structure.id, "email", draft.subject,
                                  draft.body, world.theme.id, attachments=draft.files, from_mail=record)
    files = _stored_files(app)
    response = _file_from_mail(client, record, world, subject)
    page = page_text(response)
    assert response.status_code == 409
    assert factories.error_banner(page) == (f"Erreur : ce courriel a déjà été transformé en question "
                                            f"{first.reference}. Rien n'a été enregistré.")
    assert f'value="{subject}"' in page, "the form is shown again as typed"
    assert [ticket.reference for ticket in db.session.scalars(select(Ticket))] == [first.reference]
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1 and _stored_files(app) == files
    db.session.refresh(record)
    assert (record.status, record.ticket_id, record.handled_by_id) == ("attached", first.id, world.jurist.id)


def test_the_form_from_a_mail_sent_twice_by_its_jurist_leads_to_the_question_filed(app, world, client, login):
    """A double click on « Enregistrer la question » is the question already filed, from a mail as from a call: the
    jurist lands on it instead of a refusal."""
    record = ingest(_new_question_mail(world.member.email))
    login(world.jurist)
    first, again = _file_from_mail(client, record, world), _file_from_mail(client, record, world)
    [ticket] = db.session.scalars(select(Ticket))
    assert first.headers["Location"] == again.headers["Location"] == f"/questions/{ticket.reference}"
    db.session.refresh(record)
    assert (record.status, record.ticket_id, record.handled_by_id) == ("attached", ticket.id, world.jurist.id)


def test_a_mail_discarded_while_its_question_was_written_refuses_the_filing(app, world, client, login):
    record = ingest(_new_question_mail(world.member.email))
    login(world.jurist)
    client.get(f"/questions/pour-un-membre?courriel={record.id}")
    discard(record, world.jurist2)
    response = _file_from_mail(client, record, world)
    assert response.status_code == 409
    assert factories.error_banner(page_text(response)) == "Erreur : ce courriel a déjà été écarté. Rien n'a été enregistré."
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_failure_while_filing_from_a_mail_leaves_neither_question_nor_handled_mail(app, world):
    """The question was committed, then the mail marked handled in a second commit: a failure in between left the mail
    waiting beside the question it had become (another jurist then filed it again). Both are one transaction now:
    a failure as the mail is marked stores nothing, files included, and the mail still waits."""
    record = ingest(_new_question_mail(world.member.email))
    draft = ingest_module.question_draft(record)

    def fail_on_marking(_conn, _cursor, statement, *_args):
        """The database failing as the mail is marked handled."""
        if statement.lstrip().upper().startswith("UPDATE INBOUND_EMAIL"):
            raise RuntimeError("database gone")

    event.listen(db.engine, "before_cursor_execute", fail_on_marking)
    try:
        with pytest.raises(RuntimeError):
            filing.file_on_behalf(world.jurist, world.member.id, world.structure.id, "email", draft.subject,
                                  draft.body, world.theme.id, attachments=draft.files, from_mail=record)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_marking)
    db.session.rollback()  # as the request's end does
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0 and _stored_files(app) == []
    db.session.refresh(record)
    assert (record.status, record.ticket_id, record.handled_by_id) == ("pending", None, None)
    ticket = filing.file_on_behalf(world.jurist, world.member.id, world.structure.id, "email", draft.subject,
                                   draft.body, world.theme.id, attachments=draft.files, from_mail=record)
    db.session.refresh(record)
    assert (record.status, record.ticket_id) == ("attached", ticket.id), "the mail can be filed again"


def _failing_on_linking(_conn, _cursor, statement, *_args):
    """The database failing as a received mail is linked to the message it became."""
    if statement.lstrip().upper().startswith("UPDATE INBOUND_EMAIL") and "REPLY_ID" in statement.upper():
        raise RuntimeError("database gone")


@pytest.mark.parametrize("fixture, sender, internal", [
    ("no_reference.eml", "member", False),
    ("multipart_attachment.eml", "expert-comptable@cabinet.example", True),
])
def test_a_failure_while_attaching_a_mail_leaves_neither_message_nor_handled_mail(app, world, question, fixture,
                                                                                   sender, internal):
    """Attaching a kept mail committed the message with the mail marked handled, then linked the mail to it in a
    second commit: a failure in between left a handled mail without its message, which a later attempt was refused
    as « déjà transformé en question » instead of « déjà rattaché ». It is one transaction now: the failure stores no
    message, no file, and the mail still waits, to be attached again."""
    raw = fixture_mail(fixture, REF=question.reference, REF_LOWER=question.reference.lower(),
                       FROM=world.member.email if sender == "member" else sender)
    record = ingest(raw)
    kept = (record.status, record.ticket_id, record.handled_by_id, record.reply_id)
    assert kept[0] == "pending"
    messages_before = db.session.scalar(select(func.count()).select_from(Message))
    event.listen(db.engine, "before_cursor_execute", _failing_on_linking)
    try:
        with pytest.raises(RuntimeError):
            attach(record, question.reference, world.jurist)
    finally:
        event.remove(db.engine, "before_cursor_execute", _failing_on_linking)
    db.session.rollback()  # as the request's end does
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages_before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0 and _stored_files(app) == []
    db.session.refresh(record)
    assert (record.status, record.ticket_id, record.handled_by_id, record.reply_id) == kept
    attach(record, question.reference, world.jurist)
    db.session.refresh(record)
    message = db.session.get(Message, record.reply_id)
    assert (record.status, message.ticket_id, message.internal) == ("attached", question.id, internal)
    with pytest.raises(Conflict, match=f"Ce courriel a déjà été rattaché à la question {question.reference}."):
        attach(record, question.reference, world.jurist)


def test_a_failure_while_placing_a_reply_appends_nothing(app, world, question):
    """A reply placed on its question was committed, then linked to its mail in a second commit: a failure in between
    left the reply appended with its mail unlinked (and the mail received again appended it twice). Both commit
    together now: the failure appends nothing."""
    event.listen(db.engine, "before_cursor_execute", _failing_on_linking)
    try:
        with pytest.raises(RuntimeError):
            ingest(_mail("multipart_attachment.eml", question, world.member))
    finally:
        event.remove(db.engine, "before_cursor_execute", _failing_on_linking)
    db.session.rollback()
    assert _replies(question, world.member) == [] and _stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(InboundEmail)) == 0
    record = ingest(_mail("multipart_attachment.eml", question, world.member))
    [reply] = _replies(question, world.member)
    assert (record.status, record.reply_id) == ("placed", reply.id)


def test_the_form_filled_from_a_mail_lists_its_files_under_the_names_they_are_stored_with(app, world, client, login):
    """Anyone can mail the help desk: a file named with a right-to-left override and a line break
    (« contrat‮fdp.txt » shows as « contrattxt.pdf ») was listed so on the form, where the jurist checks what the
    question will carry, though it was stored under a clean name."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"] = f"Alice Membre <{world.member.email}>", "questions@federation.example.test"
    message["Subject"], message["Message-ID"] = "Contrat", "<disguised-file@exemple.test>"
    message.set_content("Voici le contrat.")
    message.add_attachment(b"Contrat de travail", maintype="text", subtype="plain", filename="x.txt")
    raw = message.as_bytes().replace(b'filename="x.txt"', "filename*=utf-8''contrat%E2%80%AEfdp%0A.txt".encode())
    record = ingest(raw)
    login(world.jurist)
    form = page_text(client.get(f"/questions/pour-un-membre?courriel={record.id}"))
    assert '> contratfdp.txt (1 Ko)</label>' in form and "\u202e" not in form


def test_the_handled_mail_list_is_titled_so_and_says_what_became_of_each_mail(app, world, question, client, login):
    """« Voir les courriels déjà traités » opened a page titled « Courriels non rattachés », inviting to attach mail
    already handled, and only named the question a mail went to, in plain text, without saying who handled it. It is
    « Courriels traités » now: each mail says whether it was attached to a question or became one (a link to it), or
    was discarded, by whom and when; a handled mail's page says the same and leads back to that list."""
    attached = ingest(_mail("no_reference.eml", question, world.member))
    attach(attached, question.reference, world.jurist)
    new_question = ingest(_new_question_mail(world.member.email))
    draft = ingest_module.question_draft(new_question)
    filed = filing.file_on_behalf(world.jurist2, world.member.id, world.structure.id, "email", draft.subject,
                                  draft.body, world.theme.id, from_mail=new_question)
    discarded = ingest(_forged(question, "inconnu@exemple.test", "questions@federation.example.test"))
    discard(discarded, world.jurist)
    login(world.jurist)
    page = page_text(client.get("/courriels?etat=traites"))
    assert "<title>Courriels traités" in page and "<h1>Courriels traités</h1>" in page
    assert "<h1>Courriels non rattachés</h1>" not in page and "Ouvrez-les pour les rattacher" not in page
    assert (f'Rattaché à la question <a href="/questions/{question.reference}">{question.reference}</a><br>'
            f'<small>par {world.jurist.name}, le ') in page
    assert (f'Transformé en question <a href="/questions/{filed.reference}">{filed.reference}</a><br>'
            f'<small>par {world.jurist2.name}, le ') in page
    assert f"Écarté<br><small>par {world.jurist.name}, le " in page
    pending = page_text(client.get("/courriels"))
    assert "<h1>Courriels non rattachés</h1>" in pending and "Ouvrez-les pour les rattacher" in pending
    detail = page_text(client.get(f"/courriels/{attached.id}"))
    assert '<a href="/courriels?etat=traites">← Courriels traités</a>' in detail, "the way back is the handled list"
    assert (f'<dd>Rattaché à la question <a href="/questions/{question.reference}">{question.reference}</a><br>'
            f'<small>par {world.jurist.name}, le ') in detail


def test_a_mail_with_more_files_than_a_message_takes_is_attached_with_those_ticked(app, world, question, client,
                                                                                   login):
    """Attaching a kept mail with twelve acceptable files to its question was refused (ten files at most) with no way
    to leave some out. Its files are boxes to tick on its page now, all ticked at first, the limit explained (and
    its small files listed as « 1 Ko », not « 0 Ko »); too
    many ticked are refused saying how many to untick, nothing attached; the files ticked go with the message."""
    record = ingest(_mail_with_files(world.member.email, 12))
    login(world.jurist)
    detail = page_text(client.get(f"/courriels/{record.id}"))
    assert len(re.findall(r'<input checked[^>]*name="mail_files"', detail)) == 12
    assert "<dd>piece-01.txt (1 Ko), piece-02.txt (1 Ko)," in detail, "sized as on its boxes, not « 0 Ko »"
    assert ("Ce courriel a 12 pièces jointes acceptées, un message en reçoit 10 au plus : décochez celles à laisser "
            "de côté, elles ne seront pas jointes à la question.") in detail
    refused = client.post(f"/courriels/{record.id}/rattacher",
                          data={"reference": question.reference, "mail_files": [str(n) for n in range(11)]})
    page = page_text(refused)
    assert refused.status_code == 400
    assert "Vous avez choisi 11 pièces jointes : un message en reçoit 10 au plus. Décochez-en 1." in page
    assert f'value="{question.reference}"' in page and len(re.findall(r'<input [^>]*checked[^>]*name="mail_files"',
                                                                       page)) == 11
    assert _replies(question, world.member) == [] and _stored_files(app) == []
    client.post(f"/courriels/{record.id}/rattacher", data={"reference": question.reference, "mail_files": ["1", "10"]})
    [reply] = _replies(question, world.member)
    assert [file.filename for file in reply.attachments] == ["piece-02.txt", "piece-11.txt"]
    db.session.refresh(record)
    assert (record.status, record.reply_id) == ("attached", reply.id)


def test_a_mail_attached_with_none_of_its_files_ticked_brings_its_text_alone(app, world, question, client, login):
    """Every file left out, the mail's text alone becomes the member's reply."""
    record = ingest(_mail_with_files(world.member.email, 3))
    login(world.jurist)
    client.post(f"/courriels/{record.id}/rattacher", data={"reference": question.reference})
    [reply] = _replies(question, world.member)
    assert "toutes les pièces du dossier" in reply.body and reply.attachments == []
