"""What a notification tells its recipient: how to answer it."""
from helpdesk.mail.reply_address import read_token
from helpdesk.mail.sender import send_pending
from helpdesk.tickets import services
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
        assert "Question close" in mail["Subject"]
        assert PROMISE not in text_part(mail) and PROMISE not in html_part(mail)
        assert f"La question {ticket.reference} est close : une réponse à ce courriel ne lui serait pas ajoutée." \
            in text_part(mail)
        assert mail["Reply-To"] == "questions@federation.example.test", "a reply is kept for review, not appended"
    new_question = "https://helpdesk.example.test/questions/nouvelle"
    assert new_question in text_part(to_member) and f'href="{new_question}"' in html_part(to_member)
    assert new_question not in text_part(to_jurist)


def test_without_a_reply_address_mail_promises_nothing(app, world, smtp):
    app.config["MAIL_REPLY_TO"] = None
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Réponse.")
    mail = _delivered(smtp, world.member)
    assert mail["Reply-To"] is None and PROMISE not in text_part(mail)
