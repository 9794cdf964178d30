"""A reply written while someone else wrote on the same question is held back, its text kept, until its writer has
read what was added."""
import html
import io
import re
import threading
import time

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Message, OutboxEmail, Ticket, User
from helpdesk.tickets import services
from tests import factories
from tests.factories import pdf_bytes

MEANWHILE = "pendant que vous écriviez, un nouveau message a été ajouté à cette question"


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


RESENT = "Ce message avait déjà été envoyé : il n'a pas été enregistré une seconde fois."


def test_a_reply_sent_again_from_the_same_page_is_posted_once(client, login, world, ticket):
    """Back then Send, or a double click without script: the same text from the same page is the reply already
    posted; the member is told so and nothing more is mailed."""
    login(world.member)
    seen = _seen(_open(client, ticket))
    reply = {"body": "Merci, et pour le délai de prévenance ?", "seen": seen}
    assert client.post(f"/questions/{ticket.reference}/repondre", data=reply).status_code == 302
    mails = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    page = client.post(f"/questions/{ticket.reference}/repondre", data=reply, follow_redirects=True)
    assert RESENT in html.unescape(page.get_data(as_text=True))
    assert _bodies(ticket).count("Merci, et pour le délai de prévenance ?") == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == mails


def test_the_same_words_written_again_after_reading_the_page_are_posted(client, login, world, ticket):
    """A « Merci » written a second time from a page that shows the first one is a new reply."""
    login(world.member)
    for _ in range(2):
        page = client.post(f"/questions/{ticket.reference}/repondre",
                           data={"body": "Merci.", "seen": _seen(_open(client, ticket))}, follow_redirects=True)
        assert RESENT not in html.unescape(page.get_data(as_text=True))
    assert _bodies(ticket).count("Merci.") == 2


def _reply_in_own_session(app, ticket_id: int, author_id: int, seen: int, pause: float, started: threading.Event,
                          posted: list) -> None:
    """A reply as the view sends it, from its own thread and database connection: look for the same text sent since
    `seen`, wait `pause` seconds, then post it unless found."""
    with app.app_context():
        ticket, author = db.session.get(Ticket, ticket_id), db.session.get(User, author_id)
        try:
            resent = services.resent_reply(ticket, author, "Envoyée deux fois à la fois.", seen)
            started.set()
            time.sleep(pause)
            if resent is None:
                posted.append(services.add_message(ticket, author, "Envoyée deux fois à la fois.", seen=seen).id)
        finally:
            db.session.remove()


def test_a_reply_sent_twice_at_once_is_posted_once(app, world, ticket):
    """Two submissions of the same reply at the same moment: the second waits for the first and finds it."""
    seen = services.last_message_id(ticket, world.member)
    posted: list = []
    first_started = threading.Event()
    first = threading.Thread(target=_reply_in_own_session,
                             args=(app, ticket.id, world.member.id, seen, 0.5, first_started, posted))
    second = threading.Thread(target=_reply_in_own_session,
                              args=(app, ticket.id, world.member.id, seen, 0, threading.Event(), posted))
    first.start()
    assert first_started.wait(10)
    second.start()
    first.join(30)
    second.join(30)
    db.session.expire_all()
    assert len(posted) == 1 and _bodies(ticket).count("Envoyée deux fois à la fois.") == 1
