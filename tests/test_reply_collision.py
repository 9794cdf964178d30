"""A reply written while someone else wrote on the same question is held back, its text kept, until its writer has
read what was added."""
import html
import io
import re

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Message
from helpdesk.tickets import services
from tests import factories
from tests.factories import pdf_bytes

MEANWHILE = "Pendant que vous écriviez, un nouveau message a été ajouté à cette question"


def _seen(page: str) -> str:
    """The last message id the reply form of `page` carries."""
    return re.search(r'<input id="seen" name="seen" type="hidden" value="(\d*)">', page).group(1)


def _open(client, ticket) -> str:
    """The question's page as its reader gets it."""
    return client.get(f"/questions/{ticket.reference}").get_data(as_text=True)


def _bodies(ticket) -> list[str]:
    """The texts of the question's messages, oldest first."""
    return db.session.scalars(select(Message.body).where(Message.ticket_id == ticket.id).order_by(Message.id)).all()


@pytest.fixture
def ticket(world):
    """A question of the world's member, with the jurist's first answer."""
    filed = factories.make_ticket(world.member)
    services.add_message(filed, world.jurist, "Première réponse du juriste.")
    return filed


def test_a_member_reply_crossing_a_jurists_answer_is_held_back_then_sent_knowingly(client, login, world, ticket):
    login(world.member)
    seen = _seen(_open(client, ticket))
    services.add_message(ticket, world.jurist, "Précision : le renouvellement est possible.")
    page = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Merci, mais le délai ?", "seen": seen})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 409
    assert MEANWHILE in text
    assert "Précision : le renouvellement est possible." in text  # what was added, shown above the kept text
    assert "Merci, mais le délai ?</textarea>" in text
    assert _bodies(ticket)[-1] == "Précision : le renouvellement est possible."
    # The page now shows the whole thread: sending again posts the reply.
    page = client.post(f"/questions/{ticket.reference}/repondre",
                       data={"body": "Merci, mais le délai ?", "seen": _seen(text)})
    assert page.status_code == 302
    assert _bodies(ticket)[-1] == "Merci, mais le délai ?"


def test_a_colleagues_internal_note_holds_a_jurist_back_but_not_a_member(client, login, world, ticket):
    login(world.jurist2)
    jurist_seen = _seen(_open(client, ticket))
    login(world.member)
    member_seen = _seen(_open(client, ticket))
    services.add_message(ticket, world.jurist, "Attention : dossier sensible.", internal=True)
    page = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Une précision.", "seen": member_seen})
    assert page.status_code == 302  # a note the member cannot read is not something they missed
    login(world.jurist2)
    page = client.post(f"/questions/{ticket.reference}/repondre",
                       data={"body": "Réponse complémentaire.", "kind": "public", "status_after": "answered",
                             "seen": jurist_seen})
    assert page.status_code == 409
    assert MEANWHILE in html.unescape(page.get_data(as_text=True))
    assert "Réponse complémentaire." not in _bodies(ticket)


def test_the_writers_own_messages_do_not_hold_them_back(client, login, world, ticket):
    login(world.member)
    seen = _seen(_open(client, ticket))
    client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Premier complément.", "seen": seen})
    page = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Second complément.", "seen": seen})
    assert page.status_code == 302
    assert _bodies(ticket)[-2:] == ["Premier complément.", "Second complément."]


@pytest.mark.parametrize("seen", ["", "abc", "-1", "1e3", "²", "9" * 40])
def test_a_missing_or_tampered_marker_only_skips_the_check(client, login, world, ticket, seen):
    """An older page (no marker) or a value made up: the reply is posted as before, never a server error."""
    login(world.member)
    page = client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Une réponse.", "seen": seen})
    assert page.status_code == 302
    assert _bodies(ticket)[-1] == "Une réponse."


def test_a_held_back_reply_keeps_nothing_half_written(client, login, world, ticket):
    """Nothing of the refused reply is stored: no message, no status change, no file."""
    login(world.member)
    seen = _seen(_open(client, ticket))
    services.add_message(ticket, world.jurist, "Pouvez-vous envoyer le contrat ?", status_after="waiting")
    page = client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data",
                       data={"body": "Le voici.", "seen": seen})
    assert page.status_code == 409
    db.session.refresh(ticket)
    assert ticket.status == "waiting"
    assert ticket.messages[-1].attachments == []
    assert "Le voici." not in _bodies(ticket)


def test_a_reply_helper_round_trip_keeps_the_marker_of_the_page_written_on(client, login, world, ticket):
    """Inserting a canned answer or a link re-renders the page: a colleague's message added before still holds the
    draft back, it is not silently taken as read."""
    login(world.jurist2)
    seen = _seen(_open(client, ticket))
    services.add_message(ticket, world.jurist, "Réponse envoyée entre-temps par un collègue.")
    page = client.post(f"/questions/{ticket.reference}/rediger",
                       data={"action": "search", "body": "Mon brouillon.", "kind": "public",
                             "status_after": "answered", "resource_query": "contrat", "seen": seen})
    assert page.status_code == 200
    assert _seen(page.get_data(as_text=True)) == seen
    page = client.post(f"/questions/{ticket.reference}/repondre",
                       data={"body": "Mon brouillon.", "kind": "public", "status_after": "answered",
                             "seen": _seen(page.get_data(as_text=True))})
    assert page.status_code == 409
    assert "Mon brouillon." not in _bodies(ticket)


def test_files_of_a_held_back_reply_are_asked_again(client, login, world, ticket):
    login(world.member)
    seen = _seen(_open(client, ticket))
    services.add_message(ticket, world.jurist, "Un message ajouté entre-temps.")
    page = client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data",
                       data={"body": "Le voici.", "seen": seen,
                             "attachments": [(io.BytesIO(pdf_bytes()), "contrat.pdf")]})
    assert page.status_code == 409
    assert "Joignez de nouveau votre fichier : contrat.pdf" in html.unescape(page.get_data(as_text=True))
