"""A week before a question waiting for its member is closed for lack of news, the structure's members are reminded,
once per wait."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.mail import outbox
from helpdesk.models import Event, OutboxEmail
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services
from tests import factories

ASKED = "Pouvez-vous nous transmettre le contrat signé et ses avenants ?"


def _waiting_since(world, days: int):
    """A question the jurist left waiting for the member, with no activity for `days` days."""
    with frozen_time(utcnow() - timedelta(days=days)):
        ticket = factories.make_ticket(world.member)
        services.add_message(ticket, world.jurist, ASKED, status_after="waiting")
    return ticket


def _reminders(ticket) -> list[OutboxEmail]:
    """The reminder mails queued about `ticket`."""
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.ticket_id == ticket.id,
                                                        OutboxEmail.kind == "close_reminder")
                              .order_by(OutboxEmail.id)).all()


def test_members_are_reminded_a_week_before_the_question_closes_and_only_once(app, world, runner, client, login):
    ticket = _waiting_since(world, 24)
    result = runner.invoke(args=["triage", "close-inactive"])
    assert result.exit_code == 0
    assert "1 rappel(s) envoyé(s)" in result.output and ticket.reference in result.output
    mails = _reminders(ticket)
    assert sorted(mail.to_address for mail in mails) == ["collegue@exemple.test", "membre@exemple.test"]
    mail = _reminders(ticket)[0]
    subject, text, html_body = outbox.deferred_mail(mail)
    closes_on = (ticket.last_activity_at + timedelta(days=30)).astimezone(ZoneInfo("Europe/Paris"))
    assert subject == f"[{ticket.reference}] Votre réponse est toujours attendue : Renouvellement d'un CDDI"
    assert ASKED in text
    assert "attend toujours votre réponse" in text
    assert f"clôturée automatiquement à partir du {closes_on.day} " in text
    assert ASKED in html_body
    # The next day's run does not remind again; the question stays waiting.
    output = runner.invoke(args=["triage", "close-inactive"]).output
    assert "0 rappel(s) envoyé(s) pour des questions en attente du membre, clôturées dans" in output
    assert len(_reminders(ticket)) == 2
    db.session.refresh(ticket)
    assert ticket.status == "waiting"
    login(world.member)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Rappel envoyé au membre : sans nouvelles, la question pourra être clôturée automatiquement à partir du" in page


@pytest.mark.parametrize("status, days", [("waiting", 10), ("answered", 24)])
def test_no_reminder_too_early_nor_for_an_answered_question(app, world, runner, status, days):
    with frozen_time(utcnow() - timedelta(days=days)):
        ticket = factories.make_ticket(world.member)
        services.add_message(ticket, world.jurist, ASKED, status_after=status)
    assert "0 rappel(s)" in runner.invoke(args=["triage", "close-inactive"]).output
    assert _reminders(ticket) == []


def test_a_new_wait_gets_its_own_reminder(app, world, runner):
    ticket = _waiting_since(world, 60)
    with frozen_time(utcnow() - timedelta(days=36)):
        assert services.remind_waiting(30, 7) == [ticket.reference]  # the first wait's, 24 days into it
    with frozen_time(utcnow() - timedelta(days=25)):
        services.add_message(ticket, world.member, "Voici le contrat.")
        services.add_message(ticket, world.jurist, "Et l'avenant de juin ?", status_after="waiting")
    assert services.remind_waiting(30, 7) == [ticket.reference]
    kinds = db.session.scalars(select(Event.kind).where(Event.ticket_id == ticket.id,
                                                        Event.kind == "close_reminder")).all()
    assert len(kinds) == 2


def test_no_reminder_when_switched_off_or_past_the_closing_day(app, world, runner):
    app.config["AUTO_CLOSE_REMINDER_DAYS"] = 0
    ticket = _waiting_since(world, 24)
    output = runner.invoke(args=["triage", "close-inactive"]).output
    assert "rappel" not in output and _reminders(ticket) == []
    assert services.remind_waiting(30, 7) == [ticket.reference]
    late = _waiting_since(world, 31)
    assert services.remind_waiting(30, 7) == []  # to be closed, not reminded
    assert _reminders(late) == []


def test_the_reminder_is_written_in_the_members_language(app, world):
    world.member.locale = "en"
    db.session.commit()
    ticket = _waiting_since(world, 24)
    services.remind_waiting(30, 7)
    mail = next(mail for mail in _reminders(ticket) if mail.to_address == "membre@exemple.test")
    subject, text, _html = outbox.deferred_mail(mail)
    assert subject == f"[{ticket.reference}] Your answer is still awaited: Renouvellement d'un CDDI"
    assert "is still waiting for your answer" in text


def test_no_reminder_to_a_structure_whose_membership_is_not_active(app, world):
    """Its members may not reply: a mail asking for their answer would only be refused when they try."""
    ticket = _waiting_since(world, 24)
    world.member.structure.active = False
    db.session.commit()
    assert services.remind_waiting(30, 7) == []
    assert _reminders(ticket) == []
