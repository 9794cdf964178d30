"""What a notification tells its recipient: how to answer it, and where a closed or merged question went."""
import pytest

from helpdesk.mail.notifications import set_preferences
from helpdesk.mail.reply_address import read_token
from helpdesk.mail.sender import build_message, send_pending
from helpdesk.tickets import services
from helpdesk.triage.merging import merge
from tests import factories
from tests.mail.helpers import html_part, text_part

PROMISE = "Vous pouvez répondre directement à ce courriel"


def _delivered(smtp, user):
    """The last message delivered to `user`, after sending the outbox."""
    send_pending()
    return smtp.recorder.to(user.email)[-1]


def test_mail_about_an_open_question_is_answered_at_the_recipients_signed_address(app, world, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Réponse.")
    mail = _delivered(smtp, world.member)
    token = read_token(mail["Reply-To"].addresses[0].addr_spec)
    assert (token.user_id, token.reference) == (world.member.id, ticket.reference)
    assert PROMISE in text_part(mail) and PROMISE in html_part(mail)


def test_mail_about_a_closed_question_promises_no_reply_and_tells_members_how_to_ask_again(app, world, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.close(ticket, world.member)
    to_member, to_jurist = _delivered(smtp, world.colleague), _delivered(smtp, world.jurist)
    for mail in (to_member, to_jurist):
        assert "Question clôturée" in mail["Subject"]
        assert PROMISE not in text_part(mail) and PROMISE not in html_part(mail)
        assert f"La question {ticket.reference} est clôturée : une réponse à ce courriel ne lui serait pas ajoutée." \
            in text_part(mail)
        assert mail["Reply-To"] == "questions@federation.example.test", "a reply is kept for review, not appended"
    new_question = "https://helpdesk.example.test/questions/nouvelle"
    assert new_question in text_part(to_member) and f'href="{new_question}"' in html_part(to_member)
    assert new_question not in text_part(to_jurist)


def test_members_of_an_inactive_structure_are_not_invited_to_reply_by_mail(app, world, smtp):
    """They may no longer reply: the answer's mail neither promises it nor carries their signed address."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    world.structure.active = False
    services.add_message(ticket, world.jurist, "Réponse.")
    mail = _delivered(smtp, world.member)
    assert "Réponse à votre question" in mail["Subject"]
    assert PROMISE not in text_part(mail) and PROMISE not in html_part(mail)
    assert mail["Reply-To"] == "questions@federation.example.test"


def test_without_a_reply_address_mail_promises_nothing(app, world, smtp):
    app.config["MAIL_REPLY_TO"] = None
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Réponse.")
    mail = _delivered(smtp, world.member)
    assert mail["Reply-To"] is None and PROMISE not in text_part(mail)


def test_same_structure_merge_tells_members_which_question_goes_on(app, world, smtp):
    kept = factories.make_ticket(world.member, subject="Renouvellement CDDI")
    duplicate = factories.make_ticket(world.colleague, subject="CDDI renouvelable ?")
    services.claim(duplicate, world.jurist2)
    merge(duplicate, kept, world.jurist)
    for user in (world.member, world.colleague, world.jurist2):
        mail = _delivered(smtp, user)
        assert "Question fusionnée avec une autre" in mail["Subject"]
        text = text_part(mail)
        assert (f"La question {duplicate.reference} — CDDI renouvelable ? a été fusionnée dans la question "
                f"{kept.reference} — Renouvellement CDDI : la suite des échanges s'y trouve.") in text
        assert f"https://helpdesk.example.test/questions/{kept.reference}" in text
        assert kept.reference in html_part(mail) and "a été clôturée" not in text


def test_cross_structure_merge_tells_members_without_revealing_the_other_question(app, world, smtp):
    kept = factories.make_ticket(world.member, subject="Renouvellement CDDI")
    duplicate = factories.make_ticket(world.outsider, subject="CDDI renouvelable ?")
    services.claim(duplicate, world.jurist2)
    merge(duplicate, kept, world.jurist, confirm_other_structure=True)
    to_outsider = _delivered(smtp, world.outsider)
    for part in (text_part(to_outsider), html_part(to_outsider)):
        assert "regroupée avec une question identique d'une autre structure" in part
        assert kept.reference not in part and "Renouvellement CDDI" not in part
    assert f"https://helpdesk.example.test/questions/{duplicate.reference}" in text_part(to_outsider)
    assert kept.reference in text_part(_delivered(smtp, world.jurist2)), "the assignee sees every question"


def test_merge_mail_reaches_members_who_opted_out_of_secondary_mail(app, world, smtp):
    set_preferences(world.member, "immediate", False)
    kept = factories.make_ticket(world.colleague)
    duplicate = factories.make_ticket(world.member)
    merge(duplicate, kept, world.jurist)
    assert kept.reference in text_part(_delivered(smtp, world.member))


def test_a_reply_citing_a_resource_reads_as_text_and_links_to_the_site_in_both_parts(app, world, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, 'Voir **attentivement** [CDDI : les règles](/ressources/cddi-regles "CDDI").')
    mail = _delivered(smtp, world.member)
    text, html = text_part(mail), html_part(mail)
    assert "Voir attentivement CDDI : les règles (https://helpdesk.example.test/ressources/cddi-regles)." in text
    assert "**" not in text and "](" not in text
    assert '<a href="https://helpdesk.example.test/ressources/cddi-regles"' in html
    assert "<strong>attentivement</strong>" in html and "**" not in html


def test_html_typed_in_a_reply_stays_text_in_the_mail(app, world, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Balise <img src=x onerror=alert(1)> tapée.")
    html = html_part(_delivered(smtp, world.member))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


SUBJECTS = [
    "Votre question Q-2026-00012 a reçu une réponse — Licenciement économique",
    "[Q-2026-00012] Votre question Q-2026-00012 a reçu une réponse — Licenciement économique",
    "[Q-2026-00012] Réponse à votre question : CDDI et « PASS IAE » d'un salarié élu au CSE de l'atelier",
    "Licenciement « élu être : Votre a Réponse à reçu a Licenciement CSE",
    "élu Réponse CSE salarié PASS d'insertion salarié économique être votre salarié être votre « PASS d'insertion",
    "CSE [Q-2026-00012] CSE votre sujet : Votre [Q-2026-00012] a Q-2026-00012 a ceci",
    "Invitation au helpdesk juridique",
]


def _subject_sent(subject: str) -> tuple[bytes, str]:
    """The header section of the message built for a mail with this subject, and its Subject as a mail client
    decodes it (unfolded, then its encoded words decoded, as RFC 5322 and RFC 2047 say)."""
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from helpdesk.models import OutboxEmail
    from helpdesk.models._types import utcnow
    row = OutboxEmail(kind="question_filed", to_address="alice@exemple.test", subject=subject, text_body="Texte.",
                      html_body="<p>Texte.</p>", headers={}, created_at=utcnow())
    raw = build_message(row).as_bytes()
    unfolded = message_from_bytes(raw)["Subject"].replace("\r", "").replace("\n", "")
    return raw.split(b"\n\n")[0], str(make_header(decode_header(unfolded)))


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_mails_subject_decodes_to_the_intended_text_exactly(app, subject):
    """The standard library's folding of a subject mixing plain and encoded words left a double space before an
    accented word (« a  reçu une réponse »), or dropped one, once decoded; a long plain subject began with a space.
    The subject a member reads is now the text written, character for character, on lines of at most 78."""
    headers, decoded = _subject_sent(subject)
    assert decoded == subject
    assert all(len(line) <= 78 for line in headers.splitlines())


def test_a_delivered_answer_mails_subject_keeps_every_space(app, world, smtp):
    """Through the real outbox and SMTP: the member's mail of an answer read « IAEréforme » (the space before the
    accented word lost in the folding); it reads as written now."""
    ticket = factories.make_ticket(world.member, subject="IAE réforme : durée du PASS d'insertion et renouvellement")
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Réponse.")
    mail = _delivered(smtp, world.member)
    assert mail["Subject"] == (f"[{ticket.reference}] Réponse à votre question : IAE réforme : durée du PASS "
                               "d'insertion et renouvellement")
