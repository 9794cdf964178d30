"""A jurist corrects the theme and urgency a question was filed with: service rules, deadlines, history, page."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event
from helpdesk.models._types import frozen_time
from helpdesk.tickets import services
from helpdesk.triage.merging import merge
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    """An aware Europe/Paris moment."""
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def ticket(world):
    """A normal question filed on Monday 2 March 2026 at 10:00 under « Autre question »."""
    other = factories.make_theme(name="Autre question")
    with frozen_time(paris(2026, 3, 2, 10)):
        return factories.make_ticket(world.member, theme_id=other.id)


def test_jurist_moves_a_question_to_another_theme_and_urgency(world, ticket):
    previous = ticket.theme
    with frozen_time(paris(2026, 3, 2, 11)):
        services.classify(ticket, world.jurist, world.theme.id, 3)
    assert (ticket.theme, ticket.priority) == (world.theme, 3)
    event = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "reclassified"))
    assert event.actor == world.jurist and not event.internal  # the member sees why their page changed
    assert event.data == {"previous_theme": previous.name, "theme": "Réforme IAE", "previous_priority": 1,
                          "priority": 3}


def test_a_more_urgent_question_gets_the_shorter_deadline_at_once(world, ticket):
    # Normal: first answer within 2 business days; urgent (default policy): within 4 business hours.
    assert ticket.first_response_due_at == paris(2026, 3, 4, 10)
    with frozen_time(paris(2026, 3, 2, 11)):
        services.classify(ticket, world.jurist, ticket.theme_id, 3)
    assert ticket.first_response_due_at == ticket.next_due_at == paris(2026, 3, 2, 14)


def test_only_what_changed_is_recorded(world, ticket):
    services.classify(ticket, world.jurist, ticket.theme_id, 2)
    event = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "reclassified"))
    assert event.data == {"previous_priority": 1, "priority": 2}


def test_nothing_changed_is_refused(world, ticket):
    with pytest.raises(InvalidInput, match="déjà ce thème et cette urgence"):
        services.classify(ticket, world.jurist, ticket.theme_id, ticket.priority)


def test_a_withdrawn_theme_can_be_kept_but_not_chosen(world, ticket):
    withdrawn = factories.make_theme(name="Ancien thème", active=False)
    with pytest.raises(InvalidInput, match="Ce thème n'existe pas"):
        services.classify(ticket, world.jurist, withdrawn.id, 1)
    ticket.theme = withdrawn
    db.session.commit()
    services.classify(ticket, world.jurist, withdrawn.id, 2)
    assert (ticket.theme, ticket.priority) == (withdrawn, 2)


@pytest.mark.parametrize("priority", [-1, 4])
def test_unknown_urgency_is_refused(world, ticket, priority):
    with pytest.raises(InvalidInput, match="Cette urgence n'existe pas"):
        services.classify(ticket, world.jurist, ticket.theme_id, priority)


def test_a_merged_question_is_not_reclassified_nor_offered_the_form(client, login, world, ticket):
    """Its case goes on in the question kept, which is the one to reclassify (as its status and followers)."""
    kept = factories.make_ticket(world.member)
    merge(ticket, kept, world.jurist)
    with pytest.raises(InvalidInput, match="Reclassez la question dans laquelle elle a été fusionnée"):
        services.classify(ticket, world.jurist, world.theme.id, 3)
    assert ticket.priority == 1
    login(world.jurist)
    assert 'id="classify"' not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert 'id="classify"' in client.get(f"/questions/{kept.reference}").get_data(as_text=True)


def test_member_cannot_reclassify(world, ticket):
    with pytest.raises(Forbidden):
        services.classify(ticket, world.member, world.theme.id, 3)


def test_jurist_reclassifies_from_the_question_page_and_the_member_reads_why(client, login, world, ticket):
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert 'action="/questions/%s/classement"' % ticket.reference in page
    response = client.post(f"/questions/{ticket.reference}/classement",
                           data={"theme": str(world.theme.id), "priority": "3"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "thème « Réforme IAE » et urgence « Urgente » enregistrés." in text
    login(world.member)
    text = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert ("Denis Juriste a reclassé la question : thème « Autre question » → « Réforme IAE », "
            "urgence « Normale » → « Urgente ».") in text
    assert 'action="/questions/%s/classement"' % ticket.reference not in text


def test_unknown_theme_from_the_page_changes_nothing(client, login, world, ticket):
    login(world.jurist)
    text = client.post(f"/questions/{ticket.reference}/classement", data={"theme": "999999", "priority": "3"},
                       follow_redirects=True).get_data(as_text=True)
    assert "choisissez un thème et une urgence de la liste." in text
    db.session.refresh(ticket)
    assert ticket.priority == 1
